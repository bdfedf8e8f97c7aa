import type { TopicPartition } from '../support/topic-partition.js';

/**
 * The consumer operations a container offers to error handlers, interceptors and rebalance
 * listeners (where Spring passes the Kafka `Consumer`). Positioning goes through `seek`;
 * committing stays with the container. (Not Spring's `ListenerConsumer`, which is the
 * container's consumer loop: here that is the container with its ListenerDispatcher.)
 */
export interface ContainerConsumer {
  readonly groupId: string;
  readonly clientId: string;
  /** The next fetch of this partition starts at `offset`. */
  seek(partition: TopicPartition, offset: number): void;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  paused(): TopicPartition[];
  assignment(): TopicPartition[];
  /** Keeps group membership alive during long work; rejects when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** The group's committed offset of a partition (the next offset to consume), as Kafka's `Consumer.committed`; undefined when none. */
  committed(partition: TopicPartition): Promise<number | undefined>;
}
