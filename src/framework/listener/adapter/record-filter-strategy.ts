import type { ConsumerRecord } from '../../support/consumer-record.js';

/**
 * Decides which records the listener never sees, as Spring's `RecordFilterStrategy`:
 * `filter` returns **true to discard**. Discarded records still count as processed for
 * commits. For batch listeners `filterBatch` (default: drop the filtered records) applies,
 * and an empty result skips the call when `ignoreEmptyBatch()` is true.
 */
export interface RecordFilterStrategy<K = unknown, V = unknown> {
  filter(record: ConsumerRecord<K, V>): boolean;
  filterBatch?(records: ConsumerRecord<K, V>[]): ConsumerRecord<K, V>[];
  ignoreEmptyBatch?(): boolean;
}

export function filterBatch<K, V>(strategy: RecordFilterStrategy<K, V>, records: ConsumerRecord<K, V>[]): ConsumerRecord<K, V>[] {
  return strategy.filterBatch ? strategy.filterBatch(records) : records.filter((record) => !strategy.filter(record));
}
