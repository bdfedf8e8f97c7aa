import { ConfigResourceTypes, Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { Cleanup, kafkajsClient, kcatReadAll, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';
import { waitFor } from '../../support/wait-for.js';

// cleanup.policy=compact, proved by reading the topic back with kcat: only the last value of
// each key is left, at the offset it was written at; tombstones stay for delete.retention.ms
// and then go. The cleaner looks for dirty logs every 100 ms (log.cleaner.backoff.ms). Topics are
// created with cleanup.policy=delete (and no retention) and switched to compact by AlterConfigs once
// everything is written, so the cleaner cannot merge segments while the test is still producing.

let kafka: EmbeddedKafka;
let bootstrap: string;
let client: Kafka;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka({ config: { 'log.cleaner.backoff.ms': 100 } });
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'compaction-test');
});
afterEach(async () => {
  await cleanup.run();
  killChildren();
});
afterAll(() => stopKafkas());

const KEYS = 20;
const ROUNDS = 8;
const TOMBSTONED = [0, 1, 2, 3, 4];
const FILLERS = 30;

/**
 * Writes ROUNDS values for each key, then tombstones for TOMBSTONED, then FILLERS records with
 * unique keys so that all of that lies in closed (cleanable) segments. Returns the offset of
 * every record written, by key (last write wins).
 */
async function produceCompactable(topic: string): Promise<{ lastOffset: Map<string, number>; lastValue: Map<string, string | null>; end: number }> {
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  const lastOffset = new Map<string, number>();
  const lastValue = new Map<string, string | null>();
  let end = 0;
  const send = async (messages: Array<{ key: string; value: string | null }>) => {
    const [result] = await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ partition: 0, ...m })) });
    const base = Number(result!.baseOffset);
    expect(base).toBe(end);
    messages.forEach((m, i) => {
      lastOffset.set(m.key, base + i);
      lastValue.set(m.key, m.value);
    });
    end = base + messages.length;
  };
  for (let round = 0; round < ROUNDS; round++) await send(Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `value-${round}-of-key-${k}` })));
  await send(TOMBSTONED.map((k) => ({ key: `key-${k}`, value: null })));
  for (let f = 0; f < FILLERS; f += 5) await send(Array.from({ length: 5 }, (_, n) => ({ key: `filler-${f + n}`, value: `filler value ${f + n}` })));
  return { lastOffset, lastValue, end };
}

const compactedTopicConfigs = (policy: 'delete' | 'compact', deleteRetentionMs: number) => [
  { name: 'cleanup.policy', value: policy },
  { name: 'retention.ms', value: '-1' },
  { name: 'segment.bytes', value: '1024' },
  { name: 'min.cleanable.dirty.ratio', value: '0.01' },
  { name: 'delete.retention.ms', value: String(deleteRetentionMs) },
  { name: 'file.delete.delay.ms', value: '0' },
];

/** Creates the topic with cleanup.policy=delete: nothing is cleaned until {@link enableCompaction}. */
async function createCompactedTopic(topic: string, deleteRetentionMs: number): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: compactedTopicConfigs('delete', deleteRetentionMs) }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Switches the topic to cleanup.policy=compact (AlterConfigs replaces the whole set, so all of it is sent). */
async function enableCompaction(topic: string, deleteRetentionMs: number): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: compactedTopicConfigs('compact', deleteRetentionMs) }],
    });
  } finally {
    await admin.disconnect();
  }
}

/** `offset key value` for every record kcat reads (NULL for a tombstone's value). */
const readTopic = (topic: string) => kcatReadAll(bootstrap, topic, '%o %k %s\\n');

describe('log compaction', () => {
  it('keeps only the last value of each key, at its original offset, and drops tombstones after delete.retention.ms', { timeout: 60_000 }, async () => {
    const topic = 'compacted-tombstones-expire';
    await createCompactedTopic(topic, 0);
    const { lastOffset, lastValue, end } = await produceCompactable(topic);
    const log = kafka.broker().instance.replicaManager.partition(topic, 0)!.log;
    expect(log.numberOfSegments).toBeGreaterThan(5);
    await enableCompaction(topic, 0);
    const totalWritten = ROUNDS * KEYS + TOMBSTONED.length + FILLERS;
    expect(end).toBe(totalWritten);

    // What must be left: the last value of every live key; no tombstone (delete.retention.ms=0).
    const survivors = [...lastOffset.entries()]
      .filter(([key]) => lastValue.get(key) !== null)
      .sort((a, b) => a[1] - b[1])
      .map(([key, offset]) => `${offset} ${key} ${lastValue.get(key)}`);
    expect(survivors).toHaveLength(KEYS - TOMBSTONED.length + FILLERS);

    let lines: string[] = [];
    await waitFor(
      async () => {
        lines = await readTopic(topic);
        return JSON.stringify(lines) === JSON.stringify(survivors);
      },
      { timeoutMs: 40_000, intervalMs: 250, what: 'compaction to leave one record per key and no tombstones' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nread back (${lines.length} records):\n${lines.slice(0, 60).join('\n')}`);
    });
    expect(lines).toEqual(survivors);
    // Offsets are kept: the log still ends where it did, and starts at 0 or above.
    const offsets = await kcatReadAll(bootstrap, topic, '%o\\n');
    expect(Number(offsets.at(-1))).toBe(end - 1);
    expect(log.logEndOffset).toBe(end);
    expect(log.size).toBeLessThan(totalWritten * 40);
  });

  it('keeps tombstones while delete.retention.ms has not passed', { timeout: 60_000 }, async () => {
    const topic = 'compacted-tombstones-kept';
    await createCompactedTopic(topic, 3_600_000);
    const { lastOffset, lastValue } = await produceCompactable(topic);
    await enableCompaction(topic, 3_600_000);
    const expected = [...lastOffset.entries()]
      .sort((a, b) => a[1] - b[1])
      .map(([key, offset]) => `${offset} ${key} ${lastValue.get(key) ?? 'NULL'}`);
    expect(expected.filter((l) => l.endsWith(' NULL'))).toHaveLength(TOMBSTONED.length);

    let lines: string[] = [];
    await waitFor(
      async () => {
        lines = await readTopic(topic);
        return JSON.stringify(lines) === JSON.stringify(expected);
      },
      { timeoutMs: 40_000, intervalMs: 250, what: 'compaction to leave the last record per key, tombstones included' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nread back (${lines.length} records):\n${lines.slice(0, 60).join('\n')}`);
    });
    expect(lines).toEqual(expected);
  });
});
