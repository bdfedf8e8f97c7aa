/**
 * Shared plumbing for the framework tests: an EmbeddedKafka per file, kafkajs settings short
 * enough to keep the suite fast, committed offsets read back from the broker, and waitFor.
 */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger as brokerLogger } from '../../../src/broker/logger.js';
import type { ConsumerSettings } from '../../../src/framework/core/consumer-config.js';
import { consoleLogger, type Logger } from '../../../src/framework/support/logger.js';

const level = (process.env.STREAMWRIGHT_TEST_LOG as 'debug' | undefined) ?? 'silent';

/** Framework logging in tests: silent unless STREAMWRIGHT_TEST_LOG is set. */
export const testLogger: Logger = consoleLogger(level, 'test-framework');

export async function startBroker(): Promise<EmbeddedKafka> {
  return EmbeddedKafka.start({ port: 0, logger: brokerLogger(level, 'test-broker') });
}

/** kafkajs client settings with small retries, so failures surface quickly. */
export function kafkaConfig(kafka: EmbeddedKafka, overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    brokers: kafka.bootstrapServers,
    clientId: 'framework-test',
    connectionTimeout: 2000,
    retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 },
    logLevel: level === 'silent' ? logLevel.NOTHING : logLevel.WARN,
    ...overrides,
  };
}

/** Consumer settings that keep group joins and rebalances short. */
export const FAST_CONSUMER: ConsumerSettings = {
  sessionTimeout: 6000,
  rebalanceTimeout: 6000,
  heartbeatInterval: 300,
  maxWaitTimeInMs: 100,
  retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 },
};

let counter = 0;

/** A name no other test uses (topics, groups). */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}


/** A kafkajs admin client for checks done from outside the framework. */
export class BrokerProbe {
  private readonly client: Kafka;
  private readonly admin;
  private connected = false;

  constructor(kafka: EmbeddedKafka) {
    this.client = new Kafka({ ...kafkaConfig(kafka), clientId: 'probe' });
    this.admin = this.client.admin();
  }

  async createTopic(topic: string, partitions = 1): Promise<void> {
    await this.connect();
    await this.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  }

  /** The group's committed offset per partition of a topic (-1 when none). */
  async committed(groupId: string, topic: string): Promise<Map<number, number>> {
    await this.connect();
    const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  async committedAt(groupId: string, topic: string, partition = 0): Promise<number> {
    return (await this.committed(groupId, topic)).get(partition) ?? -1;
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect();
    this.connected = false;
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    this.connected = true;
  }
}

/** A gate a listener awaits so a test can hold it inside a given record. */
export class Gate {
  private opened = false;
  private waiters: (() => void)[] = [];

  open(): void {
    this.opened = true;
    this.waiters.splice(0).forEach((w) => w());
  }

  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
