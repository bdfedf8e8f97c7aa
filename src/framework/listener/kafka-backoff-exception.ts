import { KafkaException } from '../kafka-exception.js';
import type { TopicPartition } from '../support/topic-partition.js';

/**
 * A record is not due yet, as Spring's `KafkaBackoffException`: thrown (before the listener
 * is called) for a retry-topic record whose `retry_topic-backoff-timestamp` is in the future.
 * The container pauses only that partition until `dueTimestamp`, and redelivers the record
 * then. It is never counted as a failed delivery and never recovered.
 */
export class KafkaBackoffException extends KafkaException {
  constructor(
    message: string,
    readonly topicPartition: TopicPartition,
    readonly listenerId: string | undefined,
    readonly dueTimestamp: number,
  ) {
    super(message);
  }
}
