import { KafkaException } from '../kafka-exception.js';
import type { Logger } from '../support/logger.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';
import { partitionsWithoutOffset } from './consumer-stop-reason.js';

/** What the check does through its container. */
export interface CommittedOffsetCheckActions {
  /** The group's committed offset of a partition (the next offset to consume); undefined when none. */
  committed(partition: TopicPartition): Promise<number | undefined>;
  /** Some partition has no committed offset: the consumer stops with NO_OFFSET. */
  noOffset(error: KafkaException): void;
}

/**
 * Kafka's `auto.offset.reset=none` for a container: after each assignment, whether every
 * assigned partition has a committed offset. Records wait for the answer, and the container
 * reports itself ready only once it is known; a partition without one stops the consumer
 * (Spring's `NoOffsetForPartitionException`, reason NO_OFFSET). With any other reset policy
 * there is nothing to check and nothing waits.
 */
export class CommittedOffsetCheck {
  private check: Promise<boolean> | undefined;

  constructor(
    private readonly ids: { readonly clientId: string; readonly groupId: string },
    private readonly actions: CommittedOffsetCheckActions,
    private readonly logger: Logger,
  ) {}

  /** A new assignment: checks it when the reset policy is `none`. */
  assigned(partitions: readonly TopicPartition[], autoOffsetReset: string | undefined): void {
    this.check = autoOffsetReset === 'none' ? this.run(partitions) : undefined;
  }

  /** Undefined when nothing is being checked; else resolves whether records may be delivered. */
  get pending(): Promise<boolean> | undefined {
    return this.check;
  }

  /** The consumer stopped: the next start checks its own assignment. */
  clear(): void {
    this.check = undefined;
  }

  private async run(partitions: readonly TopicPartition[]): Promise<boolean> {
    let missing: TopicPartition[];
    try {
      missing = await partitionsWithoutOffset(partitions, (partition) => this.actions.committed(partition));
    } catch (error) {
      this.logger.warn(`Could not read the committed offsets of ${this.ids.clientId}; going on`, error);
      return true;
    }
    if (missing.length === 0) return true;
    const error = new KafkaException(`No committed offset for ${missing.map(topicPartitionKey).join(', ')} in group ${this.ids.groupId} and auto.offset.reset is none; consumer ${this.ids.clientId} stops`);
    this.logger.error(error.message);
    this.actions.noOffset(error);
    return false;
  }
}
