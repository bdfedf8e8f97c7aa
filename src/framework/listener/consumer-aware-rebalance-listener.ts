import type { TopicPartition } from '../support/topic-partition.js';
import type { ContainerConsumer } from './container-consumer.js';

/**
 * Rebalance callbacks, as Spring's `ConsumerAwareRebalanceListener`. kafkajs has no revoke
 * callback: a rebalance is seen when a heartbeat fails, so the "revoked" calls run then
 * (before and after the container commits what it has processed), and "assigned" runs when
 * the group join completes. All partitions are revoked on each rebalance (eager protocol).
 */
export interface ConsumerAwareRebalanceListener {
  onPartitionsRevokedBeforeCommit?(consumer: ContainerConsumer, partitions: readonly TopicPartition[]): void | Promise<void>;
  onPartitionsRevokedAfterCommit?(consumer: ContainerConsumer, partitions: readonly TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(consumer: ContainerConsumer, partitions: readonly TopicPartition[]): void | Promise<void>;
}
