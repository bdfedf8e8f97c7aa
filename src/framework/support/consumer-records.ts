import type { ConsumerRecord } from './consumer-record.js';

/**
 * The records a batch listener receives: an array (so it can be iterated, mapped and indexed)
 * whose own class lets a parameter typed `ConsumerRecords` be recognised from decorator
 * metadata, where `ConsumerRecord[]` would only say `Array`.
 */
export class ConsumerRecords<K = unknown, V = unknown> extends Array<ConsumerRecord<K, V>> {
  // map/filter/slice return plain arrays, not ConsumerRecords.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  static fromList<K, V>(records: readonly ConsumerRecord<K, V>[]): ConsumerRecords<K, V> {
    const batch = new ConsumerRecords<K, V>();
    // A loop, not push(...records): a batch can hold more records than a call may take arguments.
    for (const record of records) batch.push(record);
    return batch;
  }

  count(): number {
    return this.length;
  }

  isEmpty(): boolean {
    return this.length === 0;
  }
}
