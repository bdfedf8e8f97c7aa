import kafkajs, { type Admin, type ITopicConfig, type KafkaConfig } from 'kafkajs';
import type { NewTopic } from '../config/topic-builder.js';
import { KafkaException } from '../kafka-exception.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { createKafka, describeBrokers } from './kafka-clients.js';
import { messageOf } from './producer-factory.js';

// Node's ESM loader only sees some of kafkajs' CommonJS exports by name; this one comes from the default export.
const { ConfigResourceTypes } = kafkajs;

export interface KafkaAdminOptions {
  /** kafkajs client config; KafkaApplication fills it in when absent. */
  kafka?: KafkaConfig;
  /** Timeout of topic operations (default 30000 ms). */
  operationTimeout?: number;
  /** Fail `initialize()` when the broker can't be reached (default false: log and continue). */
  fatalIfBrokerNotAvailable?: boolean;
  /** Create/modify the declared topics on `initialize()` (default true). */
  autoCreate?: boolean;
  /** Update configs of existing topics that differ from the declared ones (default false). */
  modifyTopicConfigs?: boolean;
  logger?: Logger;
}

/** A topic as described by the cluster. */
export interface TopicDescription {
  readonly name: string;
  readonly partitions: readonly { partitionId: number; leader: number; replicas: readonly number[] }[];
}

/**
 * Creates the application's topics on start, as Spring's `KafkaAdmin`: missing topics are
 * created, existing ones are left alone except that partitions are added when more are
 * declared (and configs updated with `modifyTopicConfigs`).
 */
export class KafkaAdmin {
  private kafkaConfig: KafkaConfig | undefined;
  private logger: Logger;
  readonly operationTimeout: number;
  readonly fatalIfBrokerNotAvailable: boolean;
  readonly autoCreate: boolean;
  readonly modifyTopicConfigs: boolean;

  constructor(options: KafkaAdminOptions = {}) {
    this.kafkaConfig = options.kafka;
    this.logger = options.logger ?? defaultLogger();
    this.operationTimeout = options.operationTimeout ?? 30_000;
    this.fatalIfBrokerNotAvailable = options.fatalIfBrokerNotAvailable ?? false;
    this.autoCreate = options.autoCreate ?? true;
    this.modifyTopicConfigs = options.modifyTopicConfigs ?? false;
  }

  applyDefaults(kafka: KafkaConfig, logger: Logger): void {
    this.kafkaConfig ??= kafka;
    this.logger = logger;
  }

  /**
   * Creates or modifies the declared topics. Returns false (after logging) when the broker
   * can't be reached, unless `fatalIfBrokerNotAvailable`, in which case it rejects.
   */
  async initialize(topics: readonly NewTopic[]): Promise<boolean> {
    if (!this.autoCreate || topics.length === 0) return true;
    try {
      await this.createOrModifyTopics(...topics);
      return true;
    } catch (error) {
      if (this.fatalIfBrokerNotAvailable) throw error;
      this.logger.error(`Could not configure topics: ${messageOf(error)}`);
      return false;
    }
  }

  async createOrModifyTopics(...topics: NewTopic[]): Promise<void> {
    await this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.name));
      const present = topics.filter((t) => existing.has(t.name));
      if (missing.length > 0) {
        await admin.createTopics({ topics: missing.map(toTopicConfig), waitForLeaders: true, timeout: this.operationTimeout });
        this.logger.info(`Created topics: ${missing.map((t) => t.name).join(', ')}`);
      }
      if (present.length > 0) await this.addPartitions(admin, present);
      if (present.length > 0 && this.modifyTopicConfigs) await this.updateConfigs(admin, present);
    });
  }

  async describeTopics(...names: string[]): Promise<Map<string, TopicDescription>> {
    return this.withAdmin(async (admin) => {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      return new Map(topics.map((t) => [t.name, { name: t.name, partitions: t.partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas })) }]));
    });
  }

  async clusterId(): Promise<string> {
    return this.withAdmin(async (admin) => (await admin.describeCluster()).clusterId);
  }

  /** Runs an operation with a connected kafkajs admin client, disconnecting afterwards. */
  async withAdmin<T>(operation: (admin: Admin) => Promise<T>): Promise<T> {
    const config = this.kafkaConfig;
    if (!config) throw new KafkaException('KafkaAdmin has no Kafka client config (kafka.brokers)');
    const admin = createKafka(config, this.logger).admin();
    try {
      await admin.connect();
    } catch (error) {
      throw new KafkaException(`Could not connect to Kafka at ${describeBrokers(config)}: ${messageOf(error)}`, { cause: error });
    }
    try {
      return await operation(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async addPartitions(admin: Admin, topics: NewTopic[]): Promise<void> {
    const { topics: described } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    const current = new Map(described.map((t) => [t.name, t.partitions.length]));
    const growing = topics.filter((t) => t.numPartitions !== undefined && t.numPartitions > (current.get(t.name) ?? 0));
    for (const topic of topics) {
      const have = current.get(topic.name) ?? 0;
      if (topic.numPartitions !== undefined && topic.numPartitions < have) {
        this.logger.warn(`Topic ${topic.name} has ${have} partitions, more than the ${topic.numPartitions} declared; partitions are never removed`);
      }
    }
    if (growing.length === 0) return;
    await admin.createPartitions({ topicPartitions: growing.map((t) => ({ topic: t.name, count: t.numPartitions! })), timeout: this.operationTimeout });
    this.logger.info(`Increased partitions: ${growing.map((t) => `${t.name} → ${t.numPartitions}`).join(', ')}`);
  }

  private async updateConfigs(admin: Admin, topics: NewTopic[]): Promise<void> {
    const withConfigs = topics.filter((t) => Object.keys(t.configs).length > 0);
    if (withConfigs.length === 0) return;
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: withConfigs.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: Object.keys(t.configs) })),
    });
    const changes = withConfigs
      .map((topic) => {
        const actual = described.resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
        const differing = Object.entries(topic.configs).filter(([name, value]) => actual.find((e) => e.configName === name)?.configValue !== value);
        return { topic, differing };
      })
      .filter(({ differing }) => differing.length > 0);
    if (changes.length === 0) return;
    await admin.alterConfigs({
      validateOnly: false,
      resources: changes.map(({ topic }) => ({
        type: ConfigResourceTypes.TOPIC,
        name: topic.name,
        // AlterConfigs replaces the topic's whole dynamic config: send every declared entry.
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    this.logger.info(`Updated configs of topics: ${changes.map(({ topic }) => topic.name).join(', ')}`);
  }
}

function toTopicConfig(topic: NewTopic): ITopicConfig {
  const replicaAssignment = topic.replicasAssignments
    ? Object.entries(topic.replicasAssignments).map(([partition, replicas]) => ({ partition: Number(partition), replicas: [...replicas] }))
    : undefined;
  return {
    topic: topic.name,
    // -1 means "the broker's default" (KIP-464).
    numPartitions: topic.numPartitions ?? -1,
    replicationFactor: topic.replicationFactor ?? -1,
    replicaAssignment,
    configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
  };
}
