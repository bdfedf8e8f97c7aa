import type { Admin, Kafka } from 'kafkajs';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { ListenerContainers } from './listener-containers.js';

/** Log end offsets and committed offsets, from one lazily connected kafkajs admin. */
export class LagSource {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;

  constructor(private readonly kafka: () => Kafka) {}

  async logEndOffsets(topic: string): Promise<Map<number, number>> {
    const offsets = await (await this.connected()).fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  /** Committed offsets of a group (-1: none), per partition. */
  async committed(group: string, topic: string): Promise<Map<number, number>> {
    const [result] = await (await this.connected()).fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.connecting = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Admin> {
    this.connecting ??= (async () => {
      const admin = this.kafka().admin();
      try {
        await admin.connect();
      } catch (error) {
        this.connecting = undefined;
        throw error;
      }
      this.admin = admin;
      return admin;
    })();
    return this.connecting;
  }
}

export interface LagRow {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
  /** The consumer that has the partition. */
  readonly consumer: string;
}

/**
 * Consumer lag as kafka_exporter defines it (log end offset minus position), for the
 * partitions the running consumers hold. The position is the consumer's own (one past the
 * last record its listener finished with), or the group's committed offset before the first
 * record, or the log start when nothing was committed.
 */
export class ConsumerLag {
  constructor(
    private readonly containers: ListenerContainers,
    private readonly source: LagSource,
    private readonly positionsOf: (consumer: MessageListenerContainer) => Map<string, Map<number, number>> | undefined,
  ) {}

  async current(): Promise<LagRow[]> {
    const rows: LagRow[] = [];
    const ends = new Map<string, Promise<Map<number, number>>>();
    const logEnd = (topic: string) => {
      let end = ends.get(topic);
      if (!end) ends.set(topic, (end = this.source.logEndOffsets(topic)));
      return end;
    };
    for (const { consumer } of this.containers.consumers()) {
      if (!consumer.isRunning()) continue;
      const positions = this.positionsOf(consumer);
      const byTopic = new Map<string, number[]>();
      for (const { topic, partition } of consumer.assignments()) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      for (const [topic, partitions] of byTopic) {
        const [end, committed] = await Promise.all([logEnd(topic), this.source.committed(consumer.groupId, topic)]);
        for (const partition of partitions) {
          const high = end.get(partition) ?? 0;
          const commit = committed.get(partition) ?? -1;
          const own = positions?.get(topic)?.get(partition);
          const position = Math.max(own ?? 0, commit >= 0 ? commit : 0);
          rows.push({ group: consumer.groupId, topic, partition, lag: Math.max(0, high - position), consumer: consumer.listenerId });
        }
      }
    }
    return rows;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
