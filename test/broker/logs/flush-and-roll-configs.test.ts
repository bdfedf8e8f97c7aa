import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { kafkajsClient, startKafka, stopKafkas, waitFor } from '../../support/broker-harness.js';

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
/** The offset in the partition's recovery-point-offset-checkpoint file. */
const checkpointed = (topic: string) => Number(readFileSync(join(kafka.dataDir, `${topic}-0`, 'recovery-point-offset-checkpoint'), 'utf8').trim().split('\n')[2]!.split(' ')[2]);

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
