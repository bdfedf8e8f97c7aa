/**
 * A send whose Produce responses are all lost (kafkajs gives up after its retries) may still
 * have reached the log. kafkajs 2.2.4 then leaves the idempotent producer's sequence number
 * where it was, so the next send on that producer would reuse it and the broker, rightly,
 * would answer it as a duplicate of the stored batch: acknowledged, never stored. The template
 * sends after such a failure with a new producer (new producer id); a failure that proves the
 * broker refused the batch keeps the producer.
 */
import { Kafka, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/testing/index.js';
import { DefaultKafkaProducerFactory, KafkaProducerException, KafkaTemplate, type KafkaTemplateOptions } from '../../src/index.js';
import { kcatReadAll } from '../support/broker-harness.js';
import { kafkaConfig, testLogger, unique, type BrokerProbe } from './support/framework-harness.js';
import { readTopic, startFaultCluster } from './transactions/tx-harness.js';

const PRODUCE = 0;

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producer: Producer;
let admin: Admin;
const factories: DefaultKafkaProducerFactory[] = [];

beforeAll(async () => {
  // One broker with fault injection, its group and transaction coordinators ready.
  ({ kafka, probe, producer } = await startFaultCluster());
  admin = new Kafka({ ...kafkaConfig(kafka), clientId: 'lost-response-admin' }).admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  kafka?.faults.heal();
  for (const factory of factories) await factory.close();
  await admin?.disconnect();
  await producer?.disconnect();
  await probe?.close();
  await kafka?.stop();
});

async function topicWith(partitions: number, configEntries: { name: string; value: string }[] = []): Promise<string> {
  const topic = unique('lost-response');
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
  return topic;
}

/** An idempotent producer of one send retry and a short request timeout: two lost responses fail a send. */
function idempotentFactory(transactionIdPrefix?: string): DefaultKafkaProducerFactory {
  const factory = new DefaultKafkaProducerFactory({
    kafka: kafkaConfig(kafka, { requestTimeout: 1500, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } }),
    producerConfig: { idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } },
    transactionIdPrefix,
    logger: testLogger,
  });
  factories.push(factory);
  return factory;
}

/** value -> ["partition@offset", ...] as the log has it. */
async function placesOf(topic: string): Promise<Map<string, string[]>> {
  const lines = await kcatReadAll(kafka.bootstrapServers.join(','), topic, '%p@%o %s\\n');
  const places = new Map<string, string[]>();
  for (const line of lines) {
    const [place, value] = line.split(' ') as [string, string];
    places.set(value, [...(places.get(value) ?? []), place]);
  }
  return places;
}

describe.each<[string, KafkaTemplateOptions<string, string>]>([
  ['batching within a tick (the default)', {}],
  ['one request per send (batchSize 0)', { batchSize: 0 }],
  ['with a linger', { lingerMs: 5 }],
])('KafkaTemplate after a send whose responses were lost, %s', (_name, options) => {
  test('the next send is stored where its SendResult says, and the lost one is in the log once', { timeout: 30_000 }, async () => {
    const topic = await topicWith(1);
    const factory = idempotentFactory();
    const template = new KafkaTemplate<string, string>(factory, { ...options, logger: testLogger, producerListener: {} });
    await template.send(topic, 'k', 'warm-up');
    const dropped = kafka.faults.droppedResponses;
    kafka.faults.dropResponses({ apiKey: PRODUCE, count: 2 });
    const failed = await template.send(topic, 'k', 'first').then(() => undefined, (error: unknown) => error);
    expect(failed).toBeInstanceOf(KafkaProducerException);
    expect(kafka.faults.droppedResponses).toBe(dropped + 2);

    const second = await template.send(topic, 'k', 'second');
    const third = await template.send(topic, 'k', 'third');
    const places = await placesOf(topic);
    // The failed send reached the log (its response was lost), once.
    expect(places.get('first')).toEqual(['0@1']);
    expect(places.get('second')).toEqual([`0@${second.recordMetadata.offset}`]);
    expect(places.get('third')).toEqual([`0@${third.recordMetadata.offset}`]);
    expect(second.recordMetadata.offset).toBe(2);
  });
});

describe('KafkaTemplate producer retirement', () => {
  test('a failure that proves the broker refused the batch keeps the producer; a lost response replaces it', { timeout: 30_000 }, async () => {
    const topic = await topicWith(1, [{ name: 'max.message.bytes', value: '2000' }]);
    const factory = idempotentFactory();
    const template = new KafkaTemplate<string, string>(factory, { logger: testLogger, producerListener: {} });
    await template.send(topic, 'small');
    const first = await factory.createProducer();
    await expect(template.send(topic, 'x'.repeat(5000))).rejects.toBeInstanceOf(KafkaProducerException);
    expect(await factory.createProducer()).toBe(first);

    kafka.faults.dropResponses({ apiKey: PRODUCE, count: 2 });
    await expect(template.send(topic, 'lost')).rejects.toBeInstanceOf(KafkaProducerException);
    const next = await template.send(topic, 'after');
    expect(await factory.createProducer()).not.toBe(first);
    const places = await placesOf(topic);
    expect(places.get('after')).toEqual([`0@${next.recordMetadata.offset}`]);
    expect([...places.keys()]).toEqual(['small', 'lost', 'after']);
  });

  test('a transaction whose send lost its responses aborts; the next transaction on the id stores its record', { timeout: 30_000 }, async () => {
    const topic = await topicWith(1);
    // The transaction coordinator is created on first use, slower than this test's request timeout.
    const warmUp = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka, { retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } }), transactionIdPrefix: unique('warm-tx-'), logger: testLogger });
    factories.push(warmUp);
    await new KafkaTemplate<string, string>(warmUp, { logger: testLogger }).executeInTransaction((t) => t.send(topic, 'k', 'warm-up'));
    const factory = idempotentFactory(unique('lost-tx-'));
    const template = new KafkaTemplate<string, string>(factory, { logger: testLogger, producerListener: {} });
    await template.executeInTransaction((t) => t.send(topic, 'k', 'committed-1'));
    kafka.faults.dropResponses({ apiKey: PRODUCE, count: 2 });
    await expect(template.executeInTransaction((t) => t.send(topic, 'k', 'aborted'))).rejects.toBeInstanceOf(KafkaProducerException);
    const result = await template.executeInTransaction((t) => t.send(topic, 'k', 'committed-2'));

    const committed = await readTopic(kafkaConfig(kafka), topic, { done: (records) => records.length >= 3, timeoutMs: 10_000 });
    expect(committed.map((r) => r.value)).toEqual(['warm-up', 'committed-1', 'committed-2']);
    expect(committed.find((r) => r.value === 'committed-2')?.offset).toBe(result.recordMetadata.offset);
  });
});
