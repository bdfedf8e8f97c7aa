import * as path from 'node:path';
import { readCheckpointFile, writeCheckpointFile } from './checkpoint-file.js';
import { partitionDirName, REPLICATION_OFFSET_CHECKPOINT_FILE } from './log-file-names.js';

/** One entry of the checkpoint: a partition and its high watermark. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Kafka's `replication-offset-checkpoint`: the high watermark of every partition in a data
 * directory, in the checkpoint text format (`0`, the entry count, then one
 * `<topic> <partition> <offset>` line per partition). The replica manager writes it every
 * `replica.high.watermark.checkpoint.interval.ms` and at clean shutdown, and reads it once at
 * start-up, so that a restarted replica does not take its whole log as committed.
 *
 * Unlike the per-partition checkpoints (PartitionCheckpoints) this one is per directory, as in
 * Kafka: it is rewritten as a whole on a timer, never on a partition's own change.
 *
 * A file that cannot be read (torn, garbage, a bad entry) counts as absent: the broker warns and
 * starts every partition from its log start, which only delays what consumers see until the
 * followers' fetches move the high watermark again. It never stops the broker.
 */
export class ReplicationOffsetCheckpoint {
  readonly file: string;
  /** The body of the last write, to skip rewriting an unchanged file every interval. */
  private lastWritten: string | null = null;

  constructor(
    dataDir: string,
    private readonly logger?: { warn(message: string): void },
  ) {
    this.file = path.join(dataDir, REPLICATION_OFFSET_CHECKPOINT_FILE);
  }

  /** The checkpointed offsets by `<topic>-<partition>`; empty when the file is missing or unreadable. */
  read(): Map<string, number> {
    const offsets = new Map<string, number>();
    let entries: string[] | null;
    try {
      entries = readCheckpointFile(this.file);
    } catch (error) {
      this.logger?.warn(`ignoring ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
      return offsets;
    }
    if (entries === null) return offsets;
    for (const entry of entries) {
      const parsed = parseEntry(entry);
      if (parsed === null) {
        this.logger?.warn(`ignoring ${this.file}: malformed entry ${JSON.stringify(entry)}`);
        return new Map();
      }
      offsets.set(partitionDirName(parsed.topic, parsed.partition), parsed.offset);
    }
    return offsets;
  }

  /** Writes the entries (temp file, fsync, rename); returns false when they equal the last write. */
  write(entries: readonly PartitionOffset[]): boolean {
    const lines = [...entries]
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
      .map((e) => `${e.topic} ${e.partition} ${e.offset}`);
    const body = lines.join('\n');
    if (body === this.lastWritten) return false;
    writeCheckpointFile(this.file, lines);
    this.lastWritten = body;
    return true;
  }
}

/** `<topic> <partition> <offset>` (topic names have no spaces), or null when it is not one. */
function parseEntry(line: string): PartitionOffset | null {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 3) return null;
  const [topic, partitionText, offsetText] = parts as [string, string, string];
  if (!/^\d+$/.test(partitionText) || !/^\d+$/.test(offsetText)) return null;
  const partition = Number(partitionText);
  const offset = Number(offsetText);
  if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset) || partition > 2 ** 31 - 1) return null;
  return { topic, partition, offset };
}
