import type { Consumer } from 'kafkajs';
import type { Logger } from '../support/logger.js';
import { byTopic, type TopicPartition } from '../support/topic-partition.js';
import type { ListenerConsumer } from './listener-consumer.js';

/** What the facade reads from its container. */
export interface ListenerConsumerOwner {
  readonly groupId: string;
  readonly clientId: string;
  kafkaConsumer(): Consumer | undefined;
  assignments(): TopicPartition[];
  heartbeat(): Promise<void>;
}

/** {@link ListenerConsumer} over a kafkajs consumer; calls made before it runs are logged, not thrown. */
export class KafkaJsListenerConsumer implements ListenerConsumer {
  constructor(
    private readonly owner: ListenerConsumerOwner,
    private readonly logger: Logger,
  ) {}

  get groupId(): string {
    return this.owner.groupId;
  }

  get clientId(): string {
    return this.owner.clientId;
  }

  seek(partition: TopicPartition, offset: number): void {
    this.call('seek', (consumer) => consumer.seek({ topic: partition.topic, partition: partition.partition, offset: String(offset) }));
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.call('pause', (consumer) => consumer.pause(byTopic(partitions)));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.call('resume', (consumer) => consumer.resume(byTopic(partitions)));
  }

  paused(): TopicPartition[] {
    const consumer = this.owner.kafkaConsumer();
    if (!consumer) return [];
    return consumer.paused().flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
  }

  assignment(): TopicPartition[] {
    return this.owner.assignments();
  }

  heartbeat(): Promise<void> {
    return this.owner.heartbeat();
  }

  private call(operation: string, action: (consumer: Consumer) => void): void {
    const consumer = this.owner.kafkaConsumer();
    try {
      if (!consumer) throw new Error('the consumer is not running');
      action(consumer);
    } catch (error) {
      // kafkajs throws before run() and after stop(); there is nothing to position then.
      this.logger.warn(`Consumer ${this.owner.clientId}: ${operation} ignored`, error);
    }
  }
}
