/**
 * Scanning a records blob: complete batches, a truncated tail (reported, not thrown), corrupt
 * framing (typed error), legacy message sets (reported as such).
 */
import { describe, expect, it } from 'vitest';
import {
  CompressionType,
  CorruptRecordBatchError,
  UnsupportedRecordFormatError,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  nextBatch,
  scanBatches,
  scanBlob,
  validateBatches,
  type ScanEntry,
} from '../../../src/protocol/records/index.js';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';

async function threeBatchesAndATail(): Promise<{ blob: Buffer; sizes: number[]; fourth: Buffer }> {
  const batches = [
    await encodeRecordBatch({ baseOffset: 0n, baseTimestamp: 1, records: [{ value: 'a' }, { value: 'b' }] }),
    await encodeRecordBatch({ baseOffset: 2n, baseTimestamp: 2, compression: CompressionType.Gzip, records: [{ value: 'c' }] }),
    await encodeRecordBatch({ baseOffset: 3n, baseTimestamp: 3, records: [{ key: 'k', value: 'd' }, { value: null }, { value: 'f' }] }),
  ];
  const fourth = await encodeRecordBatch({ baseOffset: 6n, baseTimestamp: 4, records: [{ value: 'g'.repeat(100) }] });
  return { blob: Buffer.concat(batches), sizes: batches.map((b) => b.length), fourth };
}

/** A legacy (magic 0 or 1) message: offset, size, crc, magic, attributes, [timestamp], key, value. */
function legacyMessage(magic: 0 | 1, value: string): Buffer {
  const body = Buffer.alloc(4 + 1 + 1 + (magic === 1 ? 8 : 0) + 4 + 4 + value.length);
  let at = 4; // crc left zero: the scanner does not check legacy CRCs
  body.writeInt8(magic, at++);
  body.writeInt8(0, at++);
  if (magic === 1) at = body.writeBigInt64BE(0n, at);
  at = body.writeInt32BE(-1, at);
  at = body.writeInt32BE(value.length, at);
  body.write(value, at);
  const message = Buffer.alloc(12 + body.length);
  message.writeBigInt64BE(0n, 0);
  message.writeInt32BE(body.length, 8);
  body.copy(message, 12);
  return message;
}

function scanError(blob: Buffer): unknown {
  try {
    for (const _batch of scanBatches(blob));
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('scanBatches', () => {
  it('yields 3 complete batches and reports the truncated 4th, for every cut of the 4th', async () => {
    const { blob, sizes, fourth } = await threeBatchesAndATail();
    for (const cut of [1, 11, 12, 16, 17, 60, 61, fourth.length - 1]) {
      const entries: ScanEntry[] = [...scanBatches(Buffer.concat([blob, fourth.subarray(0, cut)]))];
      expect(entries.map((e) => e.kind), `cut at ${cut}`).toEqual(['batch', 'batch', 'batch', 'truncated']);
      expect(entries.slice(0, 3).map((e) => e.position)).toEqual([0, sizes[0], sizes[0]! + sizes[1]!]);
      expect(entries.slice(0, 3).map((e) => (e.kind === 'batch' ? e.size : -1))).toEqual(sizes);
      expect(entries.slice(0, 3).map((e) => (e.kind === 'batch' ? e.header.baseOffset : -1n))).toEqual([0n, 2n, 3n]);
      expect(entries[3]).toEqual({
        kind: 'truncated',
        position: blob.length,
        available: cut,
        size: cut >= 12 ? fourth.length : null,
        magic: cut >= 17 ? 2 : null,
      });
    }
  });

  it('a blob of complete batches has no tail; an empty blob yields nothing', async () => {
    const { blob } = await threeBatchesAndATail();
    expect([...scanBatches(blob)].map((e) => e.kind)).toEqual(['batch', 'batch', 'batch']);
    expect([...scanBatches(Buffer.alloc(0))]).toEqual([]);
    const scan = scanBlob(blob);
    expect(scan).toMatchObject({ truncated: null, validBytes: blob.length, legacy: [] });
    expect(scan.batches.length).toBe(3);
  });

  it('scanBlob reports validBytes up to the truncated tail (where a torn log is cut)', async () => {
    const { blob, fourth } = await threeBatchesAndATail();
    const scan = scanBlob(Buffer.concat([blob, fourth.subarray(0, 30)]));
    expect(scan.validBytes).toBe(blob.length);
    expect(scan.truncated).toMatchObject({ position: blob.length, available: 30 });
  });

  it('honours start and end', async () => {
    const { blob, sizes } = await threeBatchesAndATail();
    const entries = [...scanBatches(blob, { start: sizes[0]!, end: sizes[0]! + sizes[1]! + 20 })];
    expect(entries.map((e) => [e.kind, e.position])).toEqual([
      ['batch', sizes[0]],
      ['truncated', sizes[0]! + sizes[1]!],
    ]);
    expect(() => [...scanBatches(blob, { end: blob.length + 1 })]).toThrow(RangeError);
  });

  it.each([
    ['negative', -1],
    ['zero', 0],
    ['below the legacy minimum', 13],
    ['below the magic 2 header size', 48],
    ['above 2 GiB as uint32', 0x90000000 | 0],
    ['int32 min', -0x80000000],
  ])('batchLength %s is a typed framing error', async (_name, length) => {
    const { blob, sizes } = await threeBatchesAndATail();
    const copy = Buffer.from(blob);
    copy.writeInt32BE(length, sizes[0]! + 8); // the second batch's batchLength
    const error = scanError(copy);
    expect(error).toBeInstanceOf(CorruptRecordBatchError);
    expect(error).toBeInstanceOf(ProtocolDecodeError);
    expect(error).toMatchObject({ reason: 'framing', batchPosition: sizes[0], offset: sizes[0]! + 8 });
  });

  it('maxBatchSize turns an oversized batch into a framing error', async () => {
    const { blob, sizes } = await threeBatchesAndATail();
    expect(() => [...scanBatches(blob, { maxBatchSize: sizes[0]! - 1 })]).toThrow(CorruptRecordBatchError);
    expect([...scanBatches(blob, { maxBatchSize: Math.max(...sizes) })].length).toBe(3);
  });

  it('unknown magic is a framing error', async () => {
    const { blob } = await threeBatchesAndATail();
    for (const magic of [3, -1, 0x7f]) {
      const copy = Buffer.from(blob);
      copy.writeInt8(magic, 16);
      expect(scanError(copy)).toMatchObject({ reason: 'framing', batchPosition: 0, offset: 16 });
    }
  });

  it('reports magic 0 and 1 message sets as legacy entries and keeps framing after them', async () => {
    const { blob } = await threeBatchesAndATail();
    const v0 = legacyMessage(0, 'old');
    const v1 = legacyMessage(1, 'older');
    const mixed = Buffer.concat([v0, v1, blob]);
    const entries = [...scanBatches(mixed)];
    expect(entries.map((e) => e.kind)).toEqual(['legacy', 'legacy', 'batch', 'batch', 'batch']);
    expect(entries[0]).toEqual({ kind: 'legacy', position: 0, size: v0.length, magic: 0 });
    expect(entries[1]).toEqual({ kind: 'legacy', position: v0.length, size: v1.length, magic: 1 });

    // Magic 1 messages are at least 22 bytes.
    const short = Buffer.from(v1);
    short.writeInt32BE(21, 8);
    expect(scanError(short)).toMatchObject({ reason: 'framing' });
  });

  it('nextBatch returns null at the end', async () => {
    const { blob } = await threeBatchesAndATail();
    expect(nextBatch(blob, blob.length)).toBeNull();
  });
});

describe('validateBatches (the produce path)', () => {
  it('validates every batch of a blob', async () => {
    const { blob, sizes } = await threeBatchesAndATail();
    const validated = validateBatches(blob);
    expect(validated.map((v) => [v.position, v.size])).toEqual([
      [0, sizes[0]],
      [sizes[0], sizes[1]],
      [sizes[0]! + sizes[1]!, sizes[2]],
    ]);
    expect(validated.map((v) => v.records?.count ?? null)).toEqual([2, null, 3]);
    expect(validateBatches(Buffer.alloc(0))).toEqual([]);
  });

  it('a truncated tail, a legacy message, or a bad CRC in any batch is rejected with a typed error', async () => {
    const { blob, fourth } = await threeBatchesAndATail();
    expect(() => validateBatches(Buffer.concat([blob, fourth.subarray(0, 40)]))).toThrow(expect.objectContaining({ reason: 'truncated' }));
    expect(() => validateBatches(Buffer.concat([blob, fourth.subarray(0, 5)]))).toThrow(expect.objectContaining({ reason: 'truncated' }));
    const legacy = () => validateBatches(Buffer.concat([blob, legacyMessage(1, 'x')]));
    expect(legacy).toThrow(UnsupportedRecordFormatError);
    expect(legacy).toThrow(expect.objectContaining({ errorCode: 43, batchPosition: blob.length }));
    const corrupted = Buffer.from(blob);
    corrupted[corrupted.length - 1]! ^= 1;
    expect(() => validateBatches(corrupted)).toThrow(expect.objectContaining({ reason: 'crc' }));
  });
});

describe('decodeRecordBatches', () => {
  it('decodes the complete batches and skips a truncated tail', async () => {
    const { blob, fourth } = await threeBatchesAndATail();
    const withTail = Buffer.concat([blob, fourth.subarray(0, fourth.length - 3)]);
    for (const batches of [await decodeRecordBatches(withTail), decodeRecordBatchesSync(withTail)]) {
      expect(batches.map((b) => b.baseOffset)).toEqual([0n, 2n, 3n]);
      expect(batches.flatMap((b) => b.records.map((r) => r.value?.toString() ?? null))).toEqual(['a', 'b', 'c', 'd', null, 'f']);
    }
  });

  it('legacy message sets cannot be decoded', async () => {
    await expect(decodeRecordBatches(legacyMessage(0, 'x'))).rejects.toBeInstanceOf(UnsupportedRecordFormatError);
  });
});
