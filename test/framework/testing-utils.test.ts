/** streamwright/testing: EmbeddedKafka and KafkaTestUtils as users call them. */
import { Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ContainerTestUtils, EmbeddedKafka, KafkaTestUtils, type TestConsumer } from '../../src/testing/index.js';
import { ConcurrentKafkaListenerContainerFactory, DefaultKafkaConsumerFactory } from '../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';

let kafka: EmbeddedKafka;
let consumer: TestConsumer | undefined;

beforeAll(async () => {
  kafka = await startBroker();
});
afterAll(async () => {
  await consumer?.close();
  await kafka.stop();
});

async function produce(topic: string, values: string[]) {
  const producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

describe('KafkaTestUtils', () => {
  test('consumerProps: earliest, no auto-commit, the brokers given as a string', () => {
    const props = KafkaTestUtils.consumerProps(kafka.bootstrapServers.join(','), 'g');
    expect(props).toMatchObject({ groupId: 'g', autoCommit: false, autoOffsetReset: 'earliest', kafka: { brokers: kafka.bootstrapServers } });
  });

  test('getSingleRecord returns the one record, and rejects when there are more or none', async () => {
    const one = unique('one');
    const two = unique('two');
    await produce(one, ['only']);
    await produce(two, ['a', 'b']);
    consumer = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('g')), one, two);
    const record = await KafkaTestUtils.getSingleRecord(consumer, one, 10_000);
    expect(record.value).toBe('only');
    await consumer.waitUntil((buffered) => buffered.length === 2, 10_000);
    await expect(KafkaTestUtils.getSingleRecord(consumer, two, 10_000)).rejects.toThrow(/More than one record/);
    await expect(KafkaTestUtils.getSingleRecord(consumer, one, 200)).rejects.toThrow(/No record received/);
  });

  test('getRecords waits for minRecords, or rejects at the timeout', async () => {
    const topic = unique('many');
    await produce(topic, ['1', '2', '3']);
    const reader = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('g')), topic);
    try {
      const records = await KafkaTestUtils.getRecords(reader, 10_000, 3);
      expect(records.map((r) => r.value)).toEqual(['1', '2', '3']);
      await expect(KafkaTestUtils.getRecords(reader, 200, 1)).rejects.toThrow(/Expected at least 1 records/);
    } finally {
      await reader.close();
    }
  });

  test('getCurrentOffset and getEndOffsets', async () => {
    const topic = unique('offsets');
    await produce(topic, ['x', 'y']);
    const group = unique('g');
    const reader = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), group, true), topic);
    try {
      await KafkaTestUtils.getRecords(reader, 10_000, 2);
      expect((await KafkaTestUtils.getEndOffsets(kafka.bootstrapServers, topic)).get(0)).toBe(2);
      await expect.poll(() => KafkaTestUtils.getCurrentOffset(kafka.bootstrapServers, group, topic, 0), { timeout: 10_000 }).toBe(2);
    } finally {
      await reader.close();
    }
  });

  test('ContainerTestUtils.waitForAssignment', async () => {
    const topic = unique('assign');
    await produce(topic, ['x']);
    const group = unique('g');
    // The group comes from the container factory's consumerConfig, over the consumer factory's.
    const factory = new ConcurrentKafkaListenerContainerFactory({
      consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: { ...FAST_CONSUMER, groupId: 'not-this-one' }, logger: testLogger }),
      consumerConfig: [`group.id=${group}`],
      logger: testLogger,
    });
    const container = factory.createContainer(topic);
    container.containerProperties.messageListener = () => undefined;
    await container.start();
    try {
      expect(container.groupId).toBe(group);
      await ContainerTestUtils.waitForAssignment(container, 1, 10_000);
      await expect.poll(() => KafkaTestUtils.getCurrentOffset(kafka.bootstrapServers, group, topic, 0), { timeout: 10_000 }).toBe(1);
      await expect(ContainerTestUtils.waitForAssignment(container, 5, 100)).rejects.toThrow(/expected 5/);
    } finally {
      await container.stop();
    }
  });
});
