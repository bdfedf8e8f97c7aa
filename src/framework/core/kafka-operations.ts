import type { Message as KafkaJsMessage, Producer, RecordMetadata as KafkaJsRecordMetadata } from 'kafkajs';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { Message } from '../support/message.js';
import type { ProducerRecord } from '../support/producer-record.js';
import type { SendResult } from '../support/send-result.js';
import type { TransactionOffset } from '../transaction/kafka-resource-holder.js';
import type { PartitionInfo } from './partition-info.js';
import type { TemplateObserver } from './template-observer.js';

/** Options of {@link KafkaOperations.sendBytes}. */
export interface SendBytesOptions {
  /** false: the caller observes the send itself (no `send` span or template metrics of the template's own). Default true. */
  readonly observe?: boolean;
}

/**
 * The send API, as Spring's `KafkaOperations`: what `KafkaTemplate` implements and what the
 * framework's own senders (the dead-letter recoverer, retry topics) take.
 */
export interface KafkaOperations<K = unknown, V = unknown> {
  /** Topic for `sendDefault(...)` and for messages without a `kafka_topic` header. */
  readonly defaultTopic: string | undefined;
  /** With a transactional producer factory: sends outside a transaction go without one. */
  readonly allowNonTransactional: boolean;
  /** Metrics and tracing of the sends (docs/observability.md). */
  readonly observer?: TemplateObserver;

  send(record: ProducerRecord<K, V>): Promise<SendResult<K, V>>;
  send(message: Message<V>): Promise<SendResult<K, V>>;
  send(topic: string, value: V): Promise<SendResult<K, V>>;
  send(topic: string, key: K, value: V): Promise<SendResult<K, V>>;
  send(topic: string, partition: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  send(topic: string, partition: number | undefined, timestamp: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;

  sendDefault(value: V): Promise<SendResult<K, V>>;
  sendDefault(key: K, value: V): Promise<SendResult<K, V>>;
  sendDefault(partition: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  sendDefault(partition: number | undefined, timestamp: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;

  /** A record whose key, value and headers are already bytes (no serializers, no producer listener). */
  sendBytes(topic: string, message: KafkaJsMessage, options?: SendBytesOptions): Promise<KafkaJsRecordMetadata[]>;
  /** The topic's partitions, as Spring's `partitionsFor`; empty for a topic the cluster does not have. */
  partitionsFor(topic: string): Promise<PartitionInfo[]>;
  /** Resolves once every send started so far has been acknowledged (or failed). */
  flush(): Promise<void>;

  /** The producer factory has a `transactionIdPrefix`: sends need a transaction. */
  isTransactional(): boolean;
  /** A transaction of this template's producer factory is running in the current async context. */
  inTransaction(): boolean;
  /** Runs `callback` in a local transaction: committed when it resolves, aborted when it throws. */
  executeInTransaction<T>(callback: (operations: this) => T | Promise<T>): Promise<T>;
  /** Adds consumed offsets (the next offset to read, per partition) to the current transaction. */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], groupId: string): Promise<void>;

  /** Runs a callback with the underlying kafkajs producer. */
  execute<T>(callback: (producer: Producer) => T | Promise<T>): Promise<T>;
  /** The record at `topic`/`partition`/`offset`, or null when it does not arrive within `pollTimeoutMs`. */
  receive(topic: string, partition: number, offset: number, pollTimeoutMs?: number): Promise<ConsumerRecord<K, V> | null>;
}
