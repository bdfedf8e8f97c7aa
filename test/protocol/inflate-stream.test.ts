import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressionError, CompressionType, compressSync, inflatedBound, InflatedSizeError, inflateStream, singleChunk, type ChunkSource } from '../../src/protocol/compression/index.js';
import { CorruptRecordBatchError, walkRecords, writeRecord } from '../../src/protocol/records/index.js';
import { ByteWriter } from '../../src/protocol/primitives/byte-writer.js';
import { walkRecordStream } from '../../src/protocol/records/record-stream.js';

const MiB = 1024 * 1024;

async function drain(source: ChunkSource): Promise<{ total: Buffer; largest: number }> {
  const pieces: Uint8Array[] = [];
  let largest = 0;
  for (let piece = await source.next(); piece !== null; piece = await source.next()) {
    pieces.push(piece);
    largest = Math.max(largest, piece.length);
  }
  return { total: Buffer.concat(pieces), largest };
}

/** Drains the source `open` gives; what inflateStream throws right away becomes a rejection too. */
const drainOf = async (open: () => ChunkSource) => drain(open());

const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `record ${i} of the stream; `).join(''));
const codecs = [
  { name: 'gzip', type: CompressionType.Gzip },
  { name: 'snappy', type: CompressionType.Snappy },
  { name: 'lz4', type: CompressionType.Lz4 },
  { name: 'zstd', type: CompressionType.Zstd },
] as const;

describe('inflateStream', () => {
  it.each(codecs)('$name: yields exactly the original bytes, and refuses them past the limit', async ({ type, name }) => {
    const payload = compressSync(type, text);
    // An LZ4 frame without a content size is bounded by its block count times its block size.
    const limit = name === 'lz4' ? inflatedBound('lz4', payload) : text.length;
    expect((await drain(inflateStream(type, payload, limit))).total.equals(text)).toBe(true);
    await expect(drainOf(() => inflateStream(type, payload, text.length - 1))).rejects.toThrow(InflatedSizeError);
  });

  it.each(codecs)('$name: a corrupt payload is a CompressionError', async ({ type }) => {
    const garbage = Buffer.from('definitely not a compressed payload of any kind');
    await expect(drainOf(() => inflateStream(type, garbage, 64 * MiB))).rejects.toThrow(CompressionError);
  });

  it('gzip: inflates what is over 8 MiB (here 24 MiB of zeros) as a stream, in pieces of 64 KiB, while the event loop runs', async () => {
    const payload = gzipSync(Buffer.alloc(24 * MiB), { level: 9 });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const { total, largest } = await drain(inflateStream(CompressionType.Gzip, payload, 24 * MiB));
    clearInterval(ticker);
    expect(total.length).toBe(24 * MiB);
    expect(largest).toBeLessThanOrEqual(64 * 1024);
    // The pieces are inflated on the thread pool: timers ran in between (inflating in one go, none would).
    expect(ticks).toBeGreaterThan(0);
    await expect(drainOf(() => inflateStream(CompressionType.Gzip, payload, 4 * MiB))).rejects.toThrow(/inflate to more than 4194304 bytes/);
    await expect(drainOf(() => inflateStream(CompressionType.Gzip, payload, 16 * MiB))).rejects.toThrow(/inflate to \d+ bytes or more/);
  });

  it('gzip: a stream cut short, or corrupt past the 8 MiB, fails the read with a CompressionError', async () => {
    const payload = gzipSync(Buffer.alloc(24 * MiB), { level: 9 });
    const cut = payload.subarray(0, payload.length - 40);
    await expect(drainOf(() => inflateStream(CompressionType.Gzip, cut, 64 * MiB))).rejects.toThrow(CompressionError);
  });

  it('bounds come from the framing: exact for snappy and content-size frames, above the size otherwise', () => {
    expect(inflatedBound('snappy', compressSync(CompressionType.Snappy, text))).toBe(text.length);
    expect(inflatedBound('zstd', compressSync(CompressionType.Zstd, text))).toBe(text.length);
    expect(inflatedBound('lz4', compressSync(CompressionType.Lz4, text))).toBeGreaterThanOrEqual(text.length);
  });
});

describe('walkRecordStream', () => {
  function records(count: number): Buffer {
    const writer = new ByteWriter(1024);
    for (let i = 0; i < count; i++) {
      writeRecord(writer, {
        attributes: 0,
        timestampDelta: i * 3,
        offsetDelta: i,
        key: i % 4 === 0 ? null : Buffer.from(`key-${i}`),
        value: Buffer.from('v'.repeat(i * 7)),
        headers: i % 3 === 0 ? [{ key: 'h', value: Buffer.from(`hv${i}`) }, { key: 'n', value: null }] : [],
      });
    }
    return writer.finish();
  }

  /** `bytes` split into pieces of `size` bytes, as a source. */
  function pieces(bytes: Buffer, size: number): ChunkSource {
    let at = 0;
    return { next: () => (at >= bytes.length ? null : bytes.subarray(at, (at += size))) };
  }

  /** The same, each piece given later (a promise), as a source inflating off the event loop does. */
  function laterPieces(bytes: Buffer, size: number): ChunkSource {
    const now = pieces(bytes, size);
    return { next: () => new Promise((resolve) => setImmediate(() => resolve(now.next() as Uint8Array | null))) };
  }

  const rules = { keyRequired: false, baseTimestamp: 1000, timestampBounds: null };

  it('gives the same summary whatever the piece sizes, down to one byte, given now or later', async () => {
    const bytes = records(40);
    const reference = walkRecords(bytes, 0, bytes.length, 40, 0);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      expect(await walkRecordStream(pieces(bytes, size), 40, rules, 0, 61)).toMatchObject(reference);
      expect(await walkRecordStream(laterPieces(bytes, size), 40, rules, 0, 61)).toMatchObject(reference);
    }
  });

  it('reports records without a key and out-of-range timestamps by batch index', async () => {
    const bytes = records(9);
    const summary = await walkRecordStream(pieces(bytes, 5), 9, { keyRequired: true, baseTimestamp: 1000, timestampBounds: { min: 1000, max: 1010 } }, 0, 61);
    expect(summary.violations).toEqual([
      { batchIndex: 0, reason: 'no-key', timestamp: 0 },
      { batchIndex: 4, reason: 'no-key', timestamp: 0 },
      { batchIndex: 5, reason: 'timestamp', timestamp: 1015 },
      { batchIndex: 6, reason: 'timestamp', timestamp: 1018 },
      { batchIndex: 7, reason: 'timestamp', timestamp: 1021 },
      { batchIndex: 8, reason: 'no-key', timestamp: 0 },
    ]);
  });

  it('refuses a stream cut anywhere, a wrong count and trailing bytes, with CorruptRecordBatchError', async () => {
    const bytes = records(6);
    for (let cut = 1; cut < bytes.length; cut += 5) {
      await expect(walkRecordStream(pieces(bytes.subarray(0, cut), 3), 6, rules, 0, 61), `cut at ${cut}`).rejects.toThrow(CorruptRecordBatchError);
      await expect(walkRecordStream(laterPieces(bytes.subarray(0, cut), 3), 6, rules, 0, 61), `cut at ${cut}, later`).rejects.toThrow(CorruptRecordBatchError);
    }
    await expect(walkRecordStream(singleChunk(bytes), 7, rules, 0, 61)).rejects.toThrow(/batch ends after 6 of 7 records/);
    await expect(walkRecordStream(singleChunk(bytes), 5, rules, 0, 61)).rejects.toThrow(/bytes left after the 5 records/);
  });
});
