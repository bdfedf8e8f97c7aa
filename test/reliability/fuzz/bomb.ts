/**
 * A gzip record batch that inflates far beyond its size: one record whose value is many
 * megabytes of zeros (a few kilobytes compressed), or a batch whose count promises more
 * records than it holds. Built once per shape and reused.
 */
import { gzipSync } from 'node:zlib';
import { fixBatchCrc, zigzagVarint } from './encoding.js';
import type { Prng } from './prng.js';

const cache = new Map<string, Buffer>();

function gzipBatch(records: Buffer, count: number): Buffer {
  const compressed = gzipSync(records, { level: 9 });
  const batch = Buffer.alloc(61 + compressed.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(1, 21); // gzip
  batch.writeInt32BE(count - 1, 23);
  batch.writeBigInt64BE(BigInt(Date.now()), 27);
  batch.writeBigInt64BE(BigInt(Date.now()), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(count, 57);
  compressed.copy(batch, 61);
  fixBatchCrc(batch);
  return batch;
}

function oneRecord(valueBytes: number): Buffer {
  const body = Buffer.concat([Buffer.from([0]), zigzagVarint(0), zigzagVarint(0), zigzagVarint(-1), zigzagVarint(valueBytes), Buffer.alloc(valueBytes), zigzagVarint(0)]);
  return Buffer.concat([zigzagVarint(body.length), body]);
}

const SHAPES = ['value-64MiB', 'value-16MiB', 'count-lies'] as const;

/** Builds every shape up front (a second or so), so that no connection stalls mid-run. */
export function prepareBombs(): void {
  for (const shape of SHAPES) bombOf(shape);
}

export function compressionBomb(prng: Prng): Buffer {
  return bombOf(prng.pick(SHAPES));
}

function bombOf(shape: (typeof SHAPES)[number]): Buffer {
  let batch = cache.get(shape);
  if (!batch) {
    if (shape === 'value-64MiB') batch = gzipBatch(oneRecord(64 << 20), 1);
    else if (shape === 'value-16MiB') batch = gzipBatch(oneRecord(16 << 20), 1);
    else batch = gzipBatch(Buffer.concat(Array.from({ length: 1000 }, () => oneRecord(10))), 0x7fffffff);
    cache.set(shape, batch);
  }
  return batch;
}
