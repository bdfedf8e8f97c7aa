/**
 * docs/consumer-groups.md: "Clients cannot produce to the internal topics
 * (INVALID_TOPIC_EXCEPTION)". A kafkajs producer writing to __consumer_offsets and
 * __transaction_state is refused, and the group's committed offsets are untouched.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { startKafka, stopKafkas } from '../../support/broker-harness.js';

let kafka: EmbeddedKafka;
let client: Kafka;
let producer: Producer;

beforeAll(async () => {
  kafka = await startKafka();
  client = new Kafka({ brokers: kafka.bootstrapServers, clientId: 'internal-topics', logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });
  producer = client.producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await stopKafkas();
});

test('produce to __consumer_offsets or __transaction_state is refused with INVALID_TOPIC_EXCEPTION; committed offsets stay', async () => {
  // A group commit creates __consumer_offsets; a transaction creates __transaction_state.
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] });
    await producer.send({ topic: 'orders', messages: [{ value: 'o1' }, { value: 'o2' }] });
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '2' }] });
    const txProducer = client.producer({ transactionalId: 'internal-topics-tx', idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();
    const tx = await txProducer.transaction();
    await tx.send({ topic: 'orders', messages: [{ value: 'o3' }] });
    await tx.commit();
    await txProducer.disconnect();

    for (const topic of ['__consumer_offsets', '__transaction_state']) {
      await expect(producer.send({ topic, messages: [{ key: 'billing', value: 'forged' }] }), topic).rejects.toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION' });
    }
    const [offsets] = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(offsets!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '2' })]);
  } finally {
    await admin.disconnect();
  }
});
