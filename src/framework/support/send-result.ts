import type { ProducerRecord } from './producer-record.js';

/** Where a record landed, as Kafka's `RecordMetadata`. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's timestamp: the create time we sent, or the broker's log-append time. */
  readonly timestamp: number;
}

/** What `KafkaTemplate.send` resolves to, as Spring's `SendResult`. */
export interface SendResult<K = unknown, V = unknown> {
  readonly producerRecord: ProducerRecord<K, V>;
  readonly recordMetadata: RecordMetadata;
}
