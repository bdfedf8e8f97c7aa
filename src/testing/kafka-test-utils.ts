import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { DefaultKafkaProducerFactoryOptions } from '../framework/core/producer-factory.js';
import type { ConsumerRecord } from '../framework/support/consumer-record.js';
import { getOneRecord } from './one-record.js';
import { TestConsumer, type TestConsumerProps } from './test-consumer.js';

const DEFAULT_POLL_TIMEOUT = 60_000;

/** Where the broker is: a comma-separated list, a list of `host:port`, or a kafkajs config. */
export type Brokers = string | readonly string[] | KafkaConfig;

export function kafkaOf(brokers: Brokers): KafkaConfig {
  if (typeof brokers === 'string') return { brokers: brokers.split(',') };
  if (Array.isArray(brokers)) return { brokers: [...brokers] };
  return brokers as KafkaConfig;
}

/**
 * Test helpers with Spring's `KafkaTestUtils` names: consumer props, reading records from a
 * topic with a timeout, and committed/end offsets.
 */
export const KafkaTestUtils = {
  /** Props for a test consumer: `earliest`, no auto-commit, short timeouts. */
  consumerProps(brokers: Brokers, groupId: string, autoCommit = false): TestConsumerProps {
    return { kafka: kafkaOf(brokers), groupId, autoCommit, autoOffsetReset: 'earliest', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 };
  },

  /**
   * Options for a test producer factory, as Spring's `producerProps`:
   * `new DefaultKafkaProducerFactory(KafkaTestUtils.producerProps(brokers))`. Few retries and a
   * short request timeout, so a test fails fast instead of waiting on kafkajs' long defaults.
   */
  producerProps(brokers: Brokers): DefaultKafkaProducerFactoryOptions {
    return { kafka: { ...kafkaOf(brokers), retry: { retries: 5, initialRetryTime: 100 } }, producerConfig: { allowAutoTopicCreation: true } };
  },

  /**
   * One record of `partition`, read with consumer group `group`, as Spring's `getOneRecord`:
   * from the group's committed offset (earliest when none), or with `seekToLast` the last record
   * of the partition. `commit` commits the offset after it. Null when none arrives in `timeoutMs`.
   */
  getOneRecord<K = string, V = string>(brokers: Brokers, group: string, topic: string, partition: number, seekToLast: boolean, commit: boolean, timeoutMs: number): Promise<ConsumerRecord<K, V> | null> {
    return getOneRecord<K, V>(kafkaOf(brokers), group, topic, partition, seekToLast, commit, timeoutMs);
  },

  /** A joined consumer subscribed to `topics` (close it when done). */
  createConsumer(props: TestConsumerProps, ...topics: (string | RegExp)[]): Promise<TestConsumer> {
    return TestConsumer.create(props, topics);
  },

  /**
   * The one record of `topic`, as Spring's `getSingleRecord`: waits up to `timeoutMs` (default
   * 60 s) and throws when none arrives or when more than one is there. Records of other topics
   * stay buffered.
   */
  async getSingleRecord<K = string, V = string>(consumer: TestConsumer, topic: string, timeoutMs = DEFAULT_POLL_TIMEOUT): Promise<ConsumerRecord<K, V>> {
    const ofTopic = (r: ConsumerRecord) => r.topic === topic;
    if (!(await consumer.waitUntil((buffered) => buffered.some(ofTopic), timeoutMs))) throw new Error(`No record received for topic ${topic} within ${timeoutMs} ms`);
    const records = consumer.take(ofTopic);
    if (records.length > 1) throw new Error(`More than one record for topic ${topic} found: ${records.length}`);
    return records[0] as ConsumerRecord<K, V>;
  },

  /**
   * Records received within `timeoutMs`, as Spring's `getRecords`: returns as soon as
   * `minRecords` are buffered; throws if fewer arrived by the timeout.
   */
  async getRecords<K = string, V = string>(consumer: TestConsumer, timeoutMs = DEFAULT_POLL_TIMEOUT, minRecords = 1): Promise<ConsumerRecord<K, V>[]> {
    if (!(await consumer.waitUntil((buffered) => buffered.length >= minRecords, timeoutMs))) {
      const got = consumer.take(() => true).length;
      throw new Error(`Expected at least ${minRecords} records within ${timeoutMs} ms, received ${got}`);
    }
    return consumer.take(() => true) as ConsumerRecord<K, V>[];
  },

  /** The group's committed offset of a partition (-1 when none). */
  async getCurrentOffset(brokers: Brokers, groupId: string, topic: string, partition: number): Promise<number> {
    return withAdmin(brokers, async (admin) => {
      const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const found = result?.partitions.find((p) => p.partition === partition);
      return found ? Number(found.offset) : -1;
    });
  },

  /**
   * The end (high watermark) offset of `partitions` of a topic (every partition when none are
   * named), keyed by partition. A partition the topic does not have is an error.
   */
  async getEndOffsets(brokers: Brokers, topic: string, ...partitions: number[]): Promise<Map<number, number>> {
    const all = await withAdmin(brokers, async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));
    if (partitions.length === 0) return all;
    const missing = partitions.filter((p) => !all.has(p));
    if (missing.length > 0) throw new Error(`Topic ${topic} has no partition ${missing.join(', ')} (it has ${all.size})`);
    return new Map(partitions.map((p) => [p, all.get(p)!]));
  },
};

async function withAdmin<T>(brokers: Brokers, action: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = new Kafka({ logLevel: logLevel.NOTHING, ...kafkaOf(brokers) }).admin();
  await admin.connect();
  try {
    return await action(admin);
  } finally {
    await admin.disconnect();
  }
}
