import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { CompressionType, RECORD_BATCH_HEADER_SIZE, readBatchHeader, readBatchSize } from '../../../src/protocol/records/index.js';
import { expectSuccess, kafkajsClient, PYTHON, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { killChildren, runProcess } from '../../support/produced-batches.js';

// confluent-kafka 1.7.0 (librdkafka 2.0.2) and kafka-python 2.0.2 (Debian, /usr/bin/python3):
// each produces with gzip (the one codec Debian's kafka-python can read), and what it
// produced is read back by both, once with assign() and once through a consumer group.

const SCRIPT = join(import.meta.dirname, 'python_clients.py');
const COUNT = 200;

type Client = 'confluent' | 'kafkapython';
type Row = [partition: number, offset: number, key: string, value: string, headers: Array<[string, string]>];

let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'py-confluent', numPartitions: 2 }, { topic: 'py-kafkapython', numPartitions: 2 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
});
afterEach(() => killChildren());
afterAll(() => stopKafkas());

async function py(client: Client, action: string, topic: string, group?: string): Promise<unknown> {
  const args = [SCRIPT, client, action, bootstrap, topic, String(COUNT), ...(group ? [group] : [])];
  const result = expectSuccess(await runProcess(PYTHON, args, { timeoutMs: 45_000 }), `${client} ${action}`);
  const last = result.stdout.trim().split('\n').pop()!;
  return JSON.parse(last);
}

function expected(client: Client): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < COUNT; i++) {
    rows.push([i % 2, Math.floor(i / 2), `${client}-key-${i}`, `${client} value ${i} ${'repetitive payload '.repeat(i % 5)}`, [['index', String(i)], ['client', client]]]);
  }
  return rows;
}

const sorted = (rows: Row[]) => [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** Checks that each partition's records arrived in offset order, then compares the sets. */
function expectSameRecords(actual: Row[], client: Client): void {
  for (const partition of [0, 1]) {
    const offsets = actual.filter((r) => r[0] === partition).map((r) => r[1]);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  }
  expect(sorted(actual)).toEqual(sorted(expected(client)));
}

function storedCodecs(topic: string, partition: number): number[] {
  const log = kafka.broker().instance.replicaManager.partition(topic, partition)!.log;
  const read = log.read(log.logStartOffset, 64 << 20, { maxOffset: log.logEndOffset });
  const codecs: number[] = [];
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= read.records.length; at += readBatchSize(read.records, at)) codecs.push(readBatchHeader(read.records, at).compression);
  return codecs;
}

async function committed(group: string, topic: string): Promise<string[]> {
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return offsets[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  } finally {
    await admin.disconnect();
  }
}

describe.each([
  { producer: 'confluent' as const, codec: CompressionType.Gzip, groupReader: 'kafkapython' as const },
  { producer: 'kafkapython' as const, codec: CompressionType.Gzip, groupReader: 'confluent' as const },
])('$producer producer', ({ producer, codec, groupReader }) => {
  const topic = `py-${producer}`;

  it('produces with keys and headers and gets the offsets acknowledged', { timeout: 60_000 }, async () => {
    const { offsets } = (await py(producer, 'produce', topic)) as { offsets: Array<[number, number]> };
    expect(offsets).toEqual(expected(producer).map((r) => [r[0], r[1]]));
    for (const partition of [0, 1]) {
      expect(kafka.broker().instance.replicaManager.partition(topic, partition)!.logEndOffset).toBe(COUNT / 2);
      // Stored as sent: gzip batches, except that both clients send a batch uncompressed when
      // gzip would not make it smaller (a lone small record when linger.ms expires).
      const codecs = storedCodecs(topic, partition);
      expect(codecs).toContain(codec);
      for (const c of codecs) expect([codec, CompressionType.None]).toContain(c);
    }
  });

  it.each(['confluent', 'kafkapython'] as const)('is read back with assign() by %s', { timeout: 60_000 }, async (reader) => {
    const rows = (await py(reader, 'assign', topic)) as Row[];
    expectSameRecords(rows, producer);
  });

  it(`is read back through a consumer group by ${groupReader}, which commits`, { timeout: 60_000 }, async () => {
    const group = `py-group-${producer}-${groupReader}`;
    const rows = (await py(groupReader, 'group', topic, group)) as Row[];
    expectSameRecords(rows, producer);
    expect(await committed(group, topic)).toEqual([String(COUNT / 2), String(COUNT / 2)]);
  });
});
