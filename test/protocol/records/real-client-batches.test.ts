/**
 * Record batches written by real clients — kafkajs 2.2.4 (none, gzip), kcat 1.7.1 / librdkafka
 * 2.0.2 (none, gzip, snappy, lz4, zstd) and kafka-python 2.0.2 (none, gzip) — captured off the
 * wire from their Produce requests: they decode to exactly what was sent, their CRCs validate,
 * and a flipped bit in the CRC-covered area fails validation.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CorruptRecordBatchError, decodeRecordBatches, validateBatch, type DecodedRecordBatch } from '../../../src/protocol/records/index.js';
import { startCaptureServer, type CaptureServer } from '../../support/capture-server.js';
import {
  KAFKA_PYTHON_MESSAGES,
  KAFKAJS_MESSAGES,
  KCAT_CODECS,
  KCAT_MESSAGES,
  killChildren,
  produceWithKafkajs,
  produceWithKafkaPython,
  produceWithKcat,
  producedBatches,
  type SentMessage,
} from '../../support/produced-batches.js';

const CODEC_IDS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
/** Byte offsets in a magic-2 batch (see the Kafka protocol notes). */
const CRC_COVERED_FROM = 21; // attributes
const BATCH_LENGTH_AT = 8;
const LOG_OVERHEAD = 12;

const servers: CaptureServer[] = [];
afterEach(async () => {
  killChildren();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => killChildren());

async function captureServer(): Promise<CaptureServer> {
  const server = await startCaptureServer();
  servers.push(server);
  return server;
}

/** The records blobs of every Produce request to `topic`, concatenated batch by batch. */
function blobsFor(server: CaptureServer, topic: string): Buffer[] {
  const blobs = producedBatches(server.requests)
    .filter((b) => b.topic === topic)
    .map((b) => b.records);
  expect(blobs.length).toBeGreaterThan(0);
  return blobs;
}

/** Start positions of the batches in a records blob (walking batchLength). */
function batchPositions(blob: Buffer): number[] {
  const positions: number[] = [];
  for (let at = 0; at + LOG_OVERHEAD <= blob.length; at += LOG_OVERHEAD + blob.readInt32BE(at + BATCH_LENGTH_AT)) positions.push(at);
  return positions;
}

const text = (b: Buffer | string | null | undefined): string | null => (b === null || b === undefined ? null : typeof b === 'string' ? b : b.toString('utf8'));

/** Records of decoded batches, as comparable strings. */
function received(batches: readonly DecodedRecordBatch[]): SentMessage[] {
  return batches.flatMap((batch) =>
    batch.records.map((record) => ({
      key: text(record.key) ?? '<null>',
      value: text(record.value) ?? '<null>',
      headers: Object.fromEntries(record.headers.map((h) => [text(h.key) ?? '<null>', text(h.value) ?? '<null>'])),
    })),
  );
}

/**
 * The shared assertions: decode → exact messages and codec; every batch validates; flipping one
 * bit at several places inside each batch's CRC-covered area makes validation throw.
 */
async function checkBatches(blobs: readonly Buffer[], sent: readonly SentMessage[], codec: number): Promise<DecodedRecordBatch[]> {
  const batches: DecodedRecordBatch[] = [];
  for (const blob of blobs) batches.push(...(await decodeRecordBatches(blob)));
  expect(received(batches)).toEqual(sent);
  for (const batch of batches) expect(batch.attributes & 7).toBe(codec);

  for (const blob of blobs) {
    for (const position of batchPositions(blob)) {
      expect(() => validateBatch(blob, position)).not.toThrow();
      const end = position + LOG_OVERHEAD + blob.readInt32BE(position + BATCH_LENGTH_AT);
      // baseTimestamp's low byte, the middle of the records payload, the batch's last byte.
      for (const at of [position + 34, Math.floor((position + 61 + end) / 2), end - 1]) {
        const corrupted = Buffer.from(blob);
        corrupted[at]! ^= 0x10;
        expect(at).toBeGreaterThanOrEqual(position + CRC_COVERED_FROM);
        let thrown: unknown;
        try {
          validateBatch(corrupted, position);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `bit flipped at byte ${at - position} of the batch`).toBeInstanceOf(CorruptRecordBatchError);
        expect(thrown).toMatchObject({ reason: 'crc' });
      }
    }
  }
  return batches;
}

describe('kafkajs 2.2.4 batches', () => {
  it.each(['none', 'gzip'] as const)('compression %s: decode to the sent messages, CRC validates, a flipped bit is caught', async (compression) => {
    const server = await captureServer();
    const topic = `kafkajs-${compression}`;
    await produceWithKafkajs(server.port, topic, compression);

    const batches = await checkBatches(blobsFor(server, topic), KAFKAJS_MESSAGES, CODEC_IDS[compression]);
    // kafkajs quirks (see reference/kafkajs.md §2.1): leader epoch 0, producer epoch/sequence 0.
    for (const batch of batches) {
      expect(batch).toMatchObject({ producerId: -1n, producerEpoch: 0, baseSequence: 0, partitionLeaderEpoch: 0 });
    }
  });
});

describe('kcat 1.7.1 (librdkafka 2.0.2) batches', () => {
  it.each(KCAT_CODECS)('-z %s: decode to the sent messages, CRC validates, a flipped bit is caught', async (codec) => {
    const server = await captureServer();
    const topic = `kcat-${codec}`;
    const result = await produceWithKcat(server.port, topic, codec);
    expect(result.code, result.stderr).toBe(0);

    const batches = await checkBatches(blobsFor(server, topic), KCAT_MESSAGES, CODEC_IDS[codec]);
    for (const batch of batches) expect(batch).toMatchObject({ producerId: -1n, producerEpoch: -1, baseSequence: -1 });
  });
});

describe('kafka-python 2.0.2 batches', () => {
  it.each(['none', 'gzip'] as const)('compression %s: decode to the sent messages, CRC validates, a flipped bit is caught', async (compression) => {
    const server = await captureServer();
    const topic = `kafka-python-${compression}`;
    const result = await produceWithKafkaPython(server.port, topic, compression);
    expect(result.stdout, result.stderr).toContain('sent');

    await checkBatches(blobsFor(server, topic), KAFKA_PYTHON_MESSAGES, CODEC_IDS[compression]);
  });
});
