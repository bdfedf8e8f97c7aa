/**
 * Every KafkaTemplate overload lands where it says (topic, partition, key, timestamp, headers),
 * verified by consuming the records; failures reject with KafkaProducerException.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  DefaultKafkaProducerFactory,
  KafkaHeaders,
  KafkaProducerException,
  KafkaTemplate,
  MessageBuilder,
  ProducerRecord,
  type ProducerListener,
} from '../../src/index.js';
import { KafkaTestUtils, type TestConsumer } from '../../src/testing/index.js';
import { BrokerProbe, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';

class Shipment {
  constructor(
    public id: string,
    public weight: number,
  ) {}
}

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let factory: DefaultKafkaProducerFactory;
let template: KafkaTemplate<string, unknown>;
let consumer: TestConsumer;
const topic = 'shipments';
const defaultTopic = 'shipments-default';
const events: string[] = [];

const listener: ProducerListener<string, unknown> = {
  onSuccess: (record, metadata) => events.push(`ok ${record.topic}@${metadata.offset}`),
  onError: (record) => events.push(`error ${record.topic}`),
};

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  await probe.createTopic(topic, 3);
  await probe.createTopic(defaultTopic, 3);
  factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  template = new KafkaTemplate(factory, { defaultTopic, producerListener: listener, logger: testLogger });
  consumer = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('verify')), topic, defaultTopic);
});

afterAll(async () => {
  await consumer?.close();
  await factory?.close();
  await probe?.close();
  await kafka?.stop();
});

describe('send overloads (by argument count, as Spring)', () => {
  test('(topic, value): no key, JSON value', async () => {
    const result = await template.send(topic, new Shipment('s1', 3));
    const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
    expect(record.key).toBeNull();
    expect(JSON.parse(record.value!)).toEqual({ id: 's1', weight: 3 });
    expect(record.headers.lastString('__TypeId__')).toBe('Shipment');
    expect(record).toMatchObject({ partition: result.recordMetadata.partition, offset: result.recordMetadata.offset });
    expect(result.producerRecord.value).toBeInstanceOf(Shipment);
  });

  test('(topic, key, value): keyed', async () => {
    const result = await template.send(topic, 'key-1', 'text value');
    const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
    expect(record).toMatchObject({ key: 'key-1', value: 'text value', partition: result.recordMetadata.partition });
  });

  test('a key picks its partition as the Java client does: murmur2(key) & 0x7fffffff % partitions', async () => {
    // murmur2 values from Kafka's own UtilsTest, so a Java producer puts these keys on the same partitions.
    const javaMurmur2: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['abc', 479470107],
    ];
    const sevenPartitions = unique('keyed');
    await probe.createTopic(sevenPartitions, 7);
    for (const [key, hash] of javaMurmur2) {
      const result = await template.send(sevenPartitions, key, 'v');
      expect(result.recordMetadata.partition, key).toBe((hash & 0x7fffffff) % 7);
    }
  });

  test('(topic, partition, key, value): the partition given', async () => {
    for (const partition of [0, 1, 2]) {
      const result = await template.send(topic, partition, `k${partition}`, { n: partition });
      expect(result.recordMetadata).toMatchObject({ topic, partition });
      const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
      expect(record).toMatchObject({ partition, key: `k${partition}`, value: `{"n":${partition}}` });
    }
  });

  test('(topic, partition, timestamp, key, value): the timestamp given', async () => {
    const timestamp = Date.UTC(2020, 0, 1);
    const result = await template.send(topic, 1, timestamp, 'old', 'from 2020');
    expect(result.recordMetadata.timestamp).toBe(timestamp);
    const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
    expect(record).toMatchObject({ partition: 1, timestamp, timestampType: 'CREATE_TIME', key: 'old', value: 'from 2020' });
  });

  test('without a timestamp, each of several concurrent sends reports the create time the broker stored for it', async () => {
    const before = Date.now();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => template.send(topic, `now-${i}`)));
    const records = await KafkaTestUtils.getRecords(consumer, 10_000, 12);
    expect(records).toHaveLength(12);
    for (const { recordMetadata } of results) {
      const stored = records.find((r) => r.partition === recordMetadata.partition && r.offset === recordMetadata.offset)!;
      expect(stored).toMatchObject({ timestamp: recordMetadata.timestamp, timestampType: 'CREATE_TIME' });
      expect(typeof stored.timestamp).toBe('number');
      expect(stored.timestamp).toBeGreaterThanOrEqual(before);
    }
  });

  test('(record): a ProducerRecord with headers (repeated names kept)', async () => {
    await template.send(new ProducerRecord(topic, 2, undefined, 'rk', 'with headers', { 'x-a': 'one', 'x-b': [Buffer.from([1, 2]), 'two'] }));
    const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
    expect(record.partition).toBe(2);
    expect(record.headers.lastString('x-a')).toBe('one');
    expect(record.headers.headers('x-b').map((h) => h.value)).toEqual([Buffer.from([1, 2]), Buffer.from('two')]);
  });

  test('(message): routed by KafkaHeaders.TOPIC/PARTITION/KEY/TIMESTAMP; other headers copied', async () => {
    const timestamp = Date.UTC(2021, 5, 6);
    await template.send(
      MessageBuilder.withPayload({ routed: true })
        .setHeader(KafkaHeaders.TOPIC, topic)
        .setHeader(KafkaHeaders.PARTITION, 1)
        .setHeader(KafkaHeaders.KEY, 'mk')
        .setHeader(KafkaHeaders.TIMESTAMP, timestamp)
        .setHeader(KafkaHeaders.CORRELATION_ID, Buffer.from('corr'))
        .setHeader('x-count', 7)
        .setHeader(KafkaHeaders.RECEIVED_TOPIC, 'never-copied')
        .build(),
    );
    const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
    expect(record).toMatchObject({ partition: 1, key: 'mk', timestamp, value: '{"routed":true}' });
    expect(record.headers.lastString(KafkaHeaders.CORRELATION_ID)).toBe('corr');
    expect(record.headers.lastString('x-count')).toBe('7');
    expect(record.headers.lastHeader(KafkaHeaders.TOPIC)).toBeUndefined();
    expect(record.headers.lastHeader(KafkaHeaders.RECEIVED_TOPIC)).toBeUndefined();
  });

  test('a message without a topic header goes to the default topic', async () => {
    await template.send(MessageBuilder.withPayload('to default').build());
    const record = await KafkaTestUtils.getSingleRecord(consumer, defaultTopic, 10_000);
    expect(record.value).toBe('to default');
  });

  test('sendDefault with every arity', async () => {
    const timestamp = Date.UTC(2022, 1, 2);
    await template.sendDefault('v1');
    await template.sendDefault('k2', 'v2');
    await template.sendDefault(2, 'k3', 'v3');
    await template.sendDefault(0, timestamp, 'k4', 'v4');
    const records = await KafkaTestUtils.getRecords(consumer, 10_000, 4);
    const byValue = new Map(records.map((r) => [r.value, r]));
    expect(byValue.get('v1')!.key).toBeNull();
    expect(byValue.get('v2')!.key).toBe('k2');
    expect(byValue.get('v3')).toMatchObject({ key: 'k3', partition: 2 });
    expect(byValue.get('v4')).toMatchObject({ key: 'k4', partition: 0, timestamp });
    expect(records.every((r) => r.topic === defaultTopic)).toBe(true);
  });

  test('flush waits for sends in flight', async () => {
    let acknowledged = 0;
    for (let i = 0; i < 5; i++) void template.send(topic, `f${i}`, i).then(() => acknowledged++);
    await template.flush();
    expect(acknowledged).toBe(5);
    expect(await KafkaTestUtils.getRecords(consumer, 10_000, 5)).toHaveLength(5);
  });

  test('the producer listener hears about successes', async () => {
    events.length = 0;
    const result = await template.send(topic, 'x');
    await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
    expect(events).toEqual([`ok ${topic}@${result.recordMetadata.offset}`]);
  });
});

describe('failures reject with KafkaProducerException', () => {
  test('bad arguments', async () => {
    await expect(template.send('', 'v')).rejects.toBeInstanceOf(KafkaProducerException);
    await expect(template.send(topic, -1, 'k', 'v')).rejects.toThrow(/Invalid partition/);
    await expect(template.send(topic, 0, Number.NaN, 'k', 'v')).rejects.toThrow(/Invalid timestamp/);
    await expect((template.send as (...a: unknown[]) => Promise<unknown>)(topic, 0, 0, 'k', 'v', 'extra')).rejects.toThrow(/1 to 5 arguments/);
    await expect((template.send as (...a: unknown[]) => Promise<unknown>)(42)).rejects.toThrow(/ProducerRecord or a Message/);
    await expect(new KafkaTemplate(factory, { logger: testLogger }).sendDefault('v')).rejects.toThrow(/defaultTopic/);
  });

  test('a value that cannot be serialized; the failed record is attached', async () => {
    events.length = 0;
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const error = await template.send(topic, 'k', circular).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaProducerException);
    expect((error as KafkaProducerException).failedProducerRecord).toMatchObject({ topic, key: 'k' });
    expect(events).toEqual([`error ${topic}`]);
  });

  test('a partition that does not exist', async () => {
    const quick = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), producerConfig: { retry: { retries: 1, initialRetryTime: 50 } }, logger: testLogger });
    try {
      const error = await new KafkaTemplate(quick, { logger: testLogger }).send(topic, 99, 'k', 'v').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaProducerException);
      expect((error as KafkaProducerException).failedProducerRecord.partition).toBe(99);
    } finally {
      await quick.close();
    }
  });

  test('an unreachable broker', async () => {
    const nowhere = new DefaultKafkaProducerFactory({ kafka: { brokers: ['127.0.0.1:1'], connectionTimeout: 200, retry: { retries: 0 } }, logger: testLogger });
    const error = await new KafkaTemplate(nowhere, { logger: testLogger }).send(topic, 'k', 'v').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaProducerException);
    expect(String((error as Error).message)).toContain('127.0.0.1:1');
    await nowhere.close();
  });
});
