import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { CompressionType, RECORD_BATCH_HEADER_SIZE, readBatchHeader, readBatchSize } from '../../../src/protocol/records/index.js';
import { expectSuccess, kafkajsClient, kcat, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';

// kcat 1.7.1 (librdkafka 2.0.2): metadata, and produce + consume with keys, headers and
// every codec, checked byte for byte with -f; the broker stores the producer's codec as is.

const CODECS = [
  { name: 'none', id: CompressionType.None },
  { name: 'gzip', id: CompressionType.Gzip },
  { name: 'snappy', id: CompressionType.Snappy },
  { name: 'lz4', id: CompressionType.Lz4 },
  { name: 'zstd', id: CompressionType.Zstd },
] as const;

const COUNT = 60;
const keyOf = (i: number) => `key-${i}`;
const valueOf = (i: number) => `value ${i} ${'compressible text '.repeat(i % 7)}`.trimEnd();

let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [...CODECS.map((c) => ({ topic: `kcat-${c.name}`, numPartitions: 2 })), ...CODECS.map((c) => ({ topic: `kcat-stored-${c.name}`, numPartitions: 1 }))],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
});
afterEach(() => killChildren());
afterAll(() => stopKafkas());

/** The codec and record count of every batch stored in a partition, read from the log itself. */
function storedBatches(topic: string, partition: number): Array<{ codec: number; records: number }> {
  const log = kafka.broker().instance.replicaManager.partition(topic, partition)!.log;
  const read = log.read(log.logStartOffset, 64 << 20, { maxOffset: log.logEndOffset });
  const out: Array<{ codec: number; records: number }> = [];
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= read.records.length; at += readBatchSize(read.records, at)) {
    const header = readBatchHeader(read.records, at);
    out.push({ codec: header.compression, records: header.lastOffsetDelta + 1 });
  }
  return out;
}

describe('kcat', () => {
  it('lists brokers, topics and partitions (-L, -L -J)', async () => {
    const plain = expectSuccess(await kcat(['-b', bootstrap, '-L', '-t', 'kcat-gzip']), 'kcat -L').stdout;
    const port = kafka.broker().instance.port;
    expect(plain).toContain(' 1 brokers:\n');
    expect(plain).toContain(`  broker 0 at 127.0.0.1:${port} (controller)\n`);
    expect(plain).toContain('  topic "kcat-gzip" with 2 partitions:\n');
    expect(plain).toContain('    partition 0, leader 0, replicas: 0, isrs: 0\n');
    expect(plain).toContain('    partition 1, leader 0, replicas: 0, isrs: 0\n');

    const json = JSON.parse(expectSuccess(await kcat(['-b', bootstrap, '-L', '-J']), 'kcat -L -J').stdout) as {
      controllerid: number;
      brokers: Array<{ id: number; name: string }>;
      topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
    };
    expect(json.controllerid).toBe(0);
    expect(json.brokers).toEqual([{ id: 0, name: `127.0.0.1:${port}` }]);
    const names = json.topics.map((t) => t.topic);
    for (const c of CODECS) expect(names).toContain(`kcat-${c.name}`);
    const topic = json.topics.find((t) => t.topic === 'kcat-zstd')!;
    expect(topic.partitions.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id), p.isrs.map((r) => r.id)])).toEqual([
      [0, 0, [0], [0]],
      [1, 0, [0], [0]],
    ]);
  });

  it.each(CODECS)('produces and consumes with keys, headers and $name compression', async ({ name }) => {
    const topic = `kcat-${name}`;
    const input = Array.from({ length: COUNT }, (_, i) => `${keyOf(i)}:${valueOf(i)}\n`).join('');
    const produceArgs = ['-b', bootstrap, '-t', topic, '-p', '1', '-P', '-K:', '-H', 'h1=v1', '-H', `codec=${name}`, '-X', 'linger.ms=50', '-X', 'message.timeout.ms=20000'];
    if (name !== 'none') produceArgs.push('-z', name);
    expectSuccess(await kcat(produceArgs, { input }), `kcat -P -z ${name}`);

    const out = expectSuccess(await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%t|%p|%o|%k|%s|%h|%K|%S\\n']), `kcat -C ${name}`).stdout;
    const expected = Array.from({ length: COUNT }, (_, i) => `${topic}|1|${i}|${keyOf(i)}|${valueOf(i)}|h1=v1,codec=${name}|${keyOf(i).length}|${valueOf(i).length}\n`).join('');
    expect(out).toBe(expected);

    // Everything went to partition 1.
    expect(kafka.broker().instance.replicaManager.partition(topic, 1)!.logEndOffset).toBe(COUNT);
    expect(kafka.broker().instance.replicaManager.partition(topic, 0)!.logEndOffset).toBe(0);

    // Reading from an offset in the middle: kcat gets exactly the tail.
    const tail = expectSuccess(await kcat(['-b', bootstrap, '-C', '-t', topic, '-p', '1', '-o', String(COUNT - 5), '-e', '-q', '-f', '%o %k\\n']), 'kcat -C -o').stdout;
    expect(tail).toBe(Array.from({ length: 5 }, (_, n) => `${COUNT - 5 + n} ${keyOf(COUNT - 5 + n)}\n`).join(''));
  });

  // librdkafka < 2.10 only compresses with gzip, snappy or lz4 when the broker's advertised
  // Produce range reaches down to v0 (its check is "0..0 overlaps the broker's range",
  // confluentinc/librdkafka#4956); otherwise it logs "Broker does not support compression
  // type" and sends the batches uncompressed. Kafka 4.0 serves no Produce below v3 but still
  // advertises v0 for that reason (KAFKA-18659); so must this broker.
  it.each(CODECS)('receives the batches compressed with $name, as kcat was asked to', async ({ name, id }) => {
    const topic = `kcat-stored-${name}`;
    const input = Array.from({ length: COUNT }, (_, i) => `${keyOf(i)}:${valueOf(i)}\n`).join('');
    const produceArgs = ['-b', bootstrap, '-t', topic, '-p', '0', '-P', '-K:', '-X', 'linger.ms=50', '-X', 'message.timeout.ms=20000', '-X', 'debug=msg'];
    if (name !== 'none') produceArgs.push('-z', name);
    const produced = expectSuccess(await kcat(produceArgs, { input }), `kcat -P -z ${name}`);
    expect(kafka.broker().instance.replicaManager.partition(topic, 0)!.logEndOffset).toBe(COUNT);
    // librdkafka also sends a batch uncompressed when compressing does not make it smaller
    // (a lone record), so look at the batches of more than one record.
    const batches = storedBatches(topic, 0).filter((b) => b.records > 1);
    expect(batches.length).toBeGreaterThan(0);
    const downgrade = /Broker does not support compression type \S+: not compressing batch/.exec(produced.stderr)?.[0] ?? 'no downgrade logged';
    expect(new Set(batches.map((b) => b.codec)), `stored codecs (librdkafka: ${downgrade})`).toEqual(new Set([id]));
  });

  it('consumes through a consumer group (-G) and commits the offsets', async () => {
    const topic = 'kcat-zstd';
    const group = 'kcat-group';
    const out = expectSuccess(
      await kcat(['-b', bootstrap, '-G', group, '-X', 'auto.offset.reset=earliest', '-c', String(COUNT), '-q', '-f', '%p %o %k\\n', topic], { timeoutMs: 40_000 }),
      'kcat -G',
    ).stdout;
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines).toEqual(Array.from({ length: COUNT }, (_, i) => `1 ${i} ${keyOf(i)}`));
    // kcat commits on close: the group resumes at the end.
    const admin = kafkajsClient(bootstrap).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(offsets[0]!.partitions.find((p) => p.partition === 1)!.offset).toBe(String(COUNT));
    } finally {
      await admin.disconnect();
    }
  });
});
