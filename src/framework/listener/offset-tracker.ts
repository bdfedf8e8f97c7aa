import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';

interface Delivery {
  readonly offset: number;
  done: boolean;
}

interface PartitionState {
  readonly partition: TopicPartition;
  /** Delivered records not yet committed, in offset order. */
  deliveries: Delivery[];
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
    const from = state.deliveries.findIndex((d) => d.offset >= offset);
    if (from >= 0) state.deliveries.length = from;
    state.deliveries.push({ offset, done: false });
  }

  /** Marks one delivered record done; false when it is not tracked (stale or already committed). */
  markDone(partition: TopicPartition, offset: number): boolean {
    const delivery = this.partitions.get(topicPartitionKey(partition))?.deliveries.find((d) => d.offset === offset);
    if (!delivery) return false;
    delivery.done = true;
    return true;
  }

  isDone(partition: TopicPartition, offset: number): boolean {
    const delivery = this.partitions.get(topicPartitionKey(partition))?.deliveries.find((d) => d.offset === offset);
    return delivery?.done ?? false;
  }

  /** What can be committed now: one entry per partition whose committable offset moved. */
  pendingCommits(): OffsetToCommit[] {
    const pending: OffsetToCommit[] = [];
    for (const state of this.partitions.values()) {
      const offset = committableOffset(state.deliveries);
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
      state.deliveries = state.deliveries.filter((d) => d.offset >= offset);
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
      state = { partition: { topic: partition.topic, partition: partition.partition }, deliveries: [], committed: undefined };
      this.partitions.set(key, state);
    }
    return state;
  }
}

function committableOffset(deliveries: readonly Delivery[]): number | undefined {
  let last: number | undefined;
  for (const delivery of deliveries) {
    if (!delivery.done) break;
    last = delivery.offset;
  }
  return last === undefined ? undefined : last + 1;
}
