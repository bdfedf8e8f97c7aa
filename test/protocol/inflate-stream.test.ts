import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressionError, CompressionType, compressSync, inflatedBound, InflatedSizeError, inflateStream, singleChunk, type ChunkSource } from '../../src/protocol/compression/index.js';
import { CorruptRecordBatchError, walkRecords, writeRecord } from '../../src/protocol/records/index.js';
import { ByteWriter } from '../../src/protocol/primitives/byte-writer.js';
import { walkRecordStream } from '../../src/protocol/records/record-stream.js';

const MiB = 1024 * 1024;

function drain(source: ChunkSource): { total: Buffer; largest: number } {
  const pieces: Uint8Array[] = [];
  let largest = 0;
  for (let piece = source.next(); piece !== null; piece = source.next()) {
    pieces.push(piece);
    largest = Math.max(largest, piece.length);
  }
  return { total: Buffer.concat(pieces), largest };
}

const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `record ${i} of the stream; `).join(''));
const codecs = [
  { name: 'gzip', type: CompressionType.Gzip },
  { name: 'snappy', type: CompressionType.Snappy },
  { name: 'lz4', type: CompressionType.Lz4 },
  { name: 'zstd', type: CompressionType.Zstd },
] as const;

describe('inflateStream', () => {
  it.each(codecs)('$name: yields exactly the original bytes, and refuses them past the limit', ({ type, name }) => {
    const payload = compressSync(type, text);
    // An LZ4 frame without a content size is bounded by its block count times its block size.
    const limit = name === 'lz4' ? inflatedBound('lz4', payload) : text.length;
    expect(drain(inflateStream(type, payload, limit)).total.equals(text)).toBe(true);
    expect(() => drain(inflateStream(type, payload, text.length - 1))).toThrow(InflatedSizeError);
  });

  it.each(codecs)('$name: a corrupt payload is a CompressionError', ({ type }) => {
    const garbage = Buffer.from('definitely not a compressed payload of any kind');
    expect(() => drain(inflateStream(type, garbage, 64 * MiB))).toThrow(CompressionError);
  });

  it('gzip: inflates what is over 8 MiB (here 24 MiB of zeros) in pieces of about 2 MiB at most', () => {
    const payload = gzipSync(Buffer.alloc(24 * MiB), { level: 9 });
    const { total, largest } = drain(inflateStream(CompressionType.Gzip, payload, 24 * MiB));
    expect(total.length).toBe(24 * MiB);
    expect(largest).toBeLessThanOrEqual(2.5 * MiB);
    expect(() => drain(inflateStream(CompressionType.Gzip, payload, 4 * MiB))).toThrow(/inflate to more than 4194304 bytes/);
    expect(() => drain(inflateStream(CompressionType.Gzip, payload, 16 * MiB))).toThrow(/inflate to \d+ bytes or more/);
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

  const rules = { keyRequired: false, baseTimestamp: 1000, timestampBounds: null };

  it('gives the same summary whatever the piece sizes, down to one byte', () => {
    const bytes = records(40);
    const reference = walkRecords(bytes, 0, bytes.length, 40, 0);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const summary = walkRecordStream(pieces(bytes, size), 40, rules, 0, 61);
      expect(summary).toMatchObject(reference);
    }
  });

  it('reports records without a key and out-of-range timestamps by batch index', () => {
    const bytes = records(9);
    const summary = walkRecordStream(pieces(bytes, 5), 9, { keyRequired: true, baseTimestamp: 1000, timestampBounds: { min: 1000, max: 1010 } }, 0, 61);
    expect(summary.violations).toEqual([
      { batchIndex: 0, reason: 'no-key', timestamp: 0 },
      { batchIndex: 4, reason: 'no-key', timestamp: 0 },
      { batchIndex: 5, reason: 'timestamp', timestamp: 1015 },
      { batchIndex: 6, reason: 'timestamp', timestamp: 1018 },
      { batchIndex: 7, reason: 'timestamp', timestamp: 1021 },
      { batchIndex: 8, reason: 'no-key', timestamp: 0 },
    ]);
  });

  it('refuses a stream cut anywhere, a wrong count and trailing bytes, with CorruptRecordBatchError', () => {
    const bytes = records(6);
    for (let cut = 1; cut < bytes.length; cut += 5) {
      expect(() => walkRecordStream(pieces(bytes.subarray(0, cut), 3), 6, rules, 0, 61), `cut at ${cut}`).toThrow(CorruptRecordBatchError);
    }
    expect(() => walkRecordStream(singleChunk(bytes), 7, rules, 0, 61)).toThrow(/batch ends after 6 of 7 records/);
    expect(() => walkRecordStream(singleChunk(bytes), 5, rules, 0, 61)).toThrow(/bytes left after the 5 records/);
  });
});
