import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { CompressionType, RECORD_BATCH_HEADER_SIZE, readBatchHeader, readBatchSize } from '../../../src/protocol/records/index.js';
import { Cleanup, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// @platformatic/kafka 1.35.0 only speaks flexible versions (Metadata >= 9, Fetch >= 12 with
// topic ids from 13, FindCoordinator >= 4, JoinGroup >= 6, OffsetCommit/OffsetFetch >= 8).

const COUNT = 300;
let kafka: EmbeddedKafka;
let bootstrap: string;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
});
afterEach(() => cleanup.run());
afterAll(() => stopKafkas());

const base = () => ({ bootstrapBrokers: [bootstrap], timeout: 20_000, retries: 5, retryDelay: 200 });

function storedCodecs(topic: string, partition: number): number[] {
  const log = kafka.broker().instance.replicaManager.partition(topic, partition)!.log;
  const read = log.read(log.logStartOffset, 64 << 20, { maxOffset: log.logEndOffset });
  const codecs: number[] = [];
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= read.records.length; at += readBatchSize(read.records, at)) codecs.push(readBatchHeader(read.records, at).compression);
  return codecs;
}

describe('@platformatic/kafka', () => {
  it('creates a topic, produces gzip records with keys and headers, and consumes them through a group', { timeout: 60_000 }, async () => {
    const topic = 'platformatic-topic';
    const admin = new Admin({ clientId: 'pl-admin', ...base() });
    cleanup.add(() => admin.close());
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    const metadata = await admin.metadata({ topics: [topic] });
    expect(metadata.topics.get(topic)!.partitionsCount).toBe(3);
    expect((await admin.listTopics()).includes(topic)).toBe(true);

    const producer = new Producer({ clientId: 'pl-producer', ...base(), serializers: stringSerializers, compression: 'gzip', acks: -1 });
    cleanup.add(() => producer.close());
    const valueOf = (i: number) => `platformatic value ${i} ${'gzip me '.repeat(i % 9)}`;
    const acknowledged: Array<{ partition: number; offset: bigint }> = [];
    for (let start = 0; start < COUNT; start += 50) {
      const messages = [];
      for (let i = start; i < start + 50; i++) messages.push({ topic, key: `pk-${i}`, value: valueOf(i), partition: i % 3, headers: { index: String(i), client: 'platformatic' } });
      const result = await producer.send({ messages });
      for (const o of result.offsets ?? []) acknowledged.push({ partition: o.partition, offset: BigInt(o.offset) });
    }
    // The acknowledged offsets are where each batch landed.
    expect(acknowledged.length).toBeGreaterThan(0);
    for (let p = 0; p < 3; p++) {
      expect(kafka.broker().instance.replicaManager.partition(topic, p)!.logEndOffset).toBe(COUNT / 3);
      expect(new Set(storedCodecs(topic, p))).toEqual(new Set([CompressionType.Gzip]));
    }

    const consumer = new Consumer({ clientId: 'pl-consumer', groupId: 'platformatic-group', ...base(), deserializers: stringDeserializers, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTime: 500 });
    cleanup.add(() => consumer.close(true));
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    const received: Array<Message<string, string, string, string>> = [];
    stream.on('data', (message: Message<string, string, string, string>) => received.push(message));
    await waitFor(() => received.length >= COUNT, { timeoutMs: 40_000, what: `${COUNT} records (have ${received.length})` });
    expect(received).toHaveLength(COUNT);

    for (let p = 0; p < 3; p++) {
      const mine = received.filter((m) => m.partition === p);
      expect(mine.map((m) => m.offset)).toEqual(Array.from({ length: COUNT / 3 }, (_, n) => BigInt(n)));
      mine.forEach((m, n) => {
        const i = n * 3 + p;
        expect(m.topic).toBe(topic);
        expect(m.key).toBe(`pk-${i}`);
        expect(m.value).toBe(valueOf(i));
        expect(m.headers.get('index')).toBe(String(i));
        expect(m.headers.get('client')).toBe('platformatic');
      });
    }

    // Commit the last message of each partition (OffsetCommit v8+) and read it back (OffsetFetch v8+).
    for (let p = 0; p < 3; p++) await received.filter((m) => m.partition === p).pop()!.commit();
    const committed = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1, 2] }] });
    expect(committed.get(topic)).toEqual([BigInt(COUNT / 3), BigInt(COUNT / 3), BigInt(COUNT / 3)]);
    await stream.close();
  });
});
