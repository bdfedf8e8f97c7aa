/**
 * Record batch compression (magic 2, attributes bits 0-2). Every failure — unknown codec id,
 * corrupt or truncated input, a codec library error, a missing native module — surfaces as a
 * CompressionError, so batch decoding can map it to CORRUPT_MESSAGE without guessing.
 *
 * The async functions run gzip, snappy and lz4 on the libuv thread pool, which keeps the event
 * loop free during large batches but costs a round trip: for 16 KiB batches the sync functions
 * were 2-5x faster here (docs/compression.md). zstd runs in WebAssembly on the calling thread
 * either way.
 */
import type { Codec } from './codec.js';
import { asCompressionError } from './compression-error.js';
import { CompressionType, isCompressionType, unknownCompressionType } from './compression-type.js';
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { noneCodec } from './none.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

export { CompressionError } from './compression-error.js';
export { CompressionType, compressionName, isCompressionType, type CompressionName } from './compression-type.js';

const CODECS: Readonly<Record<CompressionType, Codec>> = {
  [CompressionType.None]: noneCodec,
  [CompressionType.Gzip]: gzipCodec,
  [CompressionType.Snappy]: snappyCodec,
  [CompressionType.Lz4]: lz4Codec,
  [CompressionType.Zstd]: zstdCodec,
};

function codecFor(type: CompressionType): Codec {
  // Ids come off the wire as `attributes & 7`, so 5-7 (and non-integers) must be rejected here.
  if (!isCompressionType(type)) throw unknownCompressionType(type);
  return CODECS[type];
}

export async function compress(type: CompressionType, data: Buffer): Promise<Buffer> {
  const codec = codecFor(type);
  try {
    return await codec.compress(data);
  } catch (error) {
    throw asCompressionError(codec.name, 'compress', error);
  }
}

export async function decompress(type: CompressionType, data: Buffer): Promise<Buffer> {
  const codec = codecFor(type);
  try {
    return await codec.decompress(data);
  } catch (error) {
    throw asCompressionError(codec.name, 'decompress', error);
  }
}

export function compressSync(type: CompressionType, data: Buffer): Buffer {
  const codec = codecFor(type);
  try {
    return codec.compressSync(data);
  } catch (error) {
    throw asCompressionError(codec.name, 'compress', error);
  }
}

export function decompressSync(type: CompressionType, data: Buffer): Buffer {
  const codec = codecFor(type);
  try {
    return codec.decompressSync(data);
  } catch (error) {
    throw asCompressionError(codec.name, 'decompress', error);
  }
}

export { inflateStream, singleChunk, InflatedSizeError, type ChunkSource } from './inflate-stream.js';
export { inflatedBound } from './inflate-bound.js';
