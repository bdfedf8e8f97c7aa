import type { Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { RecordMetadata } from '../support/send-result.js';
import { errorType, Messaging } from './messaging-attributes.js';
import type { OpenTelemetry } from './open-telemetry-api.js';
import { recordHeadersGetter } from './record-header-carriers.js';

/** The instrumentation scope name of the framework's spans. */
export const TRACER_NAME = 'streamwright';

/**
 * The framework's access to OpenTelemetry: whether a tracer provider is registered, the
 * tracer, the trace context a record carries, and how a span ends. The template observer
 * and the listener wrapper share one instance, so that a dead letter can be parented on the
 * failed processing of its record.
 */
export class KafkaTracing {
  /** The provider a tracer was last taken from, and that tracer (a provider registered later is picked up). */
  private provider: TracerProvider | undefined;
  private currentTracer: Tracer | undefined;
  private readonly noopProvider: TracerProvider;
  /** The context of each record's last failed processing span; the dead-letter send is its child. */
  private readonly failedProcessing = new WeakMap<ConsumerRecord, Context>();

  constructor(readonly api: OpenTelemetry) {
    // A proxy without delegate answers with the API's no-op provider: "nothing registered".
    this.noopProvider = new api.ProxyTracerProvider().getDelegate();
  }

  /**
   * A tracer provider is registered (an SDK is running). Checked per record and per send, so
   * that without one the framework creates no span and adds no header; it allocates nothing.
   */
  isActive(): boolean {
    const global = this.api.trace.getTracerProvider();
    // Another copy of the API may have registered its own proxy: then assume an SDK is there.
    const provider = global instanceof this.api.ProxyTracerProvider ? global.getDelegate() : global;
    return provider !== this.noopProvider;
  }

  tracer(): Tracer {
    const global = this.api.trace.getTracerProvider();
    const provider = global instanceof this.api.ProxyTracerProvider ? global.getDelegate() : global;
    if (provider !== this.provider || !this.currentTracer) {
      this.provider = provider;
      this.currentTracer = this.api.trace.getTracer(TRACER_NAME);
    }
    return this.currentTracer;
  }

  /** The trace context a consumed record carries (its producer's send span), or the root context. */
  extract(record: ConsumerRecord): Context {
    return this.api.propagation.extract(this.api.ROOT_CONTEXT, record.headers, recordHeadersGetter);
  }

  /** Ends a successful send span with where the record landed. */
  endSend(span: Span, error: unknown, metadata: RecordMetadata | undefined): void {
    if (error !== undefined) {
      this.endWithError(span, error);
      return;
    }
    if (metadata) {
      span.setAttribute(Messaging.DESTINATION_PARTITION_ID, String(metadata.partition));
      if (metadata.offset >= 0) span.setAttribute(Messaging.KAFKA_OFFSET, metadata.offset);
    }
    span.end();
  }

  /** Ends a processing span that failed; its records' dead letters will be its children. */
  endProcessing(span: Span, context: Context, records: readonly ConsumerRecord[], error: unknown): void {
    for (const record of records) this.failedProcessing.set(record, context);
    this.endWithError(span, error);
  }

  /**
   * The parent of a dead letter's send span: the failed processing of the record, else the span
   * running now, else the context the record arrived with (so the trace goes on either way).
   */
  deadLetterParent(record: ConsumerRecord): Context {
    const failed = this.failedProcessing.get(record);
    if (failed) return failed;
    const active = this.api.context.active();
    return this.api.trace.getSpan(active) ? active : this.extract(record);
  }

  endWithError(span: Span, error: unknown): void {
    span.recordException(error instanceof Error ? error : String(error));
    span.setAttribute(Messaging.ERROR_TYPE, errorType(error));
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
  }
}
