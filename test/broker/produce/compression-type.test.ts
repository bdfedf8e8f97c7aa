/**
 * Topic compression.type is honoured: a batch in another codec than the topic's is stored in
 * the topic's codec (Kafka recompresses on append); `producer` keeps the producer's codec.
 * The stored codec is read from the log, and real consumers read the records back intact.
 */
import { CompressionTypes, Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { scanBlob } from '../../../src/protocol/records/index.js';
import { Cleanup, expectSuccess, kafkajsClient, kcat, kcatReadAll, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';

let kafka: EmbeddedKafka;
let bootstrap: string;
let client: Kafka;
const cleanup = new Cleanup();

const TOPICS: Record<string, string> = { 'ct-zstd': 'zstd', 'ct-uncompressed': 'uncompressed', 'ct-lz4': 'lz4', 'ct-gzip': 'gzip', 'ct-snappy': 'snappy', 'ct-producer': 'producer' };

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'compression-type-test');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.entries(TOPICS).map(([topic, type]) => ({ topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: type }] })),
    waitForLeaders: true,
  });
  await admin.disconnect();
});
afterEach(async () => {
  await cleanup.run();
  killChildren();
});
afterAll(() => stopKafkas());

/** The codec id of every batch stored in partition 0 of `topic`. */
function storedCodecs(topic: string): number[] {
  const records = kafka.broker().instance.replicaManager.partition(topic, 0)!.read(0, 1 << 24, 0, true).records;
  return scanBlob(records).batches.map((b) => b.header.compression);
}

const MESSAGES = Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, value: `value ${i} `.repeat(20), headers: { 'trace-id': `t${i}` } }));

async function sendWithKafkajs(topic: string, compression: CompressionTypes, idempotent = false): Promise<void> {
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent, ...(idempotent ? { maxInFlightRequests: 1 } : {}) });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, compression, messages: MESSAGES.slice(0, 10).map((m) => ({ ...m, partition: 0 })) });
  await producer.send({ topic, compression, messages: MESSAGES.slice(10).map((m) => ({ ...m, partition: 0 })) });
  await producer.disconnect();
}

/** Every record of partition 0 read by a kafkajs consumer: `offset key value trace-id`. */
async function readWithKafkajs(topic: string, count: number): Promise<string[]> {
  const consumer = client.consumer({ groupId: `reader-${topic}` });
  await consumer.connect();
  cleanup.add(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.push(`${message.offset} ${message.key?.toString()} ${message.value?.toString()} ${message.headers?.['trace-id']?.toString()}`);
          if (seen.length === count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

const expected = (format: (m: (typeof MESSAGES)[number], offset: number) => string) => MESSAGES.map((m, i) => format(m, i));

describe('compression.type', () => {
  it('stores a kafkajs gzip batch uncompressed in an uncompressed topic; kafkajs and kcat read it back', { timeout: 60_000 }, async () => {
    await sendWithKafkajs('ct-uncompressed', CompressionTypes.GZIP);
    expect(storedCodecs('ct-uncompressed')).toEqual([0, 0]);
    expect(await readWithKafkajs('ct-uncompressed', 20)).toEqual(expected((m, o) => `${o} ${m.key} ${m.value} ${m.headers['trace-id']}`));
    expect(await kcatReadAll(bootstrap, 'ct-uncompressed', '%o %k %h\\n')).toEqual(expected((m, o) => `${o} ${m.key} trace-id=${m.headers['trace-id']}`));
  });

  it('recompresses kafkajs gzip batches (idempotent) to zstd in a zstd topic; kcat reads them back', { timeout: 60_000 }, async () => {
    await sendWithKafkajs('ct-zstd', CompressionTypes.GZIP, true);
    expect(storedCodecs('ct-zstd')).toEqual([4, 4]);
    expect(await kcatReadAll(bootstrap, 'ct-zstd', '%o %k %s|%h\\n')).toEqual(expected((m, o) => `${o} ${m.key} ${m.value}|trace-id=${m.headers['trace-id']}`));
  });

  it('compresses uncompressed kafkajs batches in a gzip topic; kafkajs reads them back', { timeout: 60_000 }, async () => {
    await sendWithKafkajs('ct-gzip', CompressionTypes.None);
    expect(storedCodecs('ct-gzip')).toEqual([1, 1]);
    expect(await readWithKafkajs('ct-gzip', 20)).toEqual(expected((m, o) => `${o} ${m.key} ${m.value} ${m.headers['trace-id']}`));
  });

  it('recompresses kcat zstd to lz4 and gzip to snappy; keeps the producer codec with compression.type=producer', { timeout: 60_000 }, async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `k${i}:value number ${i}`).join('\n') + '\n';
    const send = async (topic: string, codec: string) =>
      expectSuccess(await kcat(['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-z', codec, '-X', 'linger.ms=50'], { input: lines }), `kcat -P ${topic}`);
    await send('ct-lz4', 'zstd');
    await send('ct-snappy', 'gzip');
    await send('ct-producer', 'zstd');
    const want = Array.from({ length: 50 }, (_, i) => `${i} k${i} value number ${i}`);
    for (const [topic, codec] of [['ct-lz4', 3], ['ct-snappy', 2], ['ct-producer', 4]] as const) {
      const codecs = storedCodecs(topic);
      expect(codecs.length, topic).toBeGreaterThan(0);
      expect(new Set(codecs), topic).toEqual(new Set([codec]));
      expect(await kcatReadAll(bootstrap, topic, '%o %k %s\\n'), topic).toEqual(want);
    }
  });
});
