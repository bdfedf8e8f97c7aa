import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { ConsumerRecord } from '../framework/support/consumer-record.js';
import { TestConsumer, type TestConsumerProps } from './test-consumer.js';

const DEFAULT_POLL_TIMEOUT = 60_000;

function kafkaOf(brokers: string | readonly string[] | KafkaConfig): KafkaConfig {
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
  consumerProps(brokers: string | readonly string[] | KafkaConfig, groupId: string, autoCommit = false): TestConsumerProps {
    return { kafka: kafkaOf(brokers), groupId, autoCommit, autoOffsetReset: 'earliest', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 };
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
  async getCurrentOffset(brokers: string | readonly string[] | KafkaConfig, groupId: string, topic: string, partition: number): Promise<number> {
    return withAdmin(brokers, async (admin) => {
      const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const found = result?.partitions.find((p) => p.partition === partition);
      return found ? Number(found.offset) : -1;
    });
  },

  /** The end (high watermark) offset of each partition of a topic. */
  async getEndOffsets(brokers: string | readonly string[] | KafkaConfig, topic: string): Promise<Map<number, number>> {
    return withAdmin(brokers, async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));
  },
};

async function withAdmin<T>(brokers: string | readonly string[] | KafkaConfig, action: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = new Kafka({ logLevel: logLevel.NOTHING, ...kafkaOf(brokers) }).admin();
  await admin.connect();
  try {
    return await action(admin);
  } finally {
    await admin.disconnect();
  }
}
