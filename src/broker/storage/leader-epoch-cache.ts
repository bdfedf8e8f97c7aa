import { fsyncFile } from './atomic-file.js';
import { CHECKPOINT_VERSION, readCheckpointFile, writeCheckpointFile } from './checkpoint-file.js';
import { KafkaStorageError } from './errors.js';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** OffsetForLeaderEpoch's answer: the largest epoch <= the requested one and where it ended. */
export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: number;
}

/**
 * Kafka's LeaderEpochFileCache: for each leader epoch, the first offset written in it, kept
 * in `leader-epoch-checkpoint` (version line `0`, count line, `epoch startOffset` lines).
 * Epochs and start offsets both increase; the file is rewritten on every change (epochs
 * change rarely) without an fsync, as Kafka does since KAFKA-15046: every partition of a
 * broker gets an epoch when it becomes leader, and an fsync each would stall that. The log's
 * next flush makes it durable ({@link sync}). A file torn by an OS crash before that reads as
 * empty: recovery re-assigns the epochs of the batches it re-reads.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];
  private unsynced = false;

  /** `load` false: the file cannot exist yet (a new partition directory). */
  constructor(
    private readonly file: string,
    load = true,
  ) {
    this.entries = load ? LeaderEpochCache.load(file) : [];
  }

  private static load(file: string): EpochEntry[] {
    let lines: string[];
    try {
      lines = readCheckpointFile(file) ?? [];
    } catch (error) {
      if (error instanceof KafkaStorageError) return [];
      throw error;
    }
    const entries: EpochEntry[] = [];
    for (const line of lines) {
      const parts = line.trim().split(/\s+/);
      const epoch = Number(parts[0]);
      const startOffset = Number(parts[1]);
      if (parts.length !== 2 || !Number.isInteger(epoch) || !Number.isSafeInteger(startOffset)) {
        return []; // torn by an OS crash (see the class comment)
      }
      entries.push({ epoch, startOffset });
    }
    return entries;
  }

  get epochEntries(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEntry(): EpochEntry | null {
    return this.entries.at(-1) ?? null;
  }

  /** The latest epoch, or null when no epoch is known. */
  get latestEpoch(): number | null {
    return this.latestEntry?.epoch ?? null;
  }

  get earliestEntry(): EpochEntry | null {
    return this.entries[0] ?? null;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Entries that would no longer be monotonic
   * (an epoch >= this one, or a start offset >= this one) are dropped first, as in Kafka.
   * No-op when the latest entry is the same epoch at a smaller or equal offset.
   */
  assign(epoch: number, startOffset: number): void {
    if (epoch < 0 || startOffset < 0) throw new RangeError(`invalid leader epoch entry (${epoch}, ${startOffset})`);
    const latest = this.latestEntry;
    if (latest !== null && latest.epoch === epoch && latest.startOffset <= startOffset) return;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
  }

  /** The latest epoch and its start offset for OffsetForLeaderEpoch (KIP-101, KIP-279). */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedResult = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const latest = this.latestEntry;
    if (requestedEpoch === UNDEFINED_EPOCH || latest === null) return undefinedResult;
    // The current epoch ends at the log end.
    if (requestedEpoch === latest.epoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > requestedEpoch);
    if (higher === undefined) return undefinedResult;
    let floor: EpochEntry | undefined;
    for (const e of this.entries) if (e.epoch <= requestedEpoch) floor = e;
    // An epoch older than every entry: the requested epoch ends where the first known one starts.
    if (floor === undefined) return { leaderEpoch: requestedEpoch, endOffset: higher.startOffset };
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** The epoch of the batch holding `offset` (largest entry with startOffset <= offset), or null. */
  epochForOffset(offset: number): number | null {
    let found: number | null = null;
    for (const e of this.entries) if (e.startOffset <= offset) found = e.epoch;
    return found;
  }

  /** Drops entries starting at or after `endOffset` (log truncated to it). */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /**
   * The log now starts at `startOffset`: entries before it are dropped except the last one,
   * which moves up to `startOffset` (its epoch still covers the new first offset).
   */
  truncateFromStart(startOffset: number): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) lastBefore = i;
    if (lastBefore < 0) return;
    const first = this.entries[lastBefore]!;
    if (lastBefore === 0 && first.startOffset === startOffset) return;
    this.entries = [{ epoch: first.epoch, startOffset }, ...this.entries.slice(lastBefore + 1)];
    this.flush();
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.flush();
  }

  private flush(): void {
    writeCheckpointFile(this.file, this.entries.map((e) => `${e.epoch} ${e.startOffset}`), CHECKPOINT_VERSION, false);
    this.unsynced = true;
  }

  /** Whether the file changed since the last {@link sync}. */
  get needsSync(): boolean {
    return this.unsynced;
  }

  /** fsyncs the file (the caller fsyncs the directory, which holds the rename). */
  sync(): void {
    if (!this.unsynced) return;
    fsyncFile(this.file);
    this.unsynced = false;
  }
}
