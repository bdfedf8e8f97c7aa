import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';

interface Delivery {
  readonly offset: number;
  done: boolean;
}

interface PartitionState {
  readonly partition: TopicPartition;
  /** Delivered records not yet committed, in offset order. */
  deliveries: Delivery[];
  /** How many deliveries at the head are done: the run that can be committed. */
  doneRun: number;
  /** The last offset committed (the next offset to consume), if known. */
  committed: number | undefined;
}

/** An offset to commit: the partition's next record to consume. */
export interface OffsetToCommit {
  readonly partition: TopicPartition;
  readonly offset: number;
}

/**
 * Which offsets of a container's partitions can be committed. Each delivered record is
 * tracked until it is done (processed, acknowledged or skipped); the committable offset of a
 * partition is one past the end of the contiguous run of done records at its head, so records
 * acknowledged out of order never commit past one that is still outstanding. Offsets may
 * have gaps (compaction, transaction markers): order matters, not adjacency.
 */
export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionState>();

  /** A record is being handed to the listener. A redelivery drops what was tracked from there on. */
  delivered(partition: TopicPartition, offset: number): void {
    const state = this.state(partition);
    const { deliveries } = state;
    // Records arrive in offset order, so the usual case is an append; a seek back truncates.
    if (deliveries.length > 0 && deliveries[deliveries.length - 1]!.offset >= offset) {
      const from = lowerBound(deliveries, offset);
      deliveries.length = from;
      state.doneRun = Math.min(state.doneRun, from);
    }
    deliveries.push({ offset, done: false });
  }

  /** Marks one delivered record done; false when it is not tracked (stale or already committed). */
  markDone(partition: TopicPartition, offset: number): boolean {
    const state = this.partitions.get(topicPartitionKey(partition));
    const index = state ? indexOf(state.deliveries, offset) : -1;
    if (!state || index < 0) return false;
    state.deliveries[index]!.done = true;
    if (index === state.doneRun) extendDoneRun(state);
    return true;
  }

  isDone(partition: TopicPartition, offset: number): boolean {
    const state = this.partitions.get(topicPartitionKey(partition));
    const index = state ? indexOf(state.deliveries, offset) : -1;
    return index >= 0 && state!.deliveries[index]!.done;
  }

  /** What can be committed now: one entry per partition whose committable offset moved. */
  pendingCommits(): OffsetToCommit[] {
    const pending: OffsetToCommit[] = [];
    for (const state of this.partitions.values()) {
      const offset = state.doneRun > 0 ? state.deliveries[state.doneRun - 1]!.offset + 1 : undefined;
      if (offset !== undefined && (state.committed === undefined || offset > state.committed)) pending.push({ partition: state.partition, offset });
    }
    return pending;
  }

  hasPendingCommits(): boolean {
    return this.pendingCommits().length > 0;
  }

  /** Records a successful commit: what it covered is no longer tracked. */
  committed(offsets: readonly OffsetToCommit[]): void {
    for (const { partition, offset } of offsets) {
      const state = this.state(partition);
      state.committed = Math.max(state.committed ?? -1, offset);
      const covered = lowerBound(state.deliveries, offset);
      state.deliveries.splice(0, covered);
      state.doneRun = Math.max(0, state.doneRun - covered);
      extendDoneRun(state);
    }
  }

  /** Forgets everything, e.g. after a rebalance (positions restart from the committed offsets). */
  reset(): void {
    this.partitions.clear();
  }

  /** The committed offset last recorded for a partition. */
  committedOffset(partition: TopicPartition): number | undefined {
    return this.partitions.get(topicPartitionKey(partition))?.committed;
  }

  private state(partition: TopicPartition): PartitionState {
    const key = topicPartitionKey(partition);
    let state = this.partitions.get(key);
    if (!state) {
      state = { partition: { topic: partition.topic, partition: partition.partition }, deliveries: [], doneRun: 0, committed: undefined };
      this.partitions.set(key, state);
    }
    return state;
  }
}

/** The index of the first delivery at or past `offset` (deliveries are in offset order). */
function lowerBound(deliveries: readonly Delivery[], offset: number): number {
  let low = 0;
  let high = deliveries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (deliveries[mid]!.offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

function indexOf(deliveries: readonly Delivery[], offset: number): number {
  const index = lowerBound(deliveries, offset);
  return deliveries[index]?.offset === offset ? index : -1;
}

function extendDoneRun(state: PartitionState): void {
  while (state.doneRun < state.deliveries.length && state.deliveries[state.doneRun]!.done) state.doneRun++;
}
