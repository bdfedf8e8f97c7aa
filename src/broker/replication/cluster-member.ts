import type { BrokerEndpoint } from '../cluster/broker-endpoint.js';
import type { ImageRecord } from '../cluster/metadata-image.js';

/**
 * A broker as the cluster controller sees it: its registration, the records it replays into
 * its own metadata image, and the changes it applies from that image (as KRaft brokers replay
 * the metadata log and publish it to their replica manager and coordinators).
 */
export interface ClusterMember {
  readonly nodeId: number;
  readonly isRunning: boolean;
  /** The addresses it registers with. */
  endpoint(): BrokerEndpoint;
  /** Replays the records of a change into its image. */
  replayMetadata(records: readonly ImageRecord[]): void;
  /**
   * Replaces its image with the controller's whole state (on registering: it may have missed
   * records) and applies what differs: topics gone, topics new or grown, configs.
   */
  loadMetadataSnapshot(records: readonly ImageRecord[]): void;
  /**
   * Creates its replicas of a topic's new partitions and applies their leaders. With `inSlices`
   * a slice at a time: the promise (null: all there already) settles when they are.
   */
  applyTopicPartitions(name: string, inSlices: boolean): Promise<void> | null;
  /** Applies the leaders and ISRs its image names. */
  applyLeadership(): void;
  applyTopicDeletion(name: string): void;
  applyTopicConfig(name: string): void;
  /** Takes its dynamic broker configs from its image. */
  applyDynamicConfig(): void;
}
