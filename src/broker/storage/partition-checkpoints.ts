import * as fs from 'node:fs';
import * as path from 'node:path';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file.js';
import { CLEAN_SHUTDOWN_FILE, CLEANER_OFFSET_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE, RECOVERY_POINT_CHECKPOINT_FILE } from './log-file-names.js';
import { withDescriptors } from './file-handle-cache.js';

/**
 * The small state files of one partition directory. Kafka keeps the log start offset,
 * recovery point and cleaner offset in one file per data directory (an entry per partition)
 * and the clean shutdown marker per data directory too; Streamwright keeps them per
 * partition, in the same checkpoint format with a single `<topic> <partition> <offset>`
 * entry. A partition directory then holds everything about its partition: deleting it or
 * writing one partition's state never rewrites a file shared with others.
 *
 * Files are rewritten (tmp + fsync + rename) only when their value changes; an absent file
 * stands for 0, as recovery reads it.
 */
export class PartitionCheckpoints {
  private written = new Map<string, number | null>();

  constructor(
    private readonly dir: string,
    private readonly topic: string,
    private readonly partition: number,
    /** What the files held when the log was loaded. */
    loaded: { logStartOffset: number | null; recoveryPoint: number | null },
    /** False for a new directory: there is no cleaner checkpoint to read. */
    readCleanerOffset = true,
  ) {
    // A missing file reads as 0 on recovery, so a new partition's 0 is not worth a file (two
    // fsyncs and a rename each): creating thousands of partitions would stall the broker on them.
    this.written.set(LOG_START_OFFSET_CHECKPOINT_FILE, loaded.logStartOffset ?? 0);
    this.written.set(RECOVERY_POINT_CHECKPOINT_FILE, loaded.recoveryPoint ?? 0);
    this.written.set(CLEANER_OFFSET_CHECKPOINT_FILE, readCleanerOffset ? readOffsetCheckpoint(path.join(dir, CLEANER_OFFSET_CHECKPOINT_FILE)) : null);
  }

  /** The cleaner's position (null before the first cleaning). */
  get cleanerOffset(): number | null {
    return this.written.get(CLEANER_OFFSET_CHECKPOINT_FILE) ?? null;
  }

  writeLogStartOffset(offset: number): void {
    this.write(LOG_START_OFFSET_CHECKPOINT_FILE, offset);
  }

  /**
   * Without an fsync: the records below it are fsynced already, and a file lost or torn by an
   * OS crash reads as 0, which only makes recovery re-read more (see readRecoveryPoint).
   */
  writeRecoveryPoint(offset: number): void {
    this.write(RECOVERY_POINT_CHECKPOINT_FILE, offset, false);
  }

  writeCleanerOffset(offset: number): void {
    this.write(CLEANER_OFFSET_CHECKPOINT_FILE, offset);
  }

  /**
   * Written last by a clean close; LogRecovery removes it on open. Not fsynced: everything it
   * vouches for is fsynced before it, and a marker lost in an OS crash only means a recovery.
   */
  markCleanShutdown(): void {
    withDescriptors(() => fs.writeFileSync(path.join(this.dir, CLEAN_SHUTDOWN_FILE), ''));
  }

  private write(file: string, offset: number, durable = true): void {
    if (this.written.get(file) === offset) return;
    writeOffsetCheckpoint(path.join(this.dir, file), this.topic, this.partition, offset, durable);
    this.written.set(file, offset);
  }
}
