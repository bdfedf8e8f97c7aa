import type { Admin, KafkaConfig } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import type { Logger } from '../support/logger.js';
import { createKafka, describeBrokers } from './kafka-clients.js';

/** A partition of a topic as the cluster describes it, as Kafka's `PartitionInfo` (broker ids for the nodes). */
export interface PartitionInfo {
  readonly topic: string;
  readonly partition: number;
  /** The leader's broker id; -1 when the partition has none. */
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly inSyncReplicas: readonly number[];
  readonly offlineReplicas: readonly number[];
}

/** How long a topic's partitions are reused before they are looked up again (Kafka's producer refreshes its metadata on demand, too). */
export const DEFAULT_PARTITION_INFO_MAX_AGE = 5_000;

/**
 * Looks up a topic's partitions with a kafkajs admin client, connected on the first lookup and
 * disconnected by `close()`. Answers are kept per topic for `maxAgeMs`, and concurrent lookups
 * of one topic share one request, so a burst of dead letters costs one metadata request.
 */
export class PartitionInfoLookup {
  private admin: Promise<Admin> | undefined;
  private readonly cache = new Map<string, { infos: Promise<PartitionInfo[]>; expires: number }>();

  constructor(
    private readonly kafkaConfig: () => KafkaConfig | undefined,
    private readonly logger: () => Logger,
    readonly maxAgeMs = DEFAULT_PARTITION_INFO_MAX_AGE,
  ) {}

  /** The topic's partitions, in partition order; empty for a topic the cluster does not have. */
  partitionsFor(topic: string): Promise<PartitionInfo[]> {
    if (typeof topic !== 'string' || topic.length === 0) return Promise.reject(new KafkaException(`Invalid topic: ${String(topic)}`));
    const now = Date.now();
    const cached = this.cache.get(topic);
    if (cached && cached.expires > now) return cached.infos;
    const infos = this.fetch(topic);
    const entry = { infos, expires: now + this.maxAgeMs };
    this.cache.set(topic, entry);
    // A failed lookup is not remembered: the next call asks again.
    infos.catch(() => {
      if (this.cache.get(topic) === entry) this.cache.delete(topic);
    });
    return infos;
  }

  /** Disconnects the admin client; a later lookup connects a new one. */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.cache.clear();
    const connected = await admin?.catch(() => undefined);
    await connected?.disconnect().catch((error: unknown) => this.logger().debug(`Admin disconnect failed: ${String(error)}`));
  }

  private async fetch(topic: string): Promise<PartitionInfo[]> {
    const admin = await this.connectedAdmin();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
      return partitions
        .map((p) => ({ topic, partition: p.partitionId, leader: p.leader, replicas: p.replicas, inSyncReplicas: p.isr, offlineReplicas: p.offlineReplicas ?? [] }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      // Kafka's consumer answers an empty list for a topic that does not exist.
      if ((error as { type?: unknown }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
      throw new KafkaException(`Could not look up the partitions of ${topic}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const config = this.kafkaConfig();
    if (!config) return Promise.reject(new KafkaException('The producer factory has no Kafka client config (kafka.brokers)'));
    const admin = createKafka(config, this.logger()).admin({ retry: { retries: 2 } });
    const connecting = admin.connect().then(
      () => admin,
      (error: unknown) => {
        if (this.admin === connecting) this.admin = undefined;
        throw new KafkaException(`Admin client could not connect to ${describeBrokers(config)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      },
    );
    this.admin = connecting;
    return connecting;
  }
}
