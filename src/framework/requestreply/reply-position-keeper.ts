import type { ConsumerAwareRebalanceListener } from '../listener/consumer-aware-rebalance-listener.js';
import type { ContainerConsumer } from '../listener/container-consumer.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';

/**
 * Keeps a reply consumer's position across its own rebalances, so that no reply is skipped.
 *
 * A reply consumer reads from `latest` in a group of its own. kafkajs restarts every
 * partition from the committed offset after a rejoin, and re-resolves `latest` where there is
 * none: a rebalance between the first request and the first commit would skip the replies
 * sent in between. The keeper remembers, per partition, the larger of the end offset read
 * before the first request and one past the last reply seen, and seeks there after every
 * assignment but the first. It wraps the container's own rebalance listener, if any.
 */
export class ReplyPositionKeeper implements ConsumerAwareRebalanceListener {
  private readonly positions = new Map<string, { partition: TopicPartition; offset: number }>();

  constructor(private readonly delegate: ConsumerAwareRebalanceListener | undefined) {}

  /** Positions known to precede every reply we can be waiting for (end offsets before the first request). */
  startFrom(offsets: Iterable<{ topic: string; partition: number; offset: number }>): void {
    for (const { topic, partition, offset } of offsets) this.advance({ topic, partition }, offset);
  }

  /** A reply was handled: the partition resumes after it. */
  seen(record: TopicPartition & { offset: number }): void {
    this.advance(record, record.offset + 1);
  }

  position(partition: TopicPartition): number | undefined {
    return this.positions.get(topicPartitionKey(partition))?.offset;
  }

  onPartitionsAssigned(consumer: ContainerConsumer, partitions: readonly TopicPartition[]): void | Promise<void> {
    for (const partition of partitions) {
      const offset = this.position(partition);
      if (offset !== undefined) consumer.seek(partition, offset);
    }
    return this.delegate?.onPartitionsAssigned?.(consumer, partitions);
  }

  onPartitionsRevokedBeforeCommit(consumer: ContainerConsumer, partitions: readonly TopicPartition[]): void | Promise<void> {
    return this.delegate?.onPartitionsRevokedBeforeCommit?.(consumer, partitions);
  }

  onPartitionsRevokedAfterCommit(consumer: ContainerConsumer, partitions: readonly TopicPartition[]): void | Promise<void> {
    return this.delegate?.onPartitionsRevokedAfterCommit?.(consumer, partitions);
  }

  private advance(partition: TopicPartition, offset: number): void {
    const key = topicPartitionKey(partition);
    const known = this.positions.get(key);
    if (!known || offset > known.offset) this.positions.set(key, { partition: { topic: partition.topic, partition: partition.partition }, offset });
  }
}
