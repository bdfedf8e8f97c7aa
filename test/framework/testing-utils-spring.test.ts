/**
 * What Spring's spring-kafka-test has and streamwright/testing gained: declarative topics in
 * EmbeddedKafka.start, KafkaTestUtils.producerProps / getOneRecord / getEndOffsets of several
 * partitions, and KafkaTemplate.receive.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DefaultKafkaConsumerFactory, DefaultKafkaProducerFactory, KafkaException, KafkaTemplate } from '../../src/index.js';
import { EmbeddedKafka, KafkaTestUtils } from '../../src/testing/index.js';
import { FAST_CONSUMER, testLogger, unique } from './support/framework-harness.js';

let kafka: EmbeddedKafka;
let template: KafkaTemplate<string, string>;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    topics: ['orders', { name: 'invoices', partitions: 3, config: { 'cleanup.policy': 'compact', 'retention.ms': 60_000 } }],
    partitions: 2,
  });
  template = new KafkaTemplate(new DefaultKafkaProducerFactory({ ...KafkaTestUtils.producerProps(kafka.bootstrapServers), logger: testLogger }), { logger: testLogger });
});
afterAll(async () => {
  await template?.producerFactory.close();
  await kafka?.stop();
});

describe('EmbeddedKafka.start({ topics })', () => {
  test('creates the topics with their partitions and configs before start resolves', async () => {
    const admin = new Kafka({ brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: ['orders', 'invoices'] });
      const partitions = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions).toEqual({ orders: 2, invoices: 3 });
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'invoices', configNames: ['cleanup.policy', 'retention.ms'] }] });
      const configs = Object.fromEntries(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
      expect(configs).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '60000' });
    } finally {
      await admin.disconnect();
    }
  });

  test('a bad topic list is refused before anything starts', async () => {
    await expect(EmbeddedKafka.start({ topics: ['a', 'a'] })).rejects.toThrow(/listed twice/);
    await expect(EmbeddedKafka.start({ topics: [{ name: 'a', partitions: 0 }] })).rejects.toThrow(/partitions of topic a must be a positive integer/);
    await expect(EmbeddedKafka.start({ topics: [{ name: '' }] })).rejects.toThrow(/needs a name/);
  });

  test('a topic config the broker refuses stops the broker and rejects with Kafka\'s error', async () => {
    await expect(EmbeddedKafka.start({ topics: [{ name: 'bad', config: { 'cleanup.policy': 'sometimes' } }] })).rejects.toThrow(/INVALID_CONFIG|creating topic bad/);
  });
});

describe('KafkaTestUtils', () => {
  test('producerProps make a producer factory that reaches the broker', async () => {
    const props = KafkaTestUtils.producerProps(kafka.bootstrapServers.join(','));
    expect(props.kafka?.brokers).toEqual(kafka.bootstrapServers);
    const result = await template.send('orders', 0, 'k', 'v');
    expect(result.recordMetadata.partition).toBe(0);
  });

  test('getOneRecord reads from the group position, the last record, and commits when asked', async () => {
    const topic = unique('one');
    await template.send(topic, 0, 'a', 'first');
    await template.send(topic, 0, 'b', 'second');
    await template.send(topic, 0, 'c', 'third');
    const group = unique('g');

    const first = await KafkaTestUtils.getOneRecord(kafka.bootstrapServers, group, topic, 0, false, true, 10_000);
    expect(first?.value).toBe('first');
    expect(await KafkaTestUtils.getCurrentOffset(kafka.bootstrapServers, group, topic, 0)).toBe(1);
    // The group goes on where it committed.
    const second = await KafkaTestUtils.getOneRecord(kafka.bootstrapServers, group, topic, 0, false, false, 10_000);
    expect(second?.value).toBe('second');
    expect(await KafkaTestUtils.getCurrentOffset(kafka.bootstrapServers, group, topic, 0)).toBe(1);

    const last = await KafkaTestUtils.getOneRecord(kafka.bootstrapServers, unique('g'), topic, 0, true, false, 10_000);
    expect(last).toMatchObject({ key: 'c', value: 'third', offset: 2 });
  });

  test('getOneRecord resolves null when the partition stays empty', async () => {
    expect(await KafkaTestUtils.getOneRecord(kafka.bootstrapServers, unique('g'), 'invoices', 2, false, false, 300)).toBeNull();
    await expect(KafkaTestUtils.getOneRecord(kafka.bootstrapServers, unique('g'), 'invoices', 7, true, false, 300)).rejects.toThrow(/no partition 7/);
  });

  test('getEndOffsets of several partitions', async () => {
    await template.send('invoices', 0, 'k', 'a');
    await template.send('invoices', 2, 'k', 'b');
    await template.send('invoices', 2, 'k2', 'c');
    const ends = await KafkaTestUtils.getEndOffsets(kafka.bootstrapServers, 'invoices', 0, 2);
    expect([...ends]).toEqual([
      [0, 1],
      [2, 2],
    ]);
    expect((await KafkaTestUtils.getEndOffsets(kafka.bootstrapServers, 'invoices')).size).toBe(3);
    await expect(KafkaTestUtils.getEndOffsets(kafka.bootstrapServers, 'invoices', 0, 5)).rejects.toThrow(/no partition 5/);
  });
});

describe('KafkaTemplate.receive', () => {
  test('returns the record at a partition and offset, or null when none arrives', async () => {
    const topic = unique('receive');
    const receiving = new KafkaTemplate<string, string>(template.producerFactory, { logger: testLogger });
    receiving.consumerFactory = new DefaultKafkaConsumerFactory({ kafka: { brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING }, consumerConfig: FAST_CONSUMER, logger: testLogger });
    await receiving.send(topic, 0, 'k0', 'zero');
    await receiving.send(topic, 0, 'k1', 'one');
    await receiving.send(topic, 0, 'k2', 'two');

    const record = await receiving.receive(topic, 0, 1, 10_000);
    expect(record).toMatchObject({ topic, partition: 0, offset: 1, key: 'k1', value: 'one' });
    expect(await receiving.receive(topic, 0, 3, 300)).toBeNull();
  });

  test('refuses bad arguments and a template without a consumer factory', async () => {
    await expect(template.receive('orders', 0, 0)).rejects.toThrow(/consumerFactory is required/);
    const receiving = new KafkaTemplate<string, string>(template.producerFactory, { logger: testLogger });
    receiving.consumerFactory = new DefaultKafkaConsumerFactory({ kafka: { brokers: kafka.bootstrapServers }, logger: testLogger });
    await expect(receiving.receive('orders', -1, 0)).rejects.toBeInstanceOf(KafkaException);
    await expect(receiving.receive('orders', 0, 1.5)).rejects.toThrow(/Invalid offset/);
  });
});
