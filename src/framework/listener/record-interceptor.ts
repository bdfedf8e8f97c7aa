import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ConsumerRecords } from '../support/consumer-records.js';
import type { ContainerConsumer } from './container-consumer.js';

/**
 * Called around each record, as Spring's `RecordInterceptor`. `intercept` may return a
 * (possibly changed) record, or null to skip it; it must keep topic, partition and offset.
 * Skipped records count as processed for commits.
 */
export interface RecordInterceptor<K = unknown, V = unknown> {
  intercept(record: ConsumerRecord<K, V>, consumer: ContainerConsumer): ConsumerRecord<K, V> | null | Promise<ConsumerRecord<K, V> | null>;
  success?(record: ConsumerRecord<K, V>, consumer: ContainerConsumer): void | Promise<void>;
  failure?(record: ConsumerRecord<K, V>, error: unknown, consumer: ContainerConsumer): void | Promise<void>;
  afterRecord?(record: ConsumerRecord<K, V>, consumer: ContainerConsumer): void | Promise<void>;
}

/** The batch counterpart, as Spring's `BatchInterceptor`. */
export interface BatchInterceptor<K = unknown, V = unknown> {
  intercept(records: ConsumerRecords<K, V>, consumer: ContainerConsumer): ConsumerRecords<K, V> | null | Promise<ConsumerRecords<K, V> | null>;
  success?(records: ConsumerRecords<K, V>, consumer: ContainerConsumer): void | Promise<void>;
  failure?(records: ConsumerRecords<K, V>, error: unknown, consumer: ContainerConsumer): void | Promise<void>;
}

/** Runs interceptors in order; a null from one stops the chain. */
export class CompositeRecordInterceptor<K = unknown, V = unknown> implements RecordInterceptor<K, V> {
  private readonly delegates: RecordInterceptor<K, V>[];

  constructor(...delegates: RecordInterceptor<K, V>[]) {
    this.delegates = delegates;
  }

  async intercept(record: ConsumerRecord<K, V>, consumer: ContainerConsumer): Promise<ConsumerRecord<K, V> | null> {
    let current: ConsumerRecord<K, V> | null = record;
    for (const delegate of this.delegates) {
      if (current === null) return null;
      current = await delegate.intercept(current, consumer);
    }
    return current;
  }

  async success(record: ConsumerRecord<K, V>, consumer: ContainerConsumer): Promise<void> {
    for (const delegate of this.delegates) await delegate.success?.(record, consumer);
  }

  async failure(record: ConsumerRecord<K, V>, error: unknown, consumer: ContainerConsumer): Promise<void> {
    for (const delegate of this.delegates) await delegate.failure?.(record, error, consumer);
  }

  async afterRecord(record: ConsumerRecord<K, V>, consumer: ContainerConsumer): Promise<void> {
    for (const delegate of this.delegates) await delegate.afterRecord?.(record, consumer);
  }
}
