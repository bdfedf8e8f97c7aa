import { KafkaEvent } from './kafka-event.js';

/** A consumer is about to connect and join its group. */
export class ConsumerStartingEvent extends KafkaEvent {}

/** A consumer has joined its group, received its partitions and made its first fetch. */
export class ConsumerStartedEvent extends KafkaEvent {}

/** A consumer could not start (no broker, group join failure, start timeout). */
export class ConsumerFailedToStartEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly error: unknown) {
    super(source, container);
  }
}

/** A consumer is stopping: it finishes the record in hand, commits and leaves the group. */
export class ConsumerStoppingEvent extends KafkaEvent {}

/** Why a consumer stopped, as Spring's `ConsumerStoppedEvent.Reason`. */
export type ConsumerStoppedReason = 'NORMAL' | 'ERROR' | 'FENCED' | 'AUTH' | 'NO_OFFSET';

/** A consumer has stopped; `reason` is `ERROR` when kafkajs crashed without restarting. */
export class ConsumerStoppedEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly reason: ConsumerStoppedReason = 'NORMAL') {
    super(source, container);
  }
}

/** A container (a single-consumer one, or a concurrent one) has stopped. */
export class ContainerStoppedEvent extends KafkaEvent {}

/** Every child of a concurrent container has stopped. */
export class ConcurrentContainerStoppedEvent extends KafkaEvent {}

/** Why an `authExceptionRetryInterval` retry happens, as Spring's `ConsumerRetryAuthEvent.Reason`. */
export type ConsumerRetryAuthReason = 'AUTHENTICATION' | 'AUTHORIZATION';

/** An authentication or authorization failure: the consumer waits `authExceptionRetryInterval` and tries again. */
export class ConsumerRetryAuthEvent extends KafkaEvent {
  constructor(source: unknown, container: unknown, readonly reason: ConsumerRetryAuthReason) {
    super(source, container);
  }
}

/** A consumer retrying after an authentication or authorization failure got through. */
export class ConsumerRetryAuthSuccessfulEvent extends KafkaEvent {}
