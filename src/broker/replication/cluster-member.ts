import type { BrokerEndpoint } from '../cluster/broker-endpoint.js';
import type { TopicMetadata } from '../cluster/cluster-metadata.js';

/**
 * A broker as the cluster controller sees it: its registration, and the metadata changes it
 * applies when the controller publishes them (as KRaft brokers replay the metadata log).
 */
export interface ClusterMember {
  readonly nodeId: number;
  readonly isRunning: boolean;
  /** The addresses it registers with. */
  endpoint(): BrokerEndpoint;
  /** Creates its replicas of a topic's new partitions and applies their leaders. */
  applyTopicPartitions(topic: TopicMetadata): void;
  /** Applies the current leaders and ISRs of a topic's partitions. */
  applyLeadership(topic: TopicMetadata): void;
  applyTopicDeletion(topic: TopicMetadata): void;
  applyTopicConfig(name: string): void;
  /** Takes its dynamic broker configs from the metadata. */
  applyDynamicConfig(): void;
}
