import type { TopicPartition } from '../support/topic-partition.js';
import { KafkaEvent } from './kafka-event.js';

/**
 * A consumer has not fetched for `noPollThreshold × pollTimeout` ms (checked every
 * `monitorInterval`), as Spring's `NonResponsiveConsumerEvent`: typically a listener stuck in
 * a record. Published again at each check while it lasts.
 */
export class NonResponsiveConsumerEvent extends KafkaEvent {
  constructor(
    source: unknown,
    container: unknown,
    readonly timeSinceLastPoll: number,
    readonly listenerId: string,
    readonly topicPartitions: readonly TopicPartition[],
  ) {
    super(source, container);
  }
}
