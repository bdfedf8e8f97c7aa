import { KafkaException } from '../kafka-exception.js';
import type { ProducerRecord } from '../support/producer-record.js';

/** A send failed, as Spring's `KafkaProducerException`; carries the record that was not sent. */
export class KafkaProducerException<K = unknown, V = unknown> extends KafkaException {
  constructor(
    readonly failedProducerRecord: ProducerRecord<K, V>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
