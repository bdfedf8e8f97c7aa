import type { TopicMetadata } from './cluster-metadata.js';

/**
 * Where the Controller sends a metadata change it has recorded, to be applied by every broker
 * (their replicas, configs and coordinators), as KRaft brokers replay the metadata log.
 */
export interface MetadataPublisher {
  /**
   * A topic was created or grew. With `inSlices` (a client's request) the promise, when not
   * null, settles once every new partition exists; the request answers then.
   */
  topicPartitionsChanged(topic: TopicMetadata, inSlices?: boolean): Promise<void> | null;
  topicDeleted(topic: TopicMetadata): void;
  topicConfigChanged(name: string): void;
  /** Dynamic broker configs (a broker's own or the cluster default) changed. */
  brokerConfigsChanged(): void;
}
