import type { TopicPartition } from '../support/topic-partition.js';
import { KafkaEvent } from './kafka-event.js';

/**
 * No record arrived for `idleEventInterval` ms, as Spring's `ListenerContainerIdleEvent`;
 * republished every interval while the container stays idle.
 */
export class ListenerContainerIdleEvent extends KafkaEvent {
  constructor(
    source: unknown,
    container: unknown,
    readonly idleTime: number,
    readonly listenerId: string,
    readonly topicPartitions: readonly TopicPartition[],
    readonly paused: boolean,
  ) {
    super(source, container);
  }
}

/** Records arrived again after an idle event. */
export class ListenerContainerNoLongerIdleEvent extends KafkaEvent {
  constructor(
    source: unknown,
    container: unknown,
    readonly idleTime: number,
    readonly listenerId: string,
    readonly topicPartitions: readonly TopicPartition[],
  ) {
    super(source, container);
  }
}

/**
 * No record arrived from one partition for `idlePartitionEventInterval` ms, as Spring's
 * `ListenerContainerPartitionIdleEvent`; republished every interval while it stays idle.
 */
export class ListenerContainerPartitionIdleEvent extends KafkaEvent {
  constructor(
    source: unknown,
    container: unknown,
    readonly idleTime: number,
    readonly listenerId: string,
    readonly topicPartition: TopicPartition,
    readonly paused: boolean,
  ) {
    super(source, container);
  }
}

/** Records arrived again from a partition after a partition idle event. */
export class ListenerContainerPartitionNoLongerIdleEvent extends KafkaEvent {
  constructor(
    source: unknown,
    container: unknown,
    readonly idleTime: number,
    readonly listenerId: string,
    readonly topicPartition: TopicPartition,
  ) {
    super(source, container);
  }
}
