/**
 * encodeRecordBatch → decodeRecordBatch round trips: every codec, null/empty keys and values,
 * headers, many records, negative deltas, LogAppendTime, transactional and control batches.
 */
import { describe, expect, it } from 'vitest';
import {
  CompressionType,
  TimestampType,
  absoluteRecords,
  decodeRecordBatch,
  decodeRecordBatchSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  recordOffset,
  recordTimestamp,
  validateBatch,
  validateBatchDeep,
  type DecodedRecordBatch,
  type RecordBatchInput,
} from '../../../src/protocol/records/index.js';
import { ProtocolEncodeError } from '../../../src/protocol/errors.js';

const CODECS = [
  ['none', CompressionType.None],
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
] as const;

const BASE_TS = 1_700_000_000_000;

function sampleInput(compression: number): RecordBatchInput {
  return {
    baseOffset: 42n,
    partitionLeaderEpoch: 7,
    compression,
    baseTimestamp: BASE_TS,
    producerId: 1234n,
    producerEpoch: 3,
    baseSequence: 17,
    records: [
      { key: 'k0', value: 'v0', timestamp: BASE_TS },
      { key: null, value: 'null key', timestamp: BASE_TS + 10 },
      { key: 'null value', value: null, timestamp: BASE_TS + 5 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: BASE_TS - 250 },
      {
        key: 'with headers',
        value: Buffer.from([0, 1, 2, 255]),
        timestampDelta: 3,
        headers: [
          { key: 'trace', value: 'abc' },
          { key: 'nullable', value: null },
          { key: 'trace', value: 'repeated key' },
          { key: 'ключ-🔑', value: Buffer.from('ünïcødé') },
          { key: '', value: '' },
        ],
      },
    ],
  };
}

function text(buf: Buffer | null): string | null {
  return buf === null ? null : buf.toString('utf8');
}

function checkSample(batch: DecodedRecordBatch, compression: number): void {
  expect(batch).toMatchObject({
    baseOffset: 42n,
    partitionLeaderEpoch: 7,
    magic: 2,
    compression,
    timestampType: TimestampType.CreateTime,
    isTransactional: false,
    isControl: false,
    lastOffsetDelta: 4,
    baseTimestamp: BigInt(BASE_TS),
    maxTimestamp: BigInt(BASE_TS + 10),
    producerId: 1234n,
    producerEpoch: 3,
    baseSequence: 17,
    recordsCount: 5,
  });
  expect(batch.attributes & 7).toBe(compression);
  const records = batch.records;
  expect(records.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3, 4]);
  expect(records.map((r) => r.timestampDelta)).toEqual([0, 10, 5, -250, 3]);
  expect(records.map((r) => text(r.key))).toEqual(['k0', null, 'null value', '', 'with headers']);
  expect(records.map((r) => text(r.value))).toEqual(['v0', 'null key', null, '', '\u0000\u0001\u0002\ufffd']);
  expect(records[4]!.value).toEqual(Buffer.from([0, 1, 2, 255]));
  expect(records[3]!.key).not.toBeNull();
  expect(records[3]!.key!.length).toBe(0);
  expect(records[4]!.headers.map((h) => [h.key, text(h.value)])).toEqual([
    ['trace', 'abc'],
    ['nullable', null],
    ['trace', 'repeated key'],
    ['ключ-🔑', 'ünïcødé'],
    ['', ''],
  ]);
  for (const r of records.slice(0, 4)) expect(r.headers).toEqual([]);
  expect(absoluteRecords(batch).map((r) => [r.offset, r.timestamp])).toEqual([
    [42n, BigInt(BASE_TS)],
    [43n, BigInt(BASE_TS + 10)],
    [44n, BigInt(BASE_TS + 5)],
    [45n, BigInt(BASE_TS - 250)],
    [46n, BigInt(BASE_TS + 3)],
  ]);
}

describe('round trip per codec', () => {
  it.each(CODECS)('%s', async (_name, compression) => {
    const encoded = await encodeRecordBatch(sampleInput(compression));
    const validated = validateBatch(encoded);
    expect(validated.size).toBe(encoded.length);
    expect(validated.header.compression).toBe(compression);
    // Record framing is walked for uncompressed batches only; the deep variant decompresses.
    expect(validated.records === null).toBe(compression !== 0);
    const deep = await validateBatchDeep(encoded);
    expect(deep.records).toMatchObject({ count: 5, sequentialOffsetDeltas: true, maxOffsetDelta: 4, minTimestampDelta: -250, maxTimestampDelta: 10 });

    const decoded = await decodeRecordBatch(encoded);
    expect(decoded.size).toBe(encoded.length);
    expect(decoded.position).toBe(0);
    checkSample(decoded, compression);

    // The sync paths agree with the async ones.
    checkSample(decodeRecordBatchSync(encoded), compression);
    const syncEncoded = encodeRecordBatchSync(sampleInput(compression));
    checkSample(await decodeRecordBatch(syncEncoded), compression);
  });

  it('compression actually shrinks a compressible batch', async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ key: `key-${i % 10}`, value: 'x'.repeat(200) }));
    const plain = await encodeRecordBatch({ baseTimestamp: BASE_TS, records });
    for (const [, compression] of CODECS.slice(1)) {
      const compressed = await encodeRecordBatch({ baseTimestamp: BASE_TS, compression, records });
      expect(compressed.length).toBeLessThan(plain.length / 4);
      const decoded = await decodeRecordBatch(compressed);
      expect(decoded.records.length).toBe(200);
      expect(text(decoded.records[199]!.value)).toBe('x'.repeat(200));
    }
  });
});

describe('record contents', () => {
  it('1000 records keep their order, offsets and contents', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({
      key: i % 7 === 0 ? null : `key-${i}`,
      value: i % 11 === 0 ? null : Buffer.alloc(i % 300, i & 0xff),
      timestamp: BASE_TS + i * 3 - 500,
      headers: i % 5 === 0 ? [{ key: `h${i}`, value: String(i) }] : [],
    }));
    for (const compression of [CompressionType.None, CompressionType.Zstd]) {
      const encoded = await encodeRecordBatch({ baseOffset: 1_000_000n, baseTimestamp: BASE_TS, compression, records });
      const decoded = await decodeRecordBatch(encoded);
      expect(decoded.recordsCount).toBe(1000);
      expect(decoded.lastOffsetDelta).toBe(999);
      expect(decoded.maxTimestamp).toBe(BigInt(BASE_TS + 999 * 3 - 500));
      decoded.records.forEach((record, i) => {
        expect(recordOffset(decoded, record)).toBe(1_000_000n + BigInt(i));
        expect(recordTimestamp(decoded, record)).toBe(BigInt(BASE_TS + i * 3 - 500));
        expect(text(record.key)).toBe(i % 7 === 0 ? null : `key-${i}`);
        if (i % 11 === 0) expect(record.value).toBeNull();
        else expect(record.value).toEqual(Buffer.alloc(i % 300, i & 0xff));
        expect(record.headers).toEqual(i % 5 === 0 ? [{ key: `h${i}`, value: Buffer.from(String(i)) }] : []);
      });
    }
  });

  it('baseTimestamp defaults to the first record timestamp, deltas may be negative', async () => {
    const encoded = await encodeRecordBatch({
      records: [{ value: 'a', timestamp: 5_000n }, { value: 'b', timestamp: 1_000n }, { value: 'c', timestamp: 9_000 }],
    });
    const decoded = await decodeRecordBatch(encoded);
    expect(decoded.baseTimestamp).toBe(5_000n);
    expect(decoded.maxTimestamp).toBe(9_000n);
    expect(decoded.records.map((r) => r.timestampDelta)).toEqual([0, -4_000, 4_000]);
  });

  it('large timestamp deltas take multi-byte varlongs', async () => {
    const far = 2 ** 40;
    const decoded = await decodeRecordBatch(
      await encodeRecordBatch({ baseTimestamp: 0, records: [{ value: 'a', timestampDelta: far }, { value: 'b', timestampDelta: -far }] }),
    );
    expect(decoded.records.map((r) => r.timestampDelta)).toEqual([far, -far]);
    expect(decoded.maxTimestamp).toBe(BigInt(far));
  });

  it('LogAppendTime batches report maxTimestamp as every record timestamp', async () => {
    const encoded = await encodeRecordBatch({
      timestampType: TimestampType.LogAppendTime,
      baseTimestamp: 1_000,
      maxTimestamp: 99_000,
      records: [{ value: 'a', timestampDelta: 0 }, { value: 'b', timestampDelta: 20 }],
    });
    const decoded = await decodeRecordBatch(encoded);
    expect(decoded.timestampType).toBe(TimestampType.LogAppendTime);
    expect(decoded.attributes & 0x08).toBe(0x08);
    expect(absoluteRecords(decoded).map((r) => r.timestamp)).toEqual([99_000n, 99_000n]);
  });

  it('transactional and control flags, producer id/epoch/sequence are preserved', async () => {
    const encoded = await encodeRecordBatch({
      transactional: true,
      isControl: true,
      compression: CompressionType.Lz4,
      producerId: 2n ** 40n,
      producerEpoch: 32_767,
      baseSequence: 2_147_483_647,
      partitionLeaderEpoch: -1,
      baseTimestamp: BASE_TS,
      records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 5]) }],
    });
    const decoded = await decodeRecordBatch(encoded);
    expect(decoded).toMatchObject({
      isTransactional: true,
      isControl: true,
      compression: CompressionType.Lz4,
      attributes: 0x10 | 0x20 | 3,
      producerId: 2n ** 40n,
      producerEpoch: 32_767,
      baseSequence: 2_147_483_647,
      partitionLeaderEpoch: -1,
    });
  });

  it('defaults: baseOffset 0, leader epoch -1, no producer, offsetDelta = index', async () => {
    const decoded = await decodeRecordBatch(await encodeRecordBatch({ baseTimestamp: 1, records: [{ value: 'a' }, { value: 'b' }] }));
    expect(decoded).toMatchObject({ baseOffset: 0n, partitionLeaderEpoch: -1, producerId: -1n, producerEpoch: -1, baseSequence: -1, lastOffsetDelta: 1 });
    expect(decoded.records.map((r) => r.offsetDelta)).toEqual([0, 1]);
  });

  it('an empty batch round-trips (lastOffsetDelta -1 unless given)', async () => {
    const empty = await decodeRecordBatch(await encodeRecordBatch({ baseTimestamp: 10, records: [] }));
    expect(empty).toMatchObject({ recordsCount: 0, lastOffsetDelta: -1, maxTimestamp: 10n, records: [] });
    const kept = await decodeRecordBatch(await encodeRecordBatch({ baseTimestamp: 10, lastOffsetDelta: 9, compression: CompressionType.Gzip, records: [] }));
    expect(kept).toMatchObject({ recordsCount: 0, lastOffsetDelta: 9, records: [] });
  });

  it('explicit attributes override the flags', async () => {
    const decoded = await decodeRecordBatch(await encodeRecordBatch({ attributes: 0x40, compression: CompressionType.Gzip, baseTimestamp: 1, records: [{ value: 'a' }] }));
    expect(decoded).toMatchObject({ attributes: 0x40, hasDeleteHorizon: true, compression: 0 });
  });

  it('rejects values that do not fit the wire format with ProtocolEncodeError', async () => {
    const bad: RecordBatchInput[] = [
      { producerEpoch: 40_000, records: [] },
      { partitionLeaderEpoch: 2 ** 31, records: [] },
      { baseOffset: 2n ** 63n, records: [] },
      { attributes: 7, records: [{ value: 'x' }] },
      { records: [{ value: 'x', offsetDelta: 2 ** 31 }] },
      { records: [{ value: 'x', timestampDelta: 0.5 }] },
    ];
    for (const input of bad) {
      await expect(encodeRecordBatch(input)).rejects.toBeInstanceOf(ProtocolEncodeError);
      expect(() => encodeRecordBatchSync(input)).toThrow(ProtocolEncodeError);
    }
  });
});
