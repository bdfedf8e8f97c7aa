import zlib from 'node:zlib';
import { Gunzip } from 'fflate';
import { asCompressionError, CompressionError } from './compression-error.js';
import { CompressionType, compressionName } from './compression-type.js';
import { inflatedBound } from './inflate-bound.js';
import { decompressSync } from './index.js';

/** Inflated bytes, handed over a piece at a time; null once there are no more. */
export interface ChunkSource {
  next(): Uint8Array | null;
  /** Set when the bytes are all in one buffer already (a reader can then walk them directly). */
  readonly whole?: Buffer;
}

/** The payload would inflate past the caller's limit: refused before (or while) inflating it. */
export class InflatedSizeError extends CompressionError {
  constructor(
    codec: string,
    readonly limit: number,
    detail: string,
  ) {
    super(codec, `${detail}, more than the limit of ${limit} bytes`);
    this.name = 'InflatedSizeError';
  }
}

/** One buffer as a source (uncompressed records, or a payload inflated in one go). */
export function singleChunk(bytes: Buffer): ChunkSource {
  let done = false;
  return {
    whole: bytes,
    next() {
      if (done) return null;
      done = true;
      return bytes;
    },
  };
}

// Gzip payloads that inflate to at most this much are inflated in one go by node:zlib (native,
// several times faster than the streaming inflater); zlib stops at this size, so a bomb costs
// this much before it is streamed instead.
const GZIP_WHOLE_LIMIT = 8 * 1024 * 1024;

// Compressed bytes handed to the inflater per step. Deflate expands at most ~1032:1, so one
// step yields at most ~2 MiB: what a gzip bomb can make the broker hold at once.
const GZIP_INPUT_STEP = 2048;

/**
 * Gzip, inflated as it is read (fflate's streaming inflater, synchronous): the 32 KiB window
 * plus one step's output is all that is held, whatever the payload inflates to. Reading stops
 * with an {@link InflatedSizeError} once more than `maxInflatedBytes` came out.
 */
function gunzipStream(data: Buffer, maxInflatedBytes: number): ChunkSource {
  const ready: Uint8Array[] = [];
  let inflated = 0;
  let fed = 0;
  const inflater = new Gunzip((chunk) => {
    if (chunk.length > 0) ready.push(chunk);
  });
  return {
    next() {
      while (ready.length === 0 && fed < data.length) {
        const end = Math.min(data.length, fed + GZIP_INPUT_STEP);
        try {
          inflater.push(data.subarray(fed, end), end === data.length);
        } catch (error) {
          throw asCompressionError('gzip', 'decompress', error);
        }
        fed = end;
      }
      const chunk = ready.shift();
      if (chunk === undefined) return null;
      inflated += chunk.length;
      if (inflated > maxInflatedBytes) throw new InflatedSizeError('gzip', maxInflatedBytes, `the records inflate to ${inflated} bytes or more`);
      return chunk;
    },
  };
}

/** ISIZE, the last four bytes of a gzip member: its inflated size modulo 2^32 (0 when too short to tell). */
function gzipTrailerSize(data: Buffer): number {
  return data.length >= 18 ? data.readUInt32LE(data.length - 4) : 0;
}

/** The payload inflated by node:zlib if it fits in `limit` bytes, else null. */
function gunzipWhole(data: Buffer, limit: number): Buffer | null {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: limit, chunkSize: Math.min(limit, Math.max(16 * 1024, data.length * 4)) });
  } catch (error) {
    if (error instanceof RangeError && (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw asCompressionError('gzip', 'decompress', error);
  }
}

/**
 * The inflated records of a compressed batch payload, bounded by `maxInflatedBytes`. Gzip
 * inflates in one go up to 8 MiB and streams past that (see {@link gunzipStream}). The snappy, LZ4 and zstd libraries here only inflate a
 * whole payload at once, so their framing's bound ({@link inflatedBound}) is checked first and
 * a payload that could exceed the limit is refused before anything is allocated. Every failure
 * is a CompressionError (an {@link InflatedSizeError} for the limit).
 */
export function inflateStream(type: CompressionType, data: Buffer, maxInflatedBytes: number): ChunkSource {
  if (type === CompressionType.None) return singleChunk(data);
  const codec = compressionName(type);
  if (codec === 'gzip') {
    if (data.length === 0) throw new CompressionError('gzip', 'empty input is not a gzip member');
    // The gzip trailer states the (last member's) inflated size: when it says the payload is
    // too big to inflate whole, go straight to the stream instead of inflating 8 MiB to throw
    // away. A trailer that lies only costs that attempt, which stays bounded.
    const whole = gzipTrailerSize(data) > GZIP_WHOLE_LIMIT ? null : gunzipWhole(data, Math.min(GZIP_WHOLE_LIMIT, maxInflatedBytes));
    if (whole !== null) return singleChunk(whole);
    if (maxInflatedBytes <= GZIP_WHOLE_LIMIT) throw new InflatedSizeError('gzip', maxInflatedBytes, `the records inflate to more than ${maxInflatedBytes} bytes`);
    return gunzipStream(data, maxInflatedBytes);
  }
  if (codec === 'none') return singleChunk(data);
  let bound: number;
  try {
    bound = inflatedBound(codec, data);
  } catch (error) {
    throw asCompressionError(codec, 'decompress', error);
  }
  if (bound > maxInflatedBytes) throw new InflatedSizeError(codec, maxInflatedBytes, `the records may inflate to ${bound} bytes`);
  const inflated = decompressSync(type, data);
  if (inflated.length > maxInflatedBytes) throw new InflatedSizeError(codec, maxInflatedBytes, `the records inflate to ${inflated.length} bytes`);
  return singleChunk(inflated);
}
