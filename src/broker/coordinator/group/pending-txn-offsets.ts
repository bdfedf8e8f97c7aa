import { topicPartitionKey, type TopicPartitionOffset } from './offset-and-metadata.js';

/** A transactional offset commit and where its record sits in `__consumer_offsets`. */
export interface PendingTxnOffset extends TopicPartitionOffset {
  readonly recordOffset: number;
}

/**
 * Offsets committed with TxnOffsetCommit whose transaction has not ended yet (Kafka's
 * pendingTransactionalOffsetCommits): invisible to OffsetFetch until the COMMIT marker
 * reaches the group's `__consumer_offsets` partition, dropped by an ABORT marker.
 */
export class PendingTxnOffsets {
  /** producer id → group id → topic-partition key → offset. */
  private readonly byProducer = new Map<number, Map<string, Map<string, PendingTxnOffset>>>();

  add(producerId: number, groupId: string, offsets: readonly PendingTxnOffset[]): void {
    let groups = this.byProducer.get(producerId);
    if (!groups) this.byProducer.set(producerId, (groups = new Map()));
    let pending = groups.get(groupId);
    if (!pending) groups.set(groupId, (pending = new Map()));
    for (const o of offsets) pending.set(topicPartitionKey(o.topic, o.partition), o);
  }

  /** Removes and returns the producer's pending offsets of the groups `selected` accepts. */
  take(producerId: number, selected: (groupId: string) => boolean): Map<string, PendingTxnOffset[]> {
    const taken = new Map<string, PendingTxnOffset[]>();
    const groups = this.byProducer.get(producerId);
    if (!groups) return taken;
    for (const [groupId, pending] of groups) {
      if (!selected(groupId)) continue;
      taken.set(groupId, [...pending.values()]);
      groups.delete(groupId);
    }
    if (groups.size === 0) this.byProducer.delete(producerId);
    return taken;
  }

  /** Forgets every producer's pending offsets of the groups `selected` accepts (their partition was unloaded). */
  drop(selected: (groupId: string) => boolean): void {
    for (const [producerId, groups] of this.byProducer) {
      for (const groupId of groups.keys()) if (selected(groupId)) groups.delete(groupId);
      if (groups.size === 0) this.byProducer.delete(producerId);
    }
  }

  /** Whether an open transaction has offsets for the group (for one partition when given). */
  has(groupId: string, topic?: string, partition?: number): boolean {
    for (const groups of this.byProducer.values()) {
      const pending = groups.get(groupId);
      if (!pending) continue;
      if (topic === undefined || pending.has(topicPartitionKey(topic, partition!))) return true;
    }
    return false;
  }
}
