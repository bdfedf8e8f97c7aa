import { KafkaException } from '../kafka-exception.js';
import type { TopicPartition } from '../support/topic-partition.js';

/**
 * A partition to assign by hand and, optionally, where to start it, as Spring's
 * `TopicPartitionOffset`:
 *
 * - `offset` ≥ 0: that offset; negative: that many records before the end (`-1` is the last);
 * - `relativeToCurrent`: `offset` is added to the group's committed position (or, with none,
 *   the `auto.offset.reset` position);
 * - `position` `BEGINNING`/`END` ignore `offset`; `TIMESTAMP` seeks to the first record at or
 *   after `offset` as an epoch-millisecond timestamp.
 *
 * Without `offset` or `position` the partition starts where the group's committed offset says.
 */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset?: number;
  readonly relativeToCurrent?: boolean;
  readonly position?: 'BEGINNING' | 'END' | 'TIMESTAMP';
}

/** `@KafkaListener({ topicPartitions })`, as Spring's `@TopicPartition`. */
export interface TopicPartitionsOption {
  topic: string;
  /** Partitions with no initial offset: `'0'`, `'2-4'`, `'1,3'`. */
  partitions?: (string | number)[];
  /** Partitions with an initial offset, as Spring's `@PartitionOffset`. */
  partitionOffsets?: PartitionOffsetOption[];
}

export interface PartitionOffsetOption {
  /** One partition or a range/list, as in `partitions`. */
  partition: string | number;
  /** Absolute (≥ 0), from the end (< 0), or relative to the committed position with `relativeToCurrent`. */
  initialOffset: number | string;
  relativeToCurrent?: boolean;
}

/** Expands the annotation into one entry per partition; a partition named twice is an error, as in Spring. */
export function topicPartitionOffsetsOf(options: readonly TopicPartitionsOption[], description: string): TopicPartitionOffset[] {
  const result: TopicPartitionOffset[] = [];
  const seen = new Set<string>();
  const add = (entry: TopicPartitionOffset) => {
    const key = `${entry.topic}-${entry.partition}`;
    if (seen.has(key)) throw new KafkaException(`${description}: partition ${key} is listed more than once in topicPartitions`);
    seen.add(key);
    result.push(entry);
  };
  for (const option of options) {
    if (typeof option?.topic !== 'string' || option.topic.length === 0) throw new KafkaException(`${description}: every topicPartitions entry needs a topic`);
    const { topic } = option;
    for (const spec of option.partitions ?? []) for (const partition of expandPartitions(spec, description)) add({ topic, partition });
    for (const partitionOffset of option.partitionOffsets ?? []) {
      const offset = Number(partitionOffset.initialOffset);
      if (!Number.isInteger(offset)) throw new KafkaException(`${description}: initialOffset '${String(partitionOffset.initialOffset)}' of ${topic} is not a whole number`);
      for (const partition of expandPartitions(partitionOffset.partition, description)) add({ topic, partition, offset, relativeToCurrent: partitionOffset.relativeToCurrent ?? false });
    }
    if ((option.partitions ?? []).length === 0 && (option.partitionOffsets ?? []).length === 0) throw new KafkaException(`${description}: topicPartitions entry for ${topic} names no partitions`);
  }
  return result;
}

/** `'3'`, `'2-4'`, `'1,3,5'` (and combinations) to partition numbers. */
function expandPartitions(spec: string | number, description: string): number[] {
  const parts = String(spec).split(',').map((p) => p.trim());
  const partitions: number[] = [];
  for (const part of parts) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from > to) throw new KafkaException(`${description}: partition range '${part}' runs backwards`);
      for (let p = from; p <= to; p++) partitions.push(p);
    } else if (/^\d+$/.test(part)) {
      partitions.push(Number(part));
    } else {
      throw new KafkaException(`${description}: '${part}' is not a partition, a range ('2-4') or a list ('1,3')`);
    }
  }
  return partitions;
}
