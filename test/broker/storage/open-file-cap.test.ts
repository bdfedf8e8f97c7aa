import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { kafkajsClient, removeTempDirs, startKafka, stopKafkas, tempDir } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// One broker whose segment and index files are capped at 8 open at once
// (streamwright.log.max.open.files): every file beyond that is closed, least recently used
// first, and reopened by its next read or write. Real kafkajs clients never notice.

const MAX_OPEN_FILES = 8;
let kafka: EmbeddedKafka;
let dataDir: string;
let client: Kafka;

beforeAll(async () => {
  dataDir = tempDir('streamwright-open-files-');
  kafka = await startKafka({ dataDir, config: { 'streamwright.log.max.open.files': MAX_OPEN_FILES, 'group.initial.rebalance.delay.ms': 0 } });
  client = kafkajsClient(kafka.bootstrapServers[0]!, 'open-file-cap');
});

afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

/** Files of the data directory this process holds open right now (read from /proc, not from the broker). */
function openDataFiles(): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dataDir)) open.push(target);
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  return open;
}

async function createTopic(topic: string, numPartitions: number, configEntries: Array<{ name: string; value: string }> = []): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }] });
  } finally {
    await admin.disconnect();
  }
}

/** Reads `topic` from the beginning with a kafkajs consumer group until `count` records arrived; values by partition. */
async function consumeAll(topic: string, count: number, groupId: string): Promise<Map<number, string[]>> {
  const consumer = client.consumer({ groupId, maxWaitTimeInMs: 100 });
  const byPartition = new Map<number, string[]>();
  let received = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const list = byPartition.get(partition) ?? [];
        list.push(message.value!.toString());
        byPartition.set(partition, list);
        received++;
      },
    });
    await waitFor(() => received >= count, { timeoutMs: 25_000, what: `${count} records of ${topic} (got ${received})` });
  } finally {
    await consumer.disconnect();
  }
  return byPartition;
}

it('produces to and consumes from 50 partitions with 8 open files, without a client error', async () => {
  await createTopic('wide', 50);
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let round = 0; round < 3; round++) {
      const results = await producer.send({
        topic: 'wide',
        acks: -1,
        messages: Array.from({ length: 50 }, (_, partition) => ({ partition, value: `p${partition}-r${round}` })),
      });
      expect(results.every((r) => r.errorCode === 0)).toBe(true);
      expect(openDataFiles().length).toBeLessThanOrEqual(MAX_OPEN_FILES);
    }
  } finally {
    await producer.disconnect();
  }
  const byPartition = await consumeAll('wide', 150, 'wide-readers');
  expect(byPartition.size).toBe(50);
  for (let partition = 0; partition < 50; partition++) {
    expect(byPartition.get(partition)).toEqual([0, 1, 2].map((round) => `p${partition}-r${round}`));
  }
  expect(openDataFiles().length).toBeLessThanOrEqual(MAX_OPEN_FILES);
});

it('acknowledges an append only once its bytes are in the segment file', async () => {
  await createTopic('acked', 1);
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < 5; i++) {
      const value = `acknowledged-record-${i}-${'x'.repeat(40)}`;
      const [result] = await producer.send({ topic: 'acked', acks: 1, messages: [{ partition: 0, value }] });
      expect(result!.baseOffset).toBe(String(i));
      // Read straight from the file, by another descriptor: the write happened before the answer.
      const file = readFileSync(join(dataDir, 'acked-0', '00000000000000000000.log'));
      expect(file.includes(Buffer.from(value))).toBe(true);
    }
  } finally {
    await producer.disconnect();
  }
});

it('serves old segments whose files were closed, and recovers them after a crash', async () => {
  // 1 KiB segments: 60 records of ~120 bytes each make about ten segments, all but one closed
  // by the cap as the other partitions are written.
  await createTopic('aged', 1, [{ name: 'segment.bytes', value: '1024' }]);
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const values = Array.from({ length: 60 }, (_, i) => `aged-${String(i).padStart(3, '0')}-${'v'.repeat(100)}`);
  await producer.connect();
  try {
    for (const value of values) await producer.send({ topic: 'aged', acks: -1, messages: [{ partition: 0, value }] });
    // Touch other partitions' files so the aged topic's segments lose their descriptors.
    await producer.send({ topic: 'wide', acks: -1, messages: Array.from({ length: 50 }, (_, partition) => ({ partition, value: `after-${partition}` })) });
  } finally {
    await producer.disconnect();
  }
  const segments = readdirSync(join(dataDir, 'aged-0')).filter((n) => n.endsWith('.log'));
  expect(segments.length).toBeGreaterThan(5);
  expect(openDataFiles().filter((f) => f.includes('/aged-0/')).length).toBeLessThan(segments.length);

  expect((await consumeAll('aged', 60, 'aged-readers')).get(0)).toEqual(values);

  // A crash: nothing flushed or closed cleanly; recovery re-reads the segments through the cap.
  await kafka.broker().kill();
  await kafka.broker().restart();
  expect((await consumeAll('aged', 60, 'aged-readers-after-crash')).get(0)).toEqual(values);
  const again = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await again.connect();
  try {
    const [result] = await again.send({ topic: 'aged', acks: -1, messages: [{ partition: 0, value: 'after-the-crash' }] });
    expect(result!.baseOffset).toBe('60');
  } finally {
    await again.disconnect();
  }
  expect(openDataFiles().length).toBeLessThanOrEqual(MAX_OPEN_FILES);
});
