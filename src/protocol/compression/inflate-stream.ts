import zlib from 'node:zlib';
import { asCompressionError, CompressionError } from './compression-error.js';
import { CompressionType, compressionName } from './compression-type.js';
import { inflatedBound } from './inflate-bound.js';
import { decompressSync } from './index.js';

/**
 * Inflated bytes, handed over a piece at a time; null once there are no more. A source that
 * inflates off the event loop gives a promise while its next piece is not ready.
 */
export interface ChunkSource {
  next(): Uint8Array | null | Promise<Uint8Array | null>;
  /** Set when the bytes are all in one buffer already (a reader can then walk them directly). */
  readonly whole?: Buffer;
  /** Stops inflating and releases what the source holds (the reader stopped before the end). */
  close?(): void;
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

// Gzip payloads that inflate to at most this much are inflated in one go, synchronously (no
// thread-pool round trips, and the records are then walked in one buffer); zlib stops at this
// size, so a bomb whose trailer lies costs this much before it is streamed instead.
const GZIP_WHOLE_LIMIT = 8 * 1024 * 1024;

// The pieces a streamed gzip payload is inflated in. The inflater runs on libuv's thread pool
// and stops while a piece waits to be read, so a payload holds about two pieces and the
// inflater's state (its 32 KiB window), whatever it inflates to, and the event loop only walks.
const GZIP_STREAM_PIECE = 64 * 1024;

/**
 * Gzip, inflated as it is read by node:zlib's stream (native, off the event loop). Reading
 * stops with an {@link InflatedSizeError} once more than `maxInflatedBytes` came out; a corrupt
 * payload fails the read with a CompressionError.
 */
function gunzipStream(data: Buffer, maxInflatedBytes: number): ChunkSource {
  let gunzip: zlib.Gunzip | null = null;
  let failure: Error | null = null;
  let ended = false;
  let inflated = 0;
  let wake: (() => void) | null = null;
  /** Inflating starts with the first read: a source may wait its turn, or never be read. */
  const started = (): zlib.Gunzip => {
    if (gunzip) return gunzip;
    gunzip = zlib.createGunzip({ chunkSize: GZIP_STREAM_PIECE });
    gunzip.on('error', (error) => {
      failure ??= asCompressionError('gzip', 'decompress', error);
      wake?.();
    });
    gunzip.on('end', () => {
      ended = true;
      wake?.();
    });
    gunzip.on('readable', () => wake?.());
    gunzip.end(data);
    return gunzip;
  };
  /** The next piece, null at the end, undefined when none is ready yet. */
  const take = (): Buffer | null | undefined => {
    if (failure) throw failure;
    const piece = started().read() as Buffer | null;
    if (piece === null) return ended ? null : undefined;
    inflated += piece.length;
    if (inflated > maxInflatedBytes) {
      started().destroy();
      throw new InflatedSizeError('gzip', maxInflatedBytes, `the records inflate to ${inflated} bytes or more`);
    }
    return piece;
  };
  return {
    next() {
      const ready = take();
      if (ready !== undefined) return ready;
      return new Promise<Buffer | null>((resolve, reject) => {
        wake = () => {
          try {
            const piece = take();
            if (piece === undefined) return;
            wake = null;
            resolve(piece);
          } catch (error) {
            wake = null;
            reject(error as Error);
          }
        };
      });
    },
    close() {
      gunzip?.destroy();
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
 * inflates in one go up to 8 MiB and streams past that, off the event loop (see
 * {@link gunzipStream}): the reader must await the promises its source may give and call
 * `close()` if it stops early. The snappy, LZ4 and zstd libraries here only inflate a
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
