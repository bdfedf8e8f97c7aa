import { defaultLogger, type Logger } from '../support/logger.js';
import type { ProducerRecord } from '../support/producer-record.js';
import type { RecordMetadata } from '../support/send-result.js';

/**
 * Sees every record a template sends, as Kafka's `ProducerInterceptor`: `onSend` runs before
 * the record is serialized and may return a different record (another topic, more headers);
 * `onAcknowledgement` runs once the send settled, with the record's position, or, when it
 * failed, the topic and partition as far as known (offset -1) and the error.
 *
 * As in Kafka, a throwing interceptor never fails a send: the error is logged and the record
 * goes on as the interceptor received it.
 */
export interface ProducerInterceptor<K = unknown, V = unknown> {
  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V>;
  onAcknowledgement(metadata: RecordMetadata, error: unknown): void;
  /** Called by `KafkaTemplate.close...` owners that release interceptors; optional. */
  close?(): void;
}

/** Several interceptors in order, as Spring's `CompositeProducerInterceptor`: each `onSend` gets the previous one's record. */
export class CompositeProducerInterceptor<K = unknown, V = unknown> implements ProducerInterceptor<K, V> {
  private readonly delegates: ProducerInterceptor<K, V>[];

  constructor(
    interceptors: readonly ProducerInterceptor<K, V>[],
    private readonly logger: Logger = defaultLogger(),
  ) {
    this.delegates = [...interceptors];
  }

  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V> {
    let current = record;
    for (const interceptor of this.delegates) {
      try {
        current = interceptor.onSend(current) ?? current;
      } catch (error) {
        this.logger.warn(`Error executing interceptor onSend callback for ${current}`, error);
      }
    }
    return current;
  }

  onAcknowledgement(metadata: RecordMetadata, error: unknown): void {
    for (const interceptor of this.delegates) {
      try {
        interceptor.onAcknowledgement(metadata, error);
      } catch (failure) {
        this.logger.warn(`Error executing interceptor onAcknowledgement callback for ${metadata.topic}-${metadata.partition}`, failure);
      }
    }
  }

  close(): void {
    for (const interceptor of this.delegates) {
      try {
        interceptor.close?.();
      } catch (error) {
        this.logger.warn('Error closing a producer interceptor', error);
      }
    }
  }
}
