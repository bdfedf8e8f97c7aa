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
  readonly position?: SeekPosition;
}

/**
 * The `partition` of an entry that stands for every partition of its topic (`partitions: ['*']`),
 * replaced by the topic's partitions when the container starts ({@link expandAllPartitions}).
 */
export const ALL_PARTITIONS = -1;

/** `@KafkaListener({ topicPartitions })`, as Spring's `@TopicPartition`. */
export interface TopicPartitionsOption {
  topic: string;
  /** Partitions with no initial offset: `'0'`, `'2-4'`, `'1,3'`; `'*'`: every partition of the topic, looked up at start. */
  partitions?: (string | number)[];
  /** Partitions with an initial offset, as Spring's `@PartitionOffset`. */
  partitionOffsets?: PartitionOffsetOption[];
}

export interface PartitionOffsetOption {
  /** One partition or a range/list, as in `partitions`; `'*'`: every partition the entry's `partitions` name (one such entry per topic). */
  partition: string | number;
  /**
   * Absolute (≥ 0), from the end (< 0), or relative to the committed position with `relativeToCurrent`;
   * with `seekPosition: 'TIMESTAMP'`, an epoch-millisecond timestamp; ignored (and optional) with `BEGINNING`/`END`.
   */
  initialOffset?: number | string;
  relativeToCurrent?: boolean;
  /** Spring's `@PartitionOffset(seekPosition)`: `'BEGINNING'`, `'END'` or `'TIMESTAMP'` (case-insensitive). */
  seekPosition?: SeekPosition | Lowercase<SeekPosition>;
}

/** Where a `seekPosition` starts a partition, as Spring's `TopicPartitionOffset.SeekPosition`. */
export type SeekPosition = 'BEGINNING' | 'END' | 'TIMESTAMP';
const SEEK_POSITIONS: readonly SeekPosition[] = ['BEGINNING', 'END', 'TIMESTAMP'];

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
    const offsets = option.partitionOffsets ?? [];
    const wildcards = offsets.filter((o) => String(o.partition).trim() === '*');
    if (wildcards.length > 1) throw new KafkaException(`${description}: only one partitionOffsets entry of ${topic} may use the '*' partition`);
    if (wildcards.length === 1 && (option.partitions ?? []).length === 0) throw new KafkaException(`${description}: the '*' partitionOffsets entry of ${topic} applies to the entry's partitions, and it lists none`);
    // Spring's wildcard @PartitionOffset: its initial offset applies to every partition in `partitions`.
    const wildcard = wildcards[0] ? initialPosition(wildcards[0], topic, description) : {};
    const explicit = offsets.filter((o) => !wildcards.includes(o));
    for (const spec of option.partitions ?? []) {
      if (String(spec).trim() === '*') add({ topic, partition: ALL_PARTITIONS, ...wildcard });
      else for (const partition of expandPartitions(spec, description)) add({ topic, partition, ...wildcard });
    }
    for (const partitionOffset of explicit) {
      const position = initialPosition(partitionOffset, topic, description);
      for (const partition of expandPartitions(partitionOffset.partition, description)) add({ topic, partition, ...position });
    }
    if ((option.partitions ?? []).length === 0 && offsets.length === 0) throw new KafkaException(`${description}: topicPartitions entry for ${topic} names no partitions`);
  }
  return result;
}

function initialPosition(partitionOffset: PartitionOffsetOption, topic: string, description: string): Omit<TopicPartitionOffset, keyof TopicPartition> {
  const position = seekPositionOf(partitionOffset, topic, description);
  // BEGINNING and END ignore initialOffset, as in Spring, so it may be left out.
  if (position === 'BEGINNING' || position === 'END') return { position };
  const offset = Number(partitionOffset.initialOffset);
  if (partitionOffset.initialOffset === undefined || !Number.isInteger(offset)) {
    throw new KafkaException(`${description}: initialOffset '${String(partitionOffset.initialOffset)}' of ${topic} is not a whole number`);
  }
  if (position === 'TIMESTAMP') return { offset, position };
  return { offset, relativeToCurrent: partitionOffset.relativeToCurrent ?? false };
}

function seekPositionOf(partitionOffset: PartitionOffsetOption, topic: string, description: string): SeekPosition | undefined {
  const raw = partitionOffset.seekPosition;
  if (raw === undefined || String(raw).trim() === '') return undefined;
  const position = String(raw).trim().toUpperCase() as SeekPosition;
  if (!SEEK_POSITIONS.includes(position)) throw new KafkaException(`${description}: seekPosition '${String(raw)}' of ${topic} is not one of ${SEEK_POSITIONS.join(', ')}`);
  return position;
}

/**
 * Replaces each {@link ALL_PARTITIONS} entry by one entry per partition of its topic (with the
 * entry's initial offset), skipping partitions the list names on their own. `partitionCount`
 * is asked only when there is such an entry.
 */
export async function expandAllPartitions(
  entries: readonly TopicPartitionOffset[],
  partitionCount: (topics: string[]) => Promise<Map<string, number>>,
): Promise<readonly TopicPartitionOffset[]> {
  const wildcards = entries.filter((e) => e.partition === ALL_PARTITIONS);
  if (wildcards.length === 0) return entries;
  const counts = await partitionCount([...new Set(wildcards.map((e) => e.topic))]);
  const named = new Set(entries.filter((e) => e.partition !== ALL_PARTITIONS).map((e) => `${e.topic}-${e.partition}`));
  const result: TopicPartitionOffset[] = [];
  for (const entry of entries) {
    if (entry.partition !== ALL_PARTITIONS) {
      result.push(entry);
      continue;
    }
    const count = counts.get(entry.topic);
    if (count === undefined || count === 0) throw new KafkaException(`topicPartitions: topic ${entry.topic} ('*' partitions) does not exist`);
    for (let partition = 0; partition < count; partition++) if (!named.has(`${entry.topic}-${partition}`)) result.push({ ...entry, partition });
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
