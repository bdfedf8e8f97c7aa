import { KafkaException } from '../kafka-exception.js';
import type { ConsumerRecord } from '../support/consumer-record.js';

/**
 * Thrown by a batch listener to say which record failed, as Spring's
 * `BatchListenerFailedException`: records before it count as processed and are committed,
 * the failed one is retried (then skipped), the rest are redelivered.
 */
export class BatchListenerFailedException extends KafkaException {
  readonly index: number | undefined;
  readonly record: ConsumerRecord | undefined;

  constructor(message: string, indexOrRecord: number | ConsumerRecord, options?: { cause?: unknown }) {
    super(message, options);
    this.index = typeof indexOrRecord === 'number' ? indexOrRecord : undefined;
    this.record = typeof indexOrRecord === 'number' ? undefined : indexOrRecord;
  }
}
