import * as path from 'node:path';

/**
 * File and directory names of Kafka's on-disk log (LocalLog / LogFileUtils): one directory
 * `<topic>-<partition>` per partition, segment files named by their base offset in 20 digits.
 */

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
/** Segment files waiting for asynchronous deletion. */
export const DELETED_FILE_SUFFIX = '.deleted';
/** A segment being written by the cleaner; incomplete until renamed to `.swap`. */
export const CLEANED_FILE_SUFFIX = '.cleaned';
/** A complete cleaned segment that replaces the segments it covers. */
export const SWAP_FILE_SUFFIX = '.swap';

// Per-partition state files (Kafka keeps the first three per data directory; see PartitionLog).
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** Kafka's high watermark checkpoint: one per data directory, written by the replica manager. */
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
/** Kafka's `partition.metadata` (the topic id), written by the log manager. */
export const PARTITION_METADATA_FILE = 'partition.metadata';

/** `00000000000000000042` for 42. */
export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function logFileName(dir: string, baseOffset: number, suffix = ''): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + LOG_FILE_SUFFIX + suffix);
}

export function offsetIndexFileName(dir: string, baseOffset: number, suffix = ''): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + INDEX_FILE_SUFFIX + suffix);
}

export function timeIndexFileName(dir: string, baseOffset: number, suffix = ''): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + TIME_INDEX_FILE_SUFFIX + suffix);
}

/** The base offset a segment file name starts with, or null when the name is not one. */
export function offsetFromFileName(fileName: string): number | null {
  const match = /^(\d{20})\./.exec(path.basename(fileName));
  if (match === null) return null;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits `<topic>-<partition>` at its last dash; null when the name does not end in a partition number. */
export function parseTopicPartition(dirName: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(path.basename(dirName));
  if (match === null) return null;
  return { topic: match[1]!, partition: Number(match[2]) };
}
