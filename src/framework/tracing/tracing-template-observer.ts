import type { DeadLetterDestination, SendObservationEnd, TemplateObserver } from '../core/template-observer.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ProducerRecord } from '../support/producer-record.js';
import type { RecordHeaders } from '../support/record-headers.js';
import type { KafkaTracing } from './kafka-tracing.js';
import { processAttributes, sendAttributes } from './messaging-attributes.js';
import { recordHeadersSetter } from './record-header-carriers.js';

const NOT_TRACED: SendObservationEnd = () => undefined;

/**
 * The template side of tracing: a PRODUCER span `send <topic>` per send, child of the span
 * running when `send()` was called, whose context goes into the record's W3C `traceparent`
 * (and `tracestate`, `baggage`) headers through the registered propagator. Dead letters and
 * retry-topic records get the same, parented on the failed processing of their record; a
 * replying template's replies get a `process <reply topic>` span in the request's trace.
 */
export class TracingTemplateObserver implements TemplateObserver {
  constructor(private readonly tracing: KafkaTracing) {}

  sendStarted(record: ProducerRecord<unknown, unknown>, headers: RecordHeaders): SendObservationEnd {
    if (!this.tracing.isActive()) return NOT_TRACED;
    return this.startSend(this.tracing.api.context.active(), record.topic, record.partition, record.key, record.value, headers);
  }

  deadLetterStarted(record: ConsumerRecord, destination: DeadLetterDestination): SendObservationEnd {
    if (!this.tracing.isActive()) return NOT_TRACED;
    return this.startSend(this.tracing.deadLetterParent(record), destination.topic, destination.partition, record.key, record.value, destination.headers);
  }

  replyReceived(record: ConsumerRecord, replyContainer: { readonly groupId: string; readonly listenerId: string }): (error?: unknown) => void {
    if (!this.tracing.isActive()) return NOT_TRACED;
    const { api } = this.tracing;
    const span = this.tracing.tracer().startSpan(
      `process ${record.topic}`,
      { kind: api.SpanKind.CONSUMER, attributes: processAttributes(record, replyContainer.groupId, undefined, replyContainer.listenerId) },
      this.tracing.extract(record),
    );
    return (error?: unknown) => (error === undefined ? span.end() : this.tracing.endWithError(span, error));
  }

  private startSend(parent: ReturnType<KafkaTracing['extract']>, topic: string, partition: number | undefined, key: unknown, value: unknown, headers: RecordHeaders): SendObservationEnd {
    const { api } = this.tracing;
    const span = this.tracing.tracer().startSpan(`send ${topic}`, { kind: api.SpanKind.PRODUCER, attributes: sendAttributes(topic, partition, key, value, headers) }, parent);
    // The send span's context is the record's creation context: the consumer's process span is its child.
    api.propagation.inject(api.trace.setSpan(parent, span), headers, recordHeadersSetter);
    return (error, metadata) => this.tracing.endSend(span, error, metadata);
  }
}
