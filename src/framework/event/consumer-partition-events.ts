import type { TopicPartition } from '../support/topic-partition.js';
import { KafkaEvent } from './kafka-event.js';

/** The consumer was paused (container `pause()` or a `nack` sleep). */
export class ConsumerPausedEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly partitions: readonly TopicPartition[]) {
    super(source, container);
  }
}

/** The consumer was resumed. */
export class ConsumerResumedEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly partitions: readonly TopicPartition[]) {
    super(source, container);
  }
}

/** A rebalance gave this consumer these partitions (kafkajs' GROUP_JOIN). */
export class ConsumerPartitionsAssignedEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly partitions: readonly TopicPartition[]) {
    super(source, container);
  }
}

/** A rebalance started: the consumer gives up these partitions (eager rebalancing revokes all). */
export class ConsumerPartitionsRevokedEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly partitions: readonly TopicPartition[]) {
    super(source, container);
  }
}
