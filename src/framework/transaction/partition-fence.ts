import type { OffsetToCommit } from '../listener/offset-tracker.js';
import type { TopicPartition } from '../support/topic-partition.js';
import { topicPartitionKey } from '../support/topic-partition.js';

/**
 * A transactional container's partitions that were fenced and verified since their assignment:
 * this consumer initialized the partition's transactional id afresh (which finishes or aborts
 * the previous owner's transaction and fences it) and then read the group's committed offset.
 * That offset is the partition's floor: records below it were processed by the previous owner,
 * and no commit of the container may move the group's offset below it.
 *
 * @internal One per container; cleared when partitions are revoked or assigned.
 */
export class PartitionFence {
  /** Verified partitions and their floor (the committed offset read, moved up by each commit). */
  private readonly floors = new Map<string, number>();

  isVerified(partition: TopicPartition): boolean {
    return this.floors.has(topicPartitionKey(partition));
  }

  /** The partition's floor; undefined when it is not verified. */
  floor(partition: TopicPartition): number | undefined {
    return this.floors.get(topicPartitionKey(partition));
  }

  /** The partition was fenced and its committed offset read (-1: none committed). */
  verified(partition: TopicPartition, committed: number | undefined): void {
    this.floors.set(topicPartitionKey(partition), committed ?? -1);
  }

  /** A transaction of this consumer committed the partition's offset. */
  committed(partition: TopicPartition, nextOffset: number): void {
    const key = topicPartitionKey(partition);
    const floor = this.floors.get(key);
    // A commit finishing after a revocation does not verify the partition again.
    if (floor !== undefined && nextOffset > floor) this.floors.set(key, nextOffset);
  }

  /** A fencing error: the partition is fenced and verified again before its next record. */
  invalidate(partition: TopicPartition): void {
    this.floors.delete(topicPartitionKey(partition));
  }

  /** Partitions revoked or assigned: every partition is verified again. */
  clear(): void {
    this.floors.clear();
  }

  /**
   * The container's own (non-transactional) commits that cannot move the group's offset
   * backwards: only for verified partitions, and not below their floor.
   */
  committable(offsets: readonly OffsetToCommit[]): OffsetToCommit[] {
    return offsets.filter(({ partition, offset }) => {
      const floor = this.floor(partition);
      return floor !== undefined && offset >= floor;
    });
  }
}
