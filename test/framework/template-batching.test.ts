/**
 * KafkaTemplate groups concurrent sends into few produce requests: each send still resolves
 * with its own partition and offset (checked against the log), records of one partition keep
 * their send order, keys land where kafkajs' DefaultPartitioner puts them, flush() sends what
 * lingers, and a failing request rejects exactly the sends it held.
 */
import { Kafka, Partitioners, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { DefaultKafkaProducerFactory, KafkaProducerException, KafkaTemplate, type SendResult } from '../../src/index.js';
import { kcatReadAll } from '../support/broker-harness.js';
import { kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';

let kafka: EmbeddedKafka;
let admin: Admin;
const factories: DefaultKafkaProducerFactory[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  admin = new Kafka({ ...kafkaConfig(kafka), clientId: 'batching-admin' }).admin();
  await admin.connect();
});

afterAll(async () => {
  for (const factory of factories) await factory.close();
  await admin.disconnect();
  await kafka.stop();
});

async function topicWith(partitions: number, configEntries: { name: string; value: string }[] = []): Promise<string> {
  const topic = unique('batching');
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
  return topic;
}

/** A template and the number of produce requests its producer has sent. */
async function templateCountingRequests(options: { lingerMs?: number; batchSize?: number } = { lingerMs: 0 }): Promise<{ template: KafkaTemplate<string, string>; produceRequests: () => number }> {
  const factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  factories.push(factory);
  const producer: Producer = await factory.createProducer();
  let count = 0;
  producer.on(producer.events.REQUEST, (event) => {
    if (event.payload.apiName === 'Produce') count++;
  });
  return { template: new KafkaTemplate<string, string>(factory, { ...options, logger: testLogger }), produceRequests: () => count };
}

/** "partition offset value" of every record of the topic. */
async function logOf(topic: string): Promise<Map<string, string>> {
  const lines = await kcatReadAll(kafka.bootstrapServers.join(','), topic, '%p %o %s\\n');
  return new Map(lines.map((line) => {
    const [partition, offset, ...value] = line.split(' ');
    return [`${partition}@${offset}`, value.join(' ')];
  }));
}

describe('KafkaTemplate batching', () => {
  test('concurrent sends share few requests; each resolves with the partition and offset the log has', async () => {
    const topic = await topicWith(3);
    const { template, produceRequests } = await templateCountingRequests();
    const before = produceRequests();
    const sends: Promise<SendResult<string, string>>[] = [];
    for (let i = 0; i < 300; i++) {
      const value = `v${i}`;
      if (i % 3 === 0) sends.push(template.send(topic, value)); // keyless: kafkajs' round robin
      else if (i % 3 === 1) sends.push(template.send(topic, `key-${i % 17}`, value));
      else sends.push(template.send(topic, 2, undefined as unknown as string, value));
    }
    const results = await Promise.all(sends);
    // One request per partition (batch.size 16384 bytes per partition holds ~400 of these
    // records), after the first record, which went alone: it had kafkajs load the topic's metadata.
    expect(produceRequests() - before).toBeLessThanOrEqual(4);

    const log = await logOf(topic);
    expect(log.size).toBe(300);
    for (const [i, result] of results.entries()) {
      const { partition, offset } = result.recordMetadata;
      expect(log.get(`${partition}@${offset}`), `send ${i}`).toBe(`v${i}`);
      expect(result.producerRecord.value).toBe(`v${i}`);
    }
    // Explicit partitions are kept; keys go where kafkajs' DefaultPartitioner puts them.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (const [i, result] of results.entries()) {
      if (i % 3 === 2) expect(result.recordMetadata.partition).toBe(2);
      if (i % 3 === 1) expect(result.recordMetadata.partition).toBe(partitioner({ topic, partitionMetadata, message: { key: `key-${i % 17}`, value: '' } }));
    }
    // Within each partition the log holds the records in send order.
    const byPartition = new Map<number, number[]>();
    for (const result of results) {
      const offsets = byPartition.get(result.recordMetadata.partition) ?? [];
      offsets.push(result.recordMetadata.offset);
      byPartition.set(result.recordMetadata.partition, offsets);
    }
    expect(byPartition.size).toBe(3);
    for (const offsets of byPartition.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  test('with linger-ms, sends wait to share a request until flush() sends them', async () => {
    const topic = await topicWith(1);
    const { template, produceRequests } = await templateCountingRequests({ lingerMs: 60_000 });
    // The topic's first record goes alone (kafkajs loads its metadata); the others linger.
    await template.send(topic, 'k', 'first');
    const before = produceRequests();
    let settled = 0;
    const sends = [0, 1, 2, 3, 4].map((i) => template.send(topic, `k${i}`, `late-${i}`).finally(() => settled++));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(0);
    await template.flush();
    expect(settled).toBe(5);
    expect(produceRequests() - before).toBe(1);
    const offsets = (await Promise.all(sends)).map((r) => r.recordMetadata.offset);
    expect(offsets).toEqual([1, 2, 3, 4, 5]);
  });

  test('a batch reaching batch-size goes out without waiting for the linger', async () => {
    const topic = await topicWith(1);
    const { template } = await templateCountingRequests({ lingerMs: 60_000, batchSize: 1000 });
    await template.send(topic, 'first');
    // ~430 bytes each: with the third one the partition's queue passes batch-size and goes without the linger.
    const results = await Promise.all([0, 1, 2].map((i) => template.send(topic, `k${i}`, 'x'.repeat(400))));
    expect(results.map((r) => r.recordMetadata.offset)).toEqual([1, 2, 3]);
    // Below batch-size, a send waits for the linger (or flush()).
    let settled = false;
    const late = template.send(topic, 'k3', 'small').finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    await template.flush();
    expect((await late).recordMetadata.offset).toBe(4);
  });

  test('a failing request rejects exactly the sends it held', async () => {
    const topic = await topicWith(1, [{ name: 'max.message.bytes', value: '2000' }]);
    const { template } = await templateCountingRequests();
    await template.send(topic, 'first');
    // The first two share a request, which the broker refuses (the big record is too large);
    // the third, sent while that request is in flight, goes in the next one.
    const failing = [template.send(topic, 'before'), template.send(topic, 'x'.repeat(5000))].map((p) => p.then(() => 'fulfilled', (e: unknown) => e));
    await new Promise((resolve) => setImmediate(resolve));
    const after = template.send(topic, 'after');
    const outcomes = await Promise.all(failing);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(KafkaProducerException);
    expect((outcomes[1] as KafkaProducerException).failedProducerRecord.value).toBe('x'.repeat(5000));
    expect((outcomes[0] as KafkaProducerException).failedProducerRecord.value).toBe('before');
    expect((await after).recordMetadata.offset).toBe(1);
    const log = await logOf(topic);
    expect([...log.values()]).toEqual(['first', 'after']);
  });
});
