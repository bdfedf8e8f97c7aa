/**
 * @RetryableTopic({ exceptionBasedDltRouting }) against the embedded broker: a failure of a
 * routed class ends in `<topic><suffix>-dlt` (created and consumed by the @DltHandler like the
 * DLT), any other failure in the plain DLT, each after the retry topic.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConsumerRecord, DltHandler, Header, KafkaAdmin, KafkaApplication, KafkaHeaders, KafkaListener, KafkaTemplate, RetryableTopic } from '../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startBroker();
});
afterAll(async () => {
  await kafka.stop();
});

class InvalidOrder extends Error {}
class UnknownCustomer extends InvalidOrder {}

const attempts: string[] = [];
const dead: { value: string; topic: string }[] = [];

@injectable()
class Orders {
  @RetryableTopic({ attempts: 2, backoff: { delay: 0 }, exceptionBasedDltRouting: [{ suffix: '-invalid', exceptions: [InvalidOrder] }] })
  @KafkaListener({ id: 'routed-orders', topics: ['routed-orders'] })
  onOrder(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    attempts.push(`${record.value}@${topic}`);
    if (record.value === 'invalid') throw new InvalidOrder('no lines');
    if (record.value === 'unknown') throw new UnknownCustomer('who?');
    throw new Error('database down');
  }

  @DltHandler()
  onDead(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    dead.push({ value: String(record.value), topic });
  }
}

test('routed failures go to their own DLT, the others to the plain one', async () => {
  const app = await KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [Orders], consumerConfig: FAST_CONSUMER, logger: testLogger });
  try {
    await app.start();
    const topics = await app.get(KafkaAdmin).describeTopics('routed-orders', 'routed-orders-retry', 'routed-orders-invalid-dlt', 'routed-orders-dlt');
    expect([...topics.keys()].sort()).toEqual(['routed-orders', 'routed-orders-dlt', 'routed-orders-invalid-dlt', 'routed-orders-retry']);
    expect(app.registry.getListenerContainerIds().sort()).toEqual(['routed-orders', 'routed-orders-dlt', 'routed-orders-invalid-dlt', 'routed-orders-retry']);
    const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
    for (const value of ['invalid', 'unknown', 'broken']) await template.send('routed-orders', value, value);
    await waitFor(() => dead.length === 3, { what: 'three dead letters' });
    const where = Object.fromEntries(dead.map((d) => [d.value, d.topic]));
    expect(where).toEqual({ invalid: 'routed-orders-invalid-dlt', unknown: 'routed-orders-invalid-dlt', broken: 'routed-orders-dlt' });
    // Each went through the retry topic first (attempts: 2).
    for (const value of ['invalid', 'unknown', 'broken']) expect(attempts.filter((a) => a.startsWith(`${value}@`))).toEqual([`${value}@routed-orders`, `${value}@routed-orders-retry`]);
  } finally {
    await app.stop();
  }
});

test('a routing rule without exceptions is reported when the application is created', async () => {
  @injectable()
  class Bad {
    @RetryableTopic({ exceptionBasedDltRouting: [{ suffix: '-x', exceptions: [] }] })
    @KafkaListener({ id: 'bad-routing', topics: ['bad-routing'] })
    onRecord(): void {}
  }
  await expect(KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [Bad], logger: testLogger })).rejects.toThrow(/exceptionBasedDltRouting\[0\] needs a list of error classes/);
});
