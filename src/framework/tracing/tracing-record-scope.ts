import type { Context, Span } from '@opentelemetry/api';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { RecordScope, RecordScopeOpener } from '../listener/listener-observer.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import { backOffTimestampOf } from '../retrytopic/retry-topic-headers.js';
import type { KafkaTracing } from './kafka-tracing.js';
import { processAttributes } from './messaging-attributes.js';

/**
 * A record's CONSUMER span `process <topic>`, a child of the context the record carries (the
 * producer's send span), or a batch's. The dispatcher runs the interceptor, the filter, the
 * listener and the error handler in it, so their spans and logs (and a dead letter's send)
 * are its children.
 */
export class TracingRecordScope implements RecordScope {
  constructor(
    private readonly tracing: KafkaTracing,
    private readonly span: Span,
    private readonly context: Context,
    /** The record, or the batch's records, whose failed processing a dead letter's send continues. */
    private readonly records: readonly ConsumerRecord[],
  ) {}

  run<T>(work: () => T): T {
    return this.tracing.api.context.with(this.context, work);
  }

  end(error?: unknown): void {
    if (error === undefined) this.span.end();
    else this.tracing.endProcessing(this.span, this.context, this.records, error);
  }
}

/**
 * How a container's dispatcher opens each record's span, decided when its consumer starts:
 * none without a registered tracer provider, so that the record path then costs nothing.
 * A provider removed later is checked per record: its records get no span.
 */
export function tracingRecordScopes(container: MessageListenerContainer, tracing: KafkaTracing): RecordScopeOpener | undefined {
  if (!tracing.isActive()) return undefined;
  const groupId = container.groupId;
  const clientId = (container as { clientId?: string }).clientId;
  const listenerId = container.listenerId;
  return (record) => {
    if (!tracing.isActive() || heldBackByRetryTopic(record)) return undefined;
    const { api } = tracing;
    const parent = tracing.extract(record);
    const span = tracing.tracer().startSpan(`process ${record.topic}`, { kind: api.SpanKind.CONSUMER, attributes: processAttributes(record, groupId, clientId, listenerId) }, parent);
    return new TracingRecordScope(tracing, span, api.trace.setSpan(parent, span), [record]);
  };
}

/** A retry-topic record that is not due yet is handed back, not processed: it gets no span. */
function heldBackByRetryTopic(record: ConsumerRecord): boolean {
  const due = backOffTimestampOf(record.headers);
  return due !== undefined && due > Date.now();
}
