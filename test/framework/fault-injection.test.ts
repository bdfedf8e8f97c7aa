/**
 * Fault injection as an application's own tests use it (docs/testing.md): an app on a
 * three-broker embedded cluster keeps its guarantees when a response is lost or a leader dies.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { consoleLogger as brokerLogger } from '../../src/broker/logger.js';
import { DefaultKafkaProducerFactory, KafkaApplication, KafkaListener, KafkaTemplate, TopicBuilder } from '../../src/index.js';
import { EmbeddedKafka, KafkaTestUtils } from '../../src/testing/index.js';
import { FAST_CONSUMER, kafkaConfig, testLogger, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

const payments: string[] = [];

@injectable()
class PaymentListener {
  @KafkaListener({ id: 'payments', topics: ['payments'], groupId: 'payment-processors' })
  onPayment(value: string) {
    payments.push(value);
  }
}

let kafka: EmbeddedKafka;

/** Enough retries for a client to ride out a leader election (the cluster notices a dead broker within ~1.5 s). */
const patientClient = { connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } };

const leaderOf = (topic: string, partition = 0) => kafka.controller!.metadata.topic(topic)!.partitions[partition]!.leaderId;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ brokers: 3, config: { 'default.replication.factor': 3, 'min.insync.replicas': 2 }, logger: brokerLogger('silent', 'cluster') });
});
afterAll(async () => {
  await kafka?.stop();
});

test('a lost Produce response: the idempotent template retries and the record is stored once', { timeout: 60_000 }, async () => {
  const topic = unique('receipts');
  const factory = new DefaultKafkaProducerFactory({
    kafka: kafkaConfig(kafka, patientClient),
    producerConfig: { idempotent: true, maxInFlightRequests: 1 },
    logger: testLogger,
  });
  const template = new KafkaTemplate<string, string>(factory, { logger: testLogger });
  const reader = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('verify')), topic);
  try {
    await template.send(topic, 'r0', 'first'); // creates the topic (RF 3) and connects
    const droppedBefore = kafka.faults.droppedResponses;
    kafka.faults.dropResponses({ broker: leaderOf(topic), apiKey: 0, count: 1 });
    const result = await template.send(topic, 'r1', 'second');
    expect(kafka.faults.droppedResponses).toBe(droppedBefore + 1);
    expect(String(result.recordMetadata.offset)).toBe('1');

    const records = await KafkaTestUtils.getRecords(reader, 20_000, 2);
    expect(records.map((r) => r.value)).toEqual(['first', 'second']);
    await expect(KafkaTestUtils.getRecords(reader, 500, 1)).rejects.toThrow();
  } finally {
    kafka.faults.heal();
    await reader.close();
    await factory.close();
  }
});

test('a listener keeps receiving when the leader of its partition is killed', { timeout: 120_000 }, async () => {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, patientClient),
    listeners: [PaymentListener],
    topics: [TopicBuilder.name('payments').partitions(1).replicas(3).build()],
    consumerConfig: { ...FAST_CONSUMER, retry: patientClient.retry },
    logger: testLogger,
  });
  try {
    await app.start();
    const template = app.get(KafkaTemplate);
    await template.send('payments', 'p1', 'before');
    await waitFor(() => payments.includes('before'), { what: 'the first payment', timeoutMs: 30_000 });

    const leader = leaderOf('payments');
    await kafka.broker(leader).kill();
    await waitFor(() => leaderOf('payments') !== leader, { what: 'a new leader', timeoutMs: 30_000 });
    await template.send('payments', 'p2', 'after');
    await waitFor(() => payments.includes('after'), { what: 'the payment sent after the failover', timeoutMs: 60_000 });

    await kafka.broker(leader).restart();
    expect(kafka.broker(leader).isRunning).toBe(true);
  } finally {
    await app.stop();
  }
});
