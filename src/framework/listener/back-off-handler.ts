import type { TopicPartition } from '../support/topic-partition.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * What a container offers so that a partition can wait without blocking the consumer: the
 * partition is paused (the consumer keeps fetching the others and heartbeating, so it keeps
 * its group membership however long the wait) and resumed at `until`. Separate from
 * `pausePartition`/`resumePartition`, which belong to the application.
 * `KafkaMessageListenerContainer` implements it.
 */
export interface PartitionBackOffContainer {
  /** Pauses the partition until `until` (epoch ms); a later call for the same partition replaces the deadline. */
  backOffPartition(partition: TopicPartition, until: number): void;
  /** True while the partition waits for a back-off. */
  isPartitionBackingOff(partition: TopicPartition): boolean;
}

export function isPartitionBackOffContainer(container: unknown): container is PartitionBackOffContainer {
  return typeof (container as Partial<PartitionBackOffContainer> | null)?.backOffPartition === 'function';
}

/**
 * How a blocking retry waits out its back-off, as Spring's `BackOffHandler`. The error handler
 * has already positioned the consumer on the failed record when it is called.
 */
export interface BackOffHandler {
  onNextBackOff(container: MessageListenerContainer, consumer: ContainerConsumer, partition: TopicPartition, nextBackOff: number): void | Promise<void>;
}

/**
 * Waits by pausing the failed record's partition and resuming it when the back-off is over, as
 * Spring's `ContainerPausingBackOffHandler`, but the default here: the consumer returns to
 * kafkajs at once, keeps heartbeating and keeps consuming its other partitions, so a back-off
 * longer than the session timeout costs no rebalance. The redelivery happens at or after the
 * due time (up to one `fetch.max.wait.ms` later, when no other partition is being fetched).
 * Falls back to {@link DefaultBackOffHandler} for containers that can't pause a partition.
 */
export class ContainerPausingBackOffHandler implements BackOffHandler {
  private readonly fallback = new DefaultBackOffHandler();

  onNextBackOff(container: MessageListenerContainer, consumer: ContainerConsumer, partition: TopicPartition, nextBackOff: number): void | Promise<void> {
    if (nextBackOff <= 0) return;
    if (isPartitionBackOffContainer(container)) container.backOffPartition(partition, Date.now() + nextBackOff);
    else return this.fallback.onNextBackOff(container, consumer, partition, nextBackOff);
  }
}

/**
 * Waits in the listener call, as Spring's `DefaultBackOffHandler`: short slices (10 ms for
 * delays up to 500 ms, else 100 ms), heartbeating between them, giving up early when the
 * container stops. The consumer's other partitions wait too; keep back-offs well below the
 * session timeout with it.
 */
export class DefaultBackOffHandler implements BackOffHandler {
  async onNextBackOff(container: MessageListenerContainer, consumer: ContainerConsumer, _partition: TopicPartition, nextBackOff: number): Promise<void> {
    const until = Date.now() + nextBackOff;
    const slice = nextBackOff <= 500 ? 10 : 100;
    while (Date.now() < until && container.isRunning()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(slice, until - Date.now())));
      await consumer.heartbeat();
    }
  }
}
