import type { Admin, Consumer, EachBatchPayload, KafkaConfig } from 'kafkajs';
import { createKafka } from '../core/kafka-clients.js';
import type { Logger } from '../support/logger.js';
import { byTopic, type TopicPartition } from '../support/topic-partition.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { OffsetToCommit } from './offset-tracker.js';

/** What the consumer reads from its container. */
export interface ContainerConsumerOwner {
  readonly groupId: string;
  readonly clientId: string;
  kafkaConsumer(): Consumer | undefined;
  assignments(): TopicPartition[];
  heartbeat(): Promise<void>;
  kafkaConfig(): KafkaConfig | undefined;
}

/** {@link ContainerConsumer} over a kafkajs consumer; calls made before it runs are logged, not thrown. */
export class KafkajsContainerConsumer implements ContainerConsumer {
  /** For `committed()`: kafkajs consumers cannot read committed offsets, an admin client can. */
  private admin: Promise<Admin> | undefined;
  private calls = 0;
  /** The commit of the batches kafkajs runs (straight to its group), once one ran. */
  private batchCommit: EachBatchPayload['commitOffsetsIfNecessary'] | undefined;

  constructor(
    private readonly owner: ContainerConsumerOwner,
    private readonly logger: Logger,
  ) {}

  get groupId(): string {
    return this.owner.groupId;
  }

  get clientId(): string {
    return this.owner.clientId;
  }

  /**
   * Changes with every call that may reposition the consumer (every kafkajs call made through
   * this object), so that the record loop asks kafkajs whether its batch went stale only then.
   */
  get positionChanges(): number {
    return this.calls;
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

  /** A kafkajs batch is being run: commits go through it from now on. */
  batchStarted(payload: EachBatchPayload): void {
    this.batchCommit = payload.commitOffsetsIfNecessary;
  }

  /** The kafkajs consumer crashed or stops: its batches' commit is gone with it. */
  consumerStopped(): void {
    this.batchCommit = undefined;
  }

  /**
   * Commits the container's offsets: through kafkajs' group (no retry loop of its own, and it
   * works while the consumer stops), or `consumer.commitOffsets` before the first batch.
   */
  async commitOffsets(offsets: readonly OffsetToCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { partition, offset } of offsets) {
      const list = byTopic.get(partition.topic) ?? [];
      list.push({ partition: partition.partition, offset: String(offset) });
      byTopic.set(partition.topic, list);
    }
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    if (this.batchCommit) await this.batchCommit({ topics });
    else await this.owner.kafkaConsumer()?.commitOffsets(topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, ...p }))));
  }

  async committed(partition: TopicPartition): Promise<number | undefined> {
    const [result] = await (await this.connectedAdmin()).fetchOffsets({ groupId: this.owner.groupId, topics: [partition.topic] });
    const offset = result?.partitions.find((p) => p.partition === partition.partition)?.offset;
    const next = Number(offset);
    return offset === undefined || !(next >= 0) ? undefined : next;
  }

  /** Disconnects the admin client `committed()` opened, if any. */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    const connected = await admin?.catch(() => undefined);
    await connected?.disconnect().catch((error) => this.logger.debug(`Admin disconnect of ${this.owner.clientId} failed: ${String(error)}`));
  }

  /** The admin client this consumer's offset look-ups use (connected on first use). */
  adminClient(): Promise<Admin> {
    return this.connectedAdmin();
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const config = this.owner.kafkaConfig();
      if (!config) return Promise.reject(new Error('the consumer factory has no Kafka client config'));
      const admin = createKafka(config, this.logger, `${this.owner.clientId}-offsets`).admin();
      const connecting = admin.connect().then(() => admin);
      // A failed connection is not kept: the next call tries again.
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = undefined;
      });
      this.admin = connecting;
    }
    return this.admin;
  }

  private call(operation: string, action: (consumer: Consumer) => void): void {
    this.calls++;
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
