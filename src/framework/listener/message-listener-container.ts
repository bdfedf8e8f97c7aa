import type { TopicPartition } from '../support/topic-partition.js';
import type { ContainerProperties } from './container-properties.js';

/**
 * A running consumer (or group of consumers) bound to a listener, as Spring's
 * `MessageListenerContainer`. Start and stop are asynchronous: `start()` resolves once the
 * consumers have their partitions, `stop()` once they have committed and left the group.
 */
export interface MessageListenerContainer {
  readonly listenerId: string;
  readonly groupId: string;
  readonly containerProperties: ContainerProperties;
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): boolean;
  /** Stops fetching after the batch in hand; the consumers stay in the group. */
  pause(): void;
  resume(): void;
  isPauseRequested(): boolean;
  /** True once a pause was requested and every consumer has stopped delivering records. */
  isContainerPaused(): boolean;
  pausePartition(partition: TopicPartition): void;
  resumePartition(partition: TopicPartition): void;
  isPartitionPauseRequested(partition: TopicPartition): boolean;
  /** The partitions currently assigned to this container's consumers. */
  assignments(): TopicPartition[];
}
