/** KafkaAdmin creates declared topics, leaves existing ones alone, and adds partitions when asked. */
import { Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { KafkaAdmin, KafkaException, TopicBuilder } from '../../src/index.js';
import { BrokerProbe, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let admin: KafkaAdmin;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  admin = new KafkaAdmin({ kafka: kafkaConfig(kafka), logger: testLogger });
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

async function partitionsOf(topic: string): Promise<number> {
  return (await admin.describeTopics(topic)).get(topic)!.partitions.length;
}

async function configOf(topic: string, name: string): Promise<string | undefined> {
  const client = new Kafka(kafkaConfig(kafka)).admin();
  await client.connect();
  try {
    const described = await client.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }] });
    return described.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
  } finally {
    await client.disconnect();
  }
}

describe('KafkaAdmin', () => {
  test('creates missing topics with their partitions and configs', async () => {
    const compacted = unique('compacted');
    const plain = unique('plain');
    expect(await admin.initialize([TopicBuilder.name(compacted).partitions(4).replicas(1).compact().config('retention.ms', 60_000).build(), TopicBuilder.name(plain).build()])).toBe(true);
    expect(await partitionsOf(compacted)).toBe(4);
    expect(await configOf(compacted, 'cleanup.policy')).toBe('compact');
    expect(await configOf(compacted, 'retention.ms')).toBe('60000');
    // No partition count declared: the broker's default (num.partitions = 1).
    expect(await partitionsOf(plain)).toBe(1);
  });

  test('leaves existing topics alone, but adds partitions when more are declared', async () => {
    const topic = unique('existing');
    await probe.createTopic(topic, 2);
    await admin.initialize([TopicBuilder.name(topic).partitions(2).config('cleanup.policy', 'compact').build()]);
    expect(await partitionsOf(topic)).toBe(2);
    expect(await configOf(topic, 'cleanup.policy')).toBe('delete');
    await admin.initialize([TopicBuilder.name(topic).partitions(1).build()]);
    expect(await partitionsOf(topic)).toBe(2);
    await admin.initialize([TopicBuilder.name(topic).partitions(5).build()]);
    expect(await partitionsOf(topic)).toBe(5);
  });

  test('modifyTopicConfigs updates differing configs of existing topics', async () => {
    const topic = unique('reconfigured');
    await probe.createTopic(topic, 1);
    const modifying = new KafkaAdmin({ kafka: kafkaConfig(kafka), modifyTopicConfigs: true, logger: testLogger });
    await modifying.initialize([TopicBuilder.name(topic).config('retention.ms', 120_000).build()]);
    expect(await configOf(topic, 'retention.ms')).toBe('120000');
  });

  test('an unreachable broker: logged and reported as false, or fatal when asked', async () => {
    const nowhere = { brokers: ['127.0.0.1:1'], connectionTimeout: 200, retry: { retries: 0 } };
    const topics = [TopicBuilder.name('t').build()];
    expect(await new KafkaAdmin({ kafka: nowhere, logger: testLogger }).initialize(topics)).toBe(false);
    await expect(new KafkaAdmin({ kafka: nowhere, fatalIfBrokerNotAvailable: true, logger: testLogger }).initialize(topics)).rejects.toThrow(KafkaException);
  });

  test('clusterId', async () => {
    expect(typeof (await admin.clusterId())).toBe('string');
  });
});
