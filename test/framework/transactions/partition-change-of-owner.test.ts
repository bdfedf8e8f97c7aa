/**
 * docs/transactions.md "Transactional ids and fencing": a partition's new owner fences the
 * previous owner *and then* reads the group's committed offset before it calls its listener.
 * Here the previous owner (container A, stuck in its listener while the group hands the
 * partition to container B) commits its transaction after B has fetched its starting offset:
 * B must skip the record A committed, so the output holds every input record once.
 */
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  ConcurrentKafkaListenerContainerFactory,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  KafkaTemplate,
  KafkaTransactionManager,
  type ConsumerRecord,
  type RecordInterceptor,
} from '../../../src/index.js';
import { EmbeddedKafka } from '../../../src/testing/index.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, testLogger, unique } from '../support/framework-harness.js';
import { readTopic, values, startFaultCluster } from './tx-harness.js';
import { waitFor } from '../../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producer: Producer;

beforeAll(async () => {
  ({ kafka, probe, producer } = await startFaultCluster());
}, 60_000);
afterAll(async () => {
  await producer?.disconnect();
  await probe?.close();
  await kafka?.stop();
});

/** One copier application: its own producer factory (the same transactional id prefix) and container. */
function copier(group: string, txPrefix: string, input: string, output: string, listener: (record: ConsumerRecord) => Promise<void>, recordInterceptor?: RecordInterceptor) {
  const producerFactory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), transactionIdPrefix: txPrefix, logger: testLogger });
  const template = new KafkaTemplate<string, string>(producerFactory, { logger: testLogger });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group, transactionManager: new KafkaTransactionManager(producerFactory, { logger: testLogger }) },
    recordInterceptor,
    logger: testLogger,
  });
  const container = factory.createContainer(input);
  container.containerProperties.messageListener = async (record: ConsumerRecord) => {
    await template.send(output, String(record.key), `out-${String(record.value)}`);
    await listener(record);
  };
  return { container, producerFactory };
}

test('a previous owner committing after the new owner fetched its offsets: each record is copied once', { timeout: 60_000 }, async () => {
  const input = unique('owner-in');
  const output = unique('owner-out');
  const group = unique('owner-group');
  const txPrefix = unique('owner-tx-');
  await probe.createTopic(input, 1);
  await probe.createTopic(output, 1);
  const inputs = ['v0', 'v1', 'v2', 'v3', 'v4'];
  await producer.send({ topic: input, messages: inputs.map((value, i) => ({ key: `k${i}`, value })) });

  // A copies v0 and v1, then holds v2's transaction open (its output sent) until released.
  let releaseA!: () => void;
  const gate = new Promise<void>((resolve) => (releaseA = resolve));
  let aHolding = false;
  const byA: string[] = [];
  const a = copier(group, txPrefix, input, output, async (record) => {
    byA.push(String(record.value));
    if (record.value === 'v2' && byA.filter((v) => v === 'v2').length === 1) {
      aHolding = true;
      await gate;
    }
  });
  // B, the partition's next owner: on its first record (its offsets fetched), A's transaction commits.
  const seenByB: number[] = [];
  const byB: string[] = [];
  const b = copier(group, txPrefix, input, output, async (record) => void byB.push(String(record.value)), {
    intercept: async (record) => {
      seenByB.push(record.offset);
      if (aHolding && seenByB.length === 1) {
        releaseA();
        await waitFor(async () => (await probe.committedAt(group, input)) === 3, { what: "A's transaction of v2 committed", timeoutMs: 20_000 });
      }
      return record;
    },
  });
  try {
    await a.container.start();
    await waitFor(() => aHolding, { what: 'A holding v2', timeoutMs: 30_000 });
    expect(await probe.committedAt(group, input)).toBe(2);
    // A does not heartbeat while it holds v2: the group moves the partition to B.
    await b.container.start();
    await waitFor(async () => (await probe.committedAt(group, input)) === inputs.length, { what: 'every input committed', timeoutMs: 40_000 }).catch((error) => {
      throw new Error(`${String(error)}; A processed ${byA.join(',')}, B saw offsets ${seenByB.join(',')} and processed ${byB.join(',')}`);
    });
    // B started at v2, the offset committed when it joined: the race happened.
    expect(seenByB[0]).toBe(2);
    const copied = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= inputs.length, settleMs: 1000 });
    expect(values(copied)).toEqual(inputs.map((v) => `out-${v}`));
    expect(byB).not.toContain('v2');
  } finally {
    releaseA();
    await Promise.all([a.container.stop(), b.container.stop()]);
    await Promise.all([a.producerFactory.close(), b.producerFactory.close()]);
  }
});
