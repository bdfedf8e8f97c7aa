import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { Cleanup, closeRawConnections, kafkajsClient, kcatReadAll, openWire, rawFetch, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';
import { waitFor } from '../../support/wait-for.js';

// Retention by size and by time, with segments rolled by size and by time, seen through
// clients: the earliest offset moves up, fetching below it is OFFSET_OUT_OF_RANGE, and what is
// left reads back intact. The broker checks retention every 100 ms.

let kafka: EmbeddedKafka;
let bootstrap: string;
let client: Kafka;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka({ config: { 'log.retention.check.interval.ms': 100 } });
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'retention-test');
});
afterEach(async () => {
  await cleanup.run();
  closeRawConnections();
  killChildren();
});
afterAll(() => stopKafkas());

async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function connectedProducer() {
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  return producer;
}

async function earliestAndLatest(topic: string): Promise<[number, number]> {
  const admin = client.admin();
  await admin.connect();
  try {
    const [p] = await admin.fetchTopicOffsets(topic);
    return [Number(p!.low), Number(p!.high)];
  } finally {
    await admin.disconnect();
  }
}

const valueOf = (i: number) => `record-${i}-${'x'.repeat(80)}`;

it('retention.bytes deletes the oldest segments (rolled by segment.bytes) and moves the earliest offset up', async () => {
  const topic = 'retention-bytes';
  await createTopic(topic, { 'segment.bytes': '2048', 'retention.bytes': '6144', 'file.delete.delay.ms': '0' });
  const producer = await connectedProducer();
  const total = 300;
  for (let start = 0; start < total; start += 5) {
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, n) => ({ key: `k${start + n}`, value: valueOf(start + n) })) });
  }
  const log = kafka.broker().instance.replicaManager.partition(topic, 0)!.log;

  // Retention runs on its own; wait until the log is within the limit.
  const [earliest, latest] = await waitFor(
    async () => {
      const offsets = await earliestAndLatest(topic);
      return offsets[0] > 0 && log.size <= 6144 + 2048 ? offsets : undefined;
    },
    { timeoutMs: 20_000, what: 'retention.bytes to delete old segments' },
  );
  expect(latest).toBe(total);
  expect(earliest).toBeGreaterThan(150); // ~8 KiB of ~30 KiB is left
  expect(log.logStartOffset).toBe(earliest);
  expect(log.numberOfSegments).toBeLessThanOrEqual(5);

  // The rest reads back intact from the new start; below it is out of range.
  const lines = await kcatReadAll(bootstrap, topic, '%o %k %s\\n');
  expect(lines).toEqual(Array.from({ length: total - earliest }, (_, n) => `${earliest + n} k${earliest + n} ${valueOf(earliest + n)}`));
  const raw = await openWire(bootstrap);
  expect((await rawFetch(raw, topic, 0, 0)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  expect((await rawFetch(raw, topic, 0, earliest - 1)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  const atStart = await rawFetch(raw, topic, 0, earliest);
  expect(atStart).toMatchObject({ errorCode: ErrorCode.NONE, logStartOffset: earliest, highWatermark: total });
  expect(atStart.records.length).toBeGreaterThan(0);
});

it('retention.ms deletes segments whose newest record is too old; segment.ms rolls by record timestamps', async () => {
  const topic = 'retention-time';
  // Records two hours old are past retention (one hour); segment.ms rolls the segment when a
  // record is more than a minute newer than the segment's first one.
  await createTopic(topic, { 'retention.ms': '3600000', 'segment.ms': '60000', 'file.delete.delay.ms': '0' });
  const producer = await connectedProducer();
  const old = Date.now() - 2 * 3_600_000;
  for (let start = 0; start < 40; start += 10) {
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, n) => ({ key: `old${start + n}`, value: valueOf(start + n), timestamp: String(old + start + n) })) });
  }
  const log = kafka.broker().instance.replicaManager.partition(topic, 0)!.log;
  // The old records share one segment (they are within a minute of each other): nothing to delete yet.
  expect(log.numberOfSegments).toBe(1);
  expect((await earliestAndLatest(topic))[0]).toBe(0);

  // A current record rolls the segment; the old segment is then past retention.
  await producer.send({ topic, messages: [{ key: 'new0', value: 'a current record' }] });
  const [earliest, latest] = await waitFor(
    async () => {
      const offsets = await earliestAndLatest(topic);
      return offsets[0] > 0 ? offsets : undefined;
    },
    { timeoutMs: 20_000, what: 'retention.ms to delete the old segment' },
  );
  expect([earliest, latest]).toEqual([40, 41]);
  expect(log.numberOfSegments).toBe(1);
  expect(await kcatReadAll(bootstrap, topic, '%o %k %s\\n')).toEqual(['40 new0 a current record']);
  const raw = await openWire(bootstrap);
  expect((await rawFetch(raw, topic, 0, 10)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);

  // Current records stay: a retention pass (run here directly) deletes nothing more.
  await producer.send({ topic, messages: [{ key: 'new1', value: 'another current record' }] });
  expect(log.applyRetention()).toBe(0);
  expect(await earliestAndLatest(topic)).toEqual([40, 42]);
});
