/**
 * A transactional KafkaTemplate batches the concurrent sends of one transaction: they share
 * few produce requests (counted on the transaction's producer), each resolves at the offset
 * the log has, and they commit or abort together. Records of two transactions running at the
 * same time never share a request: one commits, the other aborts, and a read_committed reader
 * sees exactly the first one's records.
 */
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { DefaultKafkaProducerFactory, KafkaTemplate, type SendResult } from '../../../src/index.js';
import { BrokerProbe, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';
import { readTopic, values } from './tx-harness.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
const factories: DefaultKafkaProducerFactory[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});

afterAll(async () => {
  for (const factory of factories) await factory.close();
  await probe?.close();
  await kafka?.stop();
});

async function newTopic(partitions: number): Promise<string> {
  const topic = unique('tx-batch');
  await probe.createTopic(topic, partitions);
  return topic;
}

/** Counts the Produce requests of a producer. */
function countProduceRequests(producer: Producer): () => number {
  let count = 0;
  producer.on(producer.events.REQUEST, (event) => {
    if (event.payload.apiName === 'Produce') count++;
  });
  return () => count;
}

/**
 * A transactional template whose next `executeInTransaction` runs on a producer whose Produce
 * requests are counted (the factory's pool hands out the producer leased and released here).
 */
async function countingTemplate(): Promise<{ template: KafkaTemplate<string, string>; produceRequests: () => number }> {
  const factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), transactionIdPrefix: unique('tx-batch-'), logger: testLogger });
  factories.push(factory);
  const lease = await factory.acquireTransactionalProducer();
  const produceRequests = countProduceRequests(lease.producer);
  await lease.release();
  return { template: new KafkaTemplate<string, string>(factory, { logger: testLogger }), produceRequests };
}

/** Sends `count` records at once: keyless, keyed and to an explicit partition in turn. */
function sendAll(template: KafkaTemplate<string, string>, topic: string, prefix: string, count: number): Promise<SendResult<string, string>>[] {
  const sends: Promise<SendResult<string, string>>[] = [];
  for (let i = 0; i < count; i++) {
    const value = `${prefix}${i}`;
    if (i % 3 === 0) sends.push(template.send(topic, value));
    else if (i % 3 === 1) sends.push(template.send(topic, `key-${i % 7}`, value));
    else sends.push(template.send(topic, 2, `key-${i}`, value));
  }
  return sends;
}

describe('transactional KafkaTemplate batching', () => {
  test('the concurrent sends of a transaction share few requests, resolve at their offsets and commit together', async () => {
    const topic = await newTopic(3);
    const { template, produceRequests } = await countingTemplate();
    const results = await template.executeInTransaction((t) => Promise.all(sendAll(t, topic, 'c', 90)));
    // 90 sends: the first goes alone (kafkajs loads the topic's metadata), the rest share one
    // request (the topic's partitions have one leader); one request per send before.
    expect(produceRequests()).toBeGreaterThan(0);
    expect(produceRequests()).toBeLessThanOrEqual(3);

    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 90 });
    expect(read).toHaveLength(90);
    const log = new Map(read.map((r) => [`${r.partition}@${r.offset}`, r.value]));
    for (const [i, result] of results.entries()) {
      const { partition, offset } = result.recordMetadata;
      expect(log.get(`${partition}@${offset}`), `send ${i}`).toBe(`c${i}`);
    }
    // A partition's records are in send order.
    for (const partition of [0, 1, 2]) {
      const sent = results.filter((r) => r.recordMetadata.partition === partition).map((r) => r.producerRecord.value);
      expect(values(read.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset))).toEqual(sent);
    }
  });

  test('an aborted transaction takes all its batched sends with it', async () => {
    const topic = await newTopic(3);
    const { template, produceRequests } = await countingTemplate();
    const failure = new Error('business failure');
    await expect(
      template.executeInTransaction(async (t) => {
        await Promise.all(sendAll(t, topic, 'a', 60));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(produceRequests()).toBeLessThanOrEqual(3);
    // Written (read_uncommitted sees them), never committed.
    const uncommitted = await readTopic(kafkaConfig(kafka), topic, { readUncommitted: true, done: (r) => r.length >= 60 });
    expect(uncommitted).toHaveLength(60);
    const committed = await readTopic(kafkaConfig(kafka), topic, { done: () => true, settleMs: 1_000 });
    expect(committed).toEqual([]);
  });

  test('two transactions at the same time never share a request: one commits, the other aborts', async () => {
    const topic = await newTopic(3);
    const factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), transactionIdPrefix: unique('tx-pair-'), logger: testLogger });
    factories.push(factory);
    const template = new KafkaTemplate<string, string>(factory, { logger: testLogger });
    // Each transaction sends in the same event-loop turns as the other, on its own producer.
    const committing = template.executeInTransaction((t) => Promise.all(sendAll(t, topic, 'kept', 45)));
    const aborting = template.executeInTransaction(async (t) => {
      await Promise.all(sendAll(t, topic, 'dropped', 45));
      throw new Error('abort this one');
    });
    await expect(committing).resolves.toHaveLength(45);
    await expect(aborting).rejects.toThrow('abort this one');
    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 45, settleMs: 1_000 });
    expect(values(read).sort()).toEqual(Array.from({ length: 45 }, (_, i) => `kept${i}`).sort());
  });
});
