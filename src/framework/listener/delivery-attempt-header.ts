import type { KafkaMessage } from 'kafkajs';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { KafkaHeaders } from '../support/kafka-headers.js';
import type { Deserializer } from '../support/serializer/serializer.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { ConsumerRecordFactory } from './consumer-record-factory.js';

/**
 * Builds records carrying `kafka_deliveryAttempt` (a 4-byte big-endian int, 1 for a first
 * delivery), as Spring does when the container's `deliveryAttemptHeader` is on and its error
 * handler counts deliveries (DefaultErrorHandler does). Record listeners only, as in Spring.
 */
export class DeliveryAttemptRecordFactory extends ConsumerRecordFactory {
  constructor(
    keyDeserializer: Deserializer,
    valueDeserializer: Deserializer,
    private readonly errorHandler: CommonErrorHandler & Required<Pick<CommonErrorHandler, 'deliveryAttempt'>>,
    private readonly groupId: string,
  ) {
    super(keyDeserializer, valueDeserializer);
  }

  /** The factory a container uses: this one when the header is wanted and can be known, else the plain one. */
  static for(options: { enabled: boolean; batchListener: boolean; errorHandler: CommonErrorHandler; groupId: string }, keyDeserializer: Deserializer, valueDeserializer: Deserializer): ConsumerRecordFactory {
    const { errorHandler } = options;
    if (!options.enabled || options.batchListener || !errorHandler.deliveryAttempt) return new ConsumerRecordFactory(keyDeserializer, valueDeserializer);
    return new DeliveryAttemptRecordFactory(keyDeserializer, valueDeserializer, errorHandler as CommonErrorHandler & Required<Pick<CommonErrorHandler, 'deliveryAttempt'>>, options.groupId);
  }

  override create(topic: string, partition: number, message: KafkaMessage): ConsumerRecord {
    const record = super.create(topic, partition, message);
    const attempt = Buffer.alloc(4);
    attempt.writeInt32BE(this.errorHandler.deliveryAttempt(this.groupId, record));
    record.headers.add(KafkaHeaders.DELIVERY_ATTEMPT, attempt);
    return record;
  }
}
