import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';

/** An offset to commit: the partition's next record to consume. */
export interface OffsetToCommit {
  readonly partition: TopicPartition;
  readonly offset: number;
}

/**
 * One partition's delivered records not yet committed, in offset order, and which of them
 * are done. Two parallel arrays over a sliding window (`head` to `size`) rather than an
 * object per record: this is written twice for every record consumed, and must not allocate.
 */
export class PartitionOffsets {
  private offsets: number[] = [];
  private done: boolean[] = [];
  /** The window of tracked deliveries: indexes head .. size - 1. */
  private head = 0;
  private size = 0;
  /** Index one past the contiguous run of done deliveries from `head`: what can be committed. */
  private doneRun = 0;
  /** The last offset committed (the next offset to consume), if known. */
  committed: number | undefined;

  constructor(readonly partition: TopicPartition) {}

  /** A record is being handed to the listener. A redelivery drops what was tracked from there on. */
  delivered(offset: number): void {
    // Records arrive in offset order, so the usual case is an append; a seek back truncates.
    if (this.size > this.head && this.offsets[this.size - 1]! >= offset) {
      this.size = this.lowerBound(offset);
      if (this.doneRun > this.size) this.doneRun = this.size;
    }
    this.offsets[this.size] = offset;
    this.done[this.size] = false;
    this.size++;
  }

  /** Marks one delivered record done; false when it is not tracked (stale or already committed). */
  markDone(offset: number): boolean {
    // The usual case: the oldest outstanding record, in order.
    let index = this.doneRun;
    if (index >= this.size || this.offsets[index] !== offset) {
      index = this.indexOf(offset);
      if (index < 0) return false;
    }
    this.done[index] = true;
    if (index === this.doneRun) this.extendDoneRun();
    return true;
  }

  isDone(offset: number): boolean {
    const index = this.indexOf(offset);
    return index >= 0 && this.done[index]!;
  }

  /** The offset a commit would store now (one past the done run), if it moved past the committed one. */
  committable(): number | undefined {
    if (this.doneRun === this.head) return undefined;
    const offset = this.offsets[this.doneRun - 1]! + 1;
    return this.committed === undefined || offset > this.committed ? offset : undefined;
  }

  /** A commit of `offset` succeeded: what it covered is no longer tracked. */
  commitSucceeded(offset: number): void {
    this.committed = Math.max(this.committed ?? -1, offset);
    this.head = this.lowerBound(offset);
    if (this.doneRun < this.head) this.doneRun = this.head;
    this.extendDoneRun();
    if (this.head === this.size) {
      // Nothing outstanding: the window starts over at the front (no copying).
      this.head = this.size = this.doneRun = 0;
    } else if (this.head > 1024 && this.head * 2 > this.size) {
      this.compact();
    }
  }

  /** Forgets the deliveries and the committed offset (after a rebalance). */
  reset(): void {
    this.head = this.size = this.doneRun = 0;
    this.committed = undefined;
  }

  /** The index of the first delivery at or past `offset` within the window. */
  private lowerBound(offset: number): number {
    let low = this.head;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.offsets[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private indexOf(offset: number): number {
    const index = this.lowerBound(offset);
    return index < this.size && this.offsets[index] === offset ? index : -1;
  }

  private extendDoneRun(): void {
    while (this.doneRun < this.size && this.done[this.doneRun]) this.doneRun++;
  }

  /** Moves the window to the front once most of the arrays are behind it. */
  private compact(): void {
    this.offsets.copyWithin(0, this.head, this.size);
    this.done.copyWithin(0, this.head, this.size);
    this.size -= this.head;
    this.doneRun -= this.head;
    this.head = 0;
  }
}

/**
 * Which offsets of a container's partitions can be committed. Each delivered record is
 * tracked until it is done (processed, acknowledged or skipped); the committable offset of a
 * partition is one past the end of the contiguous run of done records at its head, so records
 * acknowledged out of order never commit past one that is still outstanding. Offsets may
 * have gaps (compaction, transaction markers): order matters, not adjacency.
 */
export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionOffsets>();

  /**
   * A partition's bookkeeping, to keep for a batch (no lookup per record). It stays valid
   * across {@link reset}.
   */
  partition(partition: TopicPartition): PartitionOffsets {
    const key = topicPartitionKey(partition);
    let state = this.partitions.get(key);
    if (!state) {
      state = new PartitionOffsets({ topic: partition.topic, partition: partition.partition });
      this.partitions.set(key, state);
    }
    return state;
  }

  /** A record is being handed to the listener. A redelivery drops what was tracked from there on. */
  delivered(partition: TopicPartition, offset: number): void {
    this.partition(partition).delivered(offset);
  }

  /** Marks one delivered record done; false when it is not tracked (stale or already committed). */
  markDone(partition: TopicPartition, offset: number): boolean {
    return this.partitions.get(topicPartitionKey(partition))?.markDone(offset) ?? false;
  }

  isDone(partition: TopicPartition, offset: number): boolean {
    return this.partitions.get(topicPartitionKey(partition))?.isDone(offset) ?? false;
  }

  /** What can be committed now: one entry per partition whose committable offset moved. */
  pendingCommits(): OffsetToCommit[] {
    const pending: OffsetToCommit[] = [];
    for (const state of this.partitions.values()) {
      const offset = state.committable();
      if (offset !== undefined) pending.push({ partition: state.partition, offset });
    }
    return pending;
  }

  hasPendingCommits(): boolean {
    for (const state of this.partitions.values()) if (state.committable() !== undefined) return true;
    return false;
  }

  /** Records a successful commit: what it covered is no longer tracked. */
  committed(offsets: readonly OffsetToCommit[]): void {
    for (const { partition, offset } of offsets) this.partition(partition).commitSucceeded(offset);
  }

  /** Forgets everything, e.g. after a rebalance (positions restart from the committed offsets). */
  reset(): void {
    for (const state of this.partitions.values()) state.reset();
  }

  /** The committed offset last recorded for a partition. */
  committedOffset(partition: TopicPartition): number | undefined {
    return this.partitions.get(topicPartitionKey(partition))?.committed;
  }
}
