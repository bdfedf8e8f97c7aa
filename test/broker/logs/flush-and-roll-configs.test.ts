import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { kafkajsClient, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// flush.ms needs log.flush.scheduler.interval.ms to be checked in a running broker (Kafka's
// default never checks it); flush.messages flushes on append; segment.jitter.ms reaches the
// logs from the topic and from the broker's log.roll.jitter.ms. A flush moves the partition's
// recovery point, which the broker checkpoints every log.flush.offset.checkpoint.interval.ms.

let kafka: EmbeddedKafka;
let client: Kafka;

beforeAll(async () => {
  kafka = await startKafka({ config: { 'log.flush.scheduler.interval.ms': 50, 'log.flush.offset.checkpoint.interval.ms': 50, 'log.roll.jitter.ms': 500 } });
  client = kafkajsClient(kafka.bootstrapServers[0]!, 'flush-test');
});
afterAll(() => stopKafkas());

const log = (topic: string) => kafka.broker().instance.replicaManager.partition(topic, 0)!.log;
/** The offset in the partition's recovery-point-offset-checkpoint file (no file yet: 0, as recovery reads it). */
const checkpointed = (topic: string) => {
  const file = join(kafka.dataDir, `${topic}-0`, 'recovery-point-offset-checkpoint');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim().split('\n')[2]!.split(' ')[2]) : 0;
};

async function createTopics(topics: Record<string, Record<string, string>>): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.entries(topics).map(([topic, configs]) => ({ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

async function produce(topic: string, count: number): Promise<void> {
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `v${i}` })) });
  await producer.disconnect();
}

it('flush.ms is honoured by the flush scheduler, and a dynamic flush.ms takes effect', async () => {
  await createTopics({ 'flush-ms': { 'flush.ms': '100' }, 'no-flush': {} });
  await produce('flush-ms', 5);
  await produce('no-flush', 5);
  await waitFor(() => log('flush-ms').recoveryPoint === 5 && checkpointed('flush-ms') === 5, { what: 'the scheduled flush of flush-ms, checkpointed' });
  // The checkpoint pass covers every log: the default topic was left to the OS.
  expect(log('no-flush').recoveryPoint).toBe(0);
  expect(checkpointed('no-flush')).toBe(0);

  const admin = client.admin();
  await admin.connect();
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'no-flush', configEntries: [{ name: 'flush.ms', value: '100' }] }] });
  await admin.disconnect();
  await waitFor(() => log('no-flush').recoveryPoint === 5 && checkpointed('no-flush') === 5, { what: 'the flush after flush.ms was set' });
});

it('flush.messages flushes on the append that reaches it', async () => {
  await createTopics({ 'flush-messages': { 'flush.messages': '3' } });
  await produce('flush-messages', 2);
  expect(log('flush-messages').recoveryPoint).toBe(0);
  await produce('flush-messages', 2);
  expect(log('flush-messages').recoveryPoint).toBe(4);
});

it('segment.jitter.ms comes from the topic, else from log.roll.jitter.ms', async () => {
  await createTopics({ jittered: { 'segment.jitter.ms': '1000' }, inherits: {} });
  expect(log('jittered').config.segmentJitterMs).toBe(1000);
  expect(log('inherits').config.segmentJitterMs).toBe(500);
});

it("Kafka's hour and minute spellings set the ms configs, the finest unit winning", async () => {
  const other = await startKafka({ config: { 'log.retention.hours': 2, 'log.roll.hours': 3, 'log.roll.jitter.hours': 1 } });
  const finer = await startKafka({ config: { 'log.retention.hours': 2, 'log.retention.minutes': 5 } });
  expect(other.broker().instance.config.int('log.retention.ms')).toBe(7_200_000);
  expect(other.broker().instance.config.int('log.roll.ms')).toBe(10_800_000);
  expect(other.broker().instance.config.int('log.roll.jitter.ms')).toBe(3_600_000);
  expect(finer.broker().instance.config.int('log.retention.ms')).toBe(300_000);
});

it('log.cleaner.enable=false leaves compacted topics alone', async () => {
  const compactable = { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01', 'file.delete.delay.ms': '0' };
  const brokers = await Promise.all([true, false].map((enabled) => startKafka({ config: { 'log.cleaner.enable': enabled, 'log.cleaner.backoff.ms': 50 } })));
  const sizes = await Promise.all(
    brokers.map(async (broker) => {
      const admin = kafkajsClient(broker.bootstrapServers[0]!, 'cleaner-test').admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'compacted', numPartitions: 1, configEntries: Object.entries(compactable).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafkajsClient(broker.bootstrapServers[0]!, 'cleaner-test').producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      for (let round = 0; round < 10; round++) await producer.send({ topic: 'compacted', messages: Array.from({ length: 10 }, (_, k) => ({ key: `key-${k}`, value: `round ${round} of key ${k}` })) });
      await producer.disconnect();
      return () => broker.broker().instance.replicaManager.partition('compacted', 0)!.log.segments.reduce((sum, s) => sum + s.size, 0);
    }),
  );
  const [enabled, disabled] = sizes as [() => number, () => number];
  // The same records on both: the broker with the cleaner compacts them, the other keeps every byte.
  await waitFor(() => enabled() < disabled() / 2, { what: 'the enabled cleaner to compact' });
  const log = brokers[1]!.broker().instance.replicaManager.partition('compacted', 0)!.log;
  expect(log.logStartOffset).toBe(0);
  expect(log.segments.flatMap((s) => [...s.log.batches(0)]).reduce((n, b) => n + b.lastOffset - b.baseOffset + 1, 0)).toBe(100);
});
