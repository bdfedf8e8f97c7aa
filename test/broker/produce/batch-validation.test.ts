/**
 * The Produce path validates batches as Kafka's LogValidator does, against a real broker:
 * compressed batches are inflated as a stream, so a decompression bomb costs the broker almost
 * no memory and is never stored; malformed inner records and per-record rule breaks are
 * refused with Kafka's codes and recordErrors.
 */
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { CompressionTypes, Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { compressSync } from '../../../src/protocol/compression/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { decodeRecordBatchesSync, encodeRecordBatchSync, recomputeCrc, writeRecord, type RecordBatchInput } from '../../../src/protocol/records/index.js';
import { ByteWriter } from '../../../src/protocol/primitives/byte-writer.js';
import { Cleanup, closeRawConnections, kafkajsClient, openRaw, startKafka, stopKafkas } from '../../support/broker-harness.js';

const MiB = 1024 * 1024;
const TOPIC = 'validated';
const COMPACTED = 'validated-compacted';
const STRICT_TIME = 'validated-strict-time';

let kafka: EmbeddedKafka;
let bootstrap: string;
let client: Kafka;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'batch-validation-test');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: TOPIC, numPartitions: 1 },
      { topic: COMPACTED, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: STRICT_TIME, numPartitions: 1, configEntries: [{ name: 'message.timestamp.before.max.ms', value: '3600000' }] },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
});
afterEach(async () => {
  await cleanup.run();
  closeRawConnections();
});
afterAll(() => stopKafkas());

// ---------------------------------------------------------------------------------------------
// Building batches by hand

/** A magic-2 batch header around `payload` (already compressed with `codec`), CRC computed. */
function batchAround(payload: Buffer, codec: number, recordsCount: number, timestamp = Date.now()): Buffer {
  const batch = Buffer.alloc(61 + payload.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(codec, 21);
  batch.writeInt32BE(recordsCount - 1, 23);
  batch.writeBigInt64BE(BigInt(timestamp), 27);
  batch.writeBigInt64BE(BigInt(timestamp), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(recordsCount, 57);
  payload.copy(batch, 61);
  recomputeCrc(batch, 0);
  return batch;
}

/** A zigzag varint, as records encode lengths. */
function varint(value: number): Buffer {
  const writer = new ByteWriter(10);
  writer.writeVarint(value);
  return writer.finish();
}

/** The bytes of one record with no key, a `valueLength`-byte value of zeros (not included), no headers: [before the value, after it]. */
function recordAroundValue(valueLength: number): [Buffer, Buffer] {
  const fields = Buffer.concat([Buffer.from([0, 0, 0]), varint(-1), varint(valueLength)]); // attributes, timestampDelta, offsetDelta, key, value length
  const bodyLength = fields.length + valueLength + 1;
  return [Buffer.concat([varint(bodyLength), fields]), Buffer.from([0])]; // header count
}

/** Gzips `pieces` (a piece repeated `times`) as a stream: the bomb is built without holding what it inflates to. */
async function gzipPieces(pieces: Array<{ bytes: Buffer; times: number }>): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  for (const { bytes, times } of pieces) {
    for (let i = 0; i < times; i++) if (!gzip.write(bytes)) await once(gzip, 'drain');
  }
  gzip.end();
  await once(gzip, 'end');
  return Buffer.concat(out);
}

/**
 * A zstd frame of `blocks` RLE blocks of 128 KiB zeros each, written by hand (zstd's format
 * spec): 2048 blocks are 256 MiB in about 8 KiB.
 */
function zstdZeroBomb(blocks: number): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 13 << 3]); // magic, no content size, window 8 MiB
  const block = (last: boolean) => {
    const word = ((128 * 1024) << 3) | (1 << 1) | (last ? 1 : 0); // size, type RLE, last
    return Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0]);
  };
  return Buffer.concat([header, ...Array.from({ length: blocks }, (_, i) => block(i === blocks - 1))]);
}

// ---------------------------------------------------------------------------------------------
// Talking to the broker

interface PartitionAnswer {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  recordErrors: Array<{ batchIndex: number; batchIndexErrorMessage: string | null }>;
}

async function produce(topic: string, records: Buffer): Promise<PartitionAnswer> {
  const connection = await openRaw(bootstrap);
  const response = await connection.request(
    ApiKeys.Produce,
    9,
    { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] },
    60_000,
  );
  connection.destroy();
  return response.responses[0]!.partitionResponses[0]!;
}

async function logEnd(topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    return Number((await admin.fetchTopicOffsets(topic))[0]!.high);
  } finally {
    await admin.disconnect();
  }
}

/** The peak resident set of this process (the broker runs in it), and its ArrayBuffer bytes now. */
function memory(): { peakRss: number; arrayBuffers: number } {
  return { peakRss: process.resourceUsage().maxRSS * 1024, arrayBuffers: process.memoryUsage().arrayBuffers };
}

const MEMORY_BOUND = 100 * MiB;

describe('decompression bombs', () => {
  it('refuses a zstd batch of 8 KiB that inflates to 256 MiB before inflating it, and stores nothing', { timeout: 60_000 }, async () => {
    const bomb = batchAround(zstdZeroBomb(2048), 4, 1);
    expect(bomb.length).toBeLessThan(9 * 1024);
    const before = memory();
    const answer = await produce(TOPIC, bomb);
    expect(answer.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(answer.errorMessage).toContain('268435456');
    expect(memory().peakRss - before.peakRss).toBeLessThan(MEMORY_BOUND);
    expect(await logEnd(TOPIC)).toBe(0);
  });

  it('refuses a gzip batch of zeros (256 KiB inflating to 256 MiB) at its first record, and stores nothing', { timeout: 60_000 }, async () => {
    const zeros = Buffer.alloc(MiB);
    const bomb = batchAround(await gzipPieces([{ bytes: zeros, times: 256 }]), 1, 1);
    expect(bomb.length).toBeLessThan(300 * 1024);
    const before = memory();
    const answer = await produce(TOPIC, bomb);
    expect(answer.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(answer.errorMessage).toContain('invalid record length 0');
    expect(memory().peakRss - before.peakRss).toBeLessThan(MEMORY_BOUND);
    expect(await logEnd(TOPIC)).toBe(0);
  });

  it('streams through a well-formed gzip record with a 256 MiB value and stops at the inflated-size limit, storing nothing', { timeout: 60_000 }, async () => {
    const [head, tail] = recordAroundValue(256 * MiB);
    const bomb = batchAround(await gzipPieces([{ bytes: head, times: 1 }, { bytes: Buffer.alloc(MiB), times: 256 }, { bytes: tail, times: 1 }]), 1, 1);
    const before = memory();
    const answer = await produce(TOPIC, bomb);
    expect(answer.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(answer.errorMessage).toContain('once decompressed');
    const after = memory();
    expect(after.peakRss - before.peakRss).toBeLessThan(MEMORY_BOUND);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(MEMORY_BOUND);
    expect(await logEnd(TOPIC)).toBe(0);
  });

  it('accepts a well-formed gzip record whose value inflates to 40 MiB (under the limit) without holding it', { timeout: 60_000 }, async () => {
    const [head, tail] = recordAroundValue(40 * MiB);
    const batch = batchAround(await gzipPieces([{ bytes: head, times: 1 }, { bytes: Buffer.alloc(MiB), times: 40 }, { bytes: tail, times: 1 }]), 1, 1);
    const end = await logEnd(TOPIC);
    const before = memory();
    const stored = await produce(TOPIC, batch);
    expect(stored.errorCode).toBe(ErrorCode.NONE);
    expect(memory().peakRss - before.peakRss).toBeLessThan(MEMORY_BOUND);
    expect(await logEnd(TOPIC)).toBe(end + 1);
  });
});

describe('inner records', () => {
  const encode = (input: RecordBatchInput) => encodeRecordBatchSync(input);

  it.each([
    { name: 'gzip', codec: 1 },
    { name: 'snappy', codec: 2 },
    { name: 'lz4', codec: 3 },
    { name: 'zstd', codec: 4 },
  ])('refuses a $name batch whose records do not match its count or framing with CORRUPT_MESSAGE, and stores nothing', async ({ codec }) => {
    const end = await logEnd(TOPIC);
    const writer = new ByteWriter(256);
    for (let i = 0; i < 2; i++) writeRecord(writer, { attributes: 0, timestampDelta: 0, offsetDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from('v'), headers: [] });
    const records = writer.finish();
    // Three declared, two present.
    const short = await produce(TOPIC, batchAround(compressSync(codec as 1, records), codec, 3));
    expect(short.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(short.errorMessage).toMatch(/record count 3 does not fit|batch ends after 2 of 3 records/);
    // A record length that overruns its fields.
    const broken = Buffer.from(records);
    broken[0] = broken[0]! + 2;
    expect((await produce(TOPIC, batchAround(compressSync(codec as 1, broken), codec, 2))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    // Bytes that are not the codec's.
    expect((await produce(TOPIC, batchAround(Buffer.from('not compressed at all'), codec, 2))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await logEnd(TOPIC)).toBe(end);
    // The well-formed batch is stored.
    expect((await produce(TOPIC, batchAround(compressSync(codec as 1, records), codec, 2))).errorCode).toBe(ErrorCode.NONE);
    expect(await logEnd(TOPIC)).toBe(end + 2);
  });

  it('refuses records without a key on a compacted topic with INVALID_RECORD and their batch indexes, in a compressed batch too', async () => {
    for (const compression of [0, 1, 4]) {
      const batch = encode({ compression, records: [{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: 'c', value: '3' }, { value: '4' }] } as RecordBatchInput);
      const answer = await produce(COMPACTED, batch);
      expect(answer.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(answer.recordErrors.map((e) => e.batchIndex)).toEqual([1, 3]);
      expect(answer.recordErrors[0]!.batchIndexErrorMessage).toContain('Compacted topic cannot accept message without key');
    }
    expect(await logEnd(COMPACTED)).toBe(0);
    // kafkajs sees the same refusal.
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
    await producer.connect();
    cleanup.add(() => producer.disconnect());
    await expect(producer.send({ topic: COMPACTED, compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: 'v' }, { value: 'no key' }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
    await producer.send({ topic: COMPACTED, compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: 'v' }] });
    expect(await logEnd(COMPACTED)).toBe(1);
  });

  it('checks every record timestamp against message.timestamp.before.max.ms, not only the batch maxTimestamp', async () => {
    const now = Date.now();
    const old = now - 2 * 3600_000;
    for (const compression of [0, 1, 4]) {
      const batch = encode({ compression, baseTimestamp: now, maxTimestamp: now, records: [{ value: 'fresh', timestamp: now }, { value: 'stale', timestamp: old }] } as RecordBatchInput);
      const answer = await produce(STRICT_TIME, batch);
      expect(answer.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
      expect(answer.recordErrors).toEqual([{ batchIndex: 1, batchIndexErrorMessage: expect.stringContaining(`Timestamp ${old} of message`) }]);
    }
    expect(await logEnd(STRICT_TIME)).toBe(0);
  });

  it('refuses a batch stamped LogAppendTime by the producer on a LogAppendTime topic, and two batches in one partition', async () => {
    const appendTime = encode({ timestampType: 1, records: [{ value: 'x' }] } as RecordBatchInput);
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'validated-append-time', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }], waitForLeaders: true });
    await admin.disconnect();
    const answer = await produce('validated-append-time', appendTime);
    expect(answer.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(answer.recordErrors[0]!.batchIndexErrorMessage).toContain('Producer should not set timestamp type to LogAppendTime');

    const end = await logEnd(TOPIC);
    const two = Buffer.concat([encode({ records: [{ value: 'a' }] }), encode({ records: [{ value: 'b' }] })]);
    const refused = await produce(TOPIC, two);
    expect(refused.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(refused.errorMessage).toContain('more than one batch');
    expect(await logEnd(TOPIC)).toBe(end);
  });

  it('renumbers the inner offsets of a compressed batch that does not count them from 0, as Kafka rewrites such batches', async () => {
    const end = await logEnd(TOPIC);
    const batch = encode({ compression: 1, records: [{ value: 'first', offsetDelta: 0 }, { value: 'second', offsetDelta: 5 }], lastOffsetDelta: 1 } as RecordBatchInput);
    expect((await produce(TOPIC, batch)).errorCode).toBe(ErrorCode.NONE);
    const stored = kafka.broker().instance.replicaManager.partition(TOPIC, 0)!.read(end, 1 << 20, 0, true).records;
    const [rebuilt] = decodeRecordBatchesSync(stored);
    expect(rebuilt!.compression).toBe(1);
    expect(rebuilt!.records.map((r) => [r.offsetDelta, r.value?.toString()])).toEqual([[0, 'first'], [1, 'second']]);
  });

});
