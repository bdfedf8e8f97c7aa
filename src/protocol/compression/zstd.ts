import type { Codec } from './codec.js';
import { CompressionError } from './compression-error.js';

type ZstdWasm = typeof import('@cloudpss/zstd/wasm');

/**
 * @cloudpss/zstd ships libzstd twice: an N-API addon and a WebAssembly build. We use the WASM
 * build on purpose. The addon keeps one process-wide compression context, so two worker threads
 * compressing at once crash the process (reproduced: SIGSEGV); a WASM instance belongs to one
 * isolate, so each thread gets its own. It also needs no install step and runs on every platform.
 *
 * The module initialises asynchronously (top-level await), so it is loaded here, at import time
 * (~25 ms), to keep the sync API possible. A failure (e.g. WebAssembly disabled) is kept and
 * reported when zstd is used, so the other codecs stay usable.
 */
const loaded: ZstdWasm | { failure: unknown } = await import('@cloudpss/zstd/wasm').catch((failure: unknown) => ({ failure }));

function zstd(): ZstdWasm {
  if ('failure' in loaded) {
    throw new CompressionError('zstd', 'codec unavailable: @cloudpss/zstd (WebAssembly) failed to load', { cause: loaded.failure });
  }
  return loaded;
}

// Kafka's default `compression.zstd.level`.
const KAFKA_DEFAULT_LEVEL = 3;

/** The library returns Uint8Arrays; wrap them as Buffers without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function compressSync(data: Buffer): Buffer {
  return asBuffer(zstd().compress(data, KAFKA_DEFAULT_LEVEL));
}

/**
 * Sizes the output with ZSTD_decompressBound, so frames without a content size in the header
 * (streaming writers such as librdkafka can produce those) decode, as do several concatenated
 * frames and skippable frames. Truncated frames and trailing garbage are errors.
 */
function decompressSync(data: Buffer): Buffer {
  // libzstd treats zero bytes as zero frames, i.e. valid and empty; every encoder writes a frame.
  if (data.length === 0) throw new CompressionError('zstd', 'empty input is not a zstd frame');
  return asBuffer(zstd().decompress(data));
}

// ZSTD_decompressBound's error value (ZSTD_CONTENTSIZE_ERROR) as the WASM build returns it (a size_t of 32 bits).
const CONTENT_SIZE_ERROR = 2 ** 32 - 2;

/**
 * The most bytes `data` can decompress to (libzstd's ZSTD_decompressBound): the sum of the
 * frames' content sizes, or for a frame without one, its block count times the largest block.
 * Only the compressed bytes are touched, so a caller can refuse a bomb before allocating.
 */
export function zstdInflatedBound(data: Buffer): number {
  if (data.length === 0) throw new CompressionError('zstd', 'empty input is not a zstd frame');
  const module = zstd()._WasmModule;
  const at = module._malloc(data.length);
  if (at === 0) throw new CompressionError('zstd', `cannot allocate ${data.length} bytes of WebAssembly memory`);
  try {
    module.HEAPU8.set(data, at);
    const bound = module._ZSTD_decompressBound(at, data.length);
    const unsigned = bound < 0 ? bound + 2 ** 32 : bound;
    if (unsigned === CONTENT_SIZE_ERROR) throw new CompressionError('zstd', 'invalid zstd frame');
    return unsigned;
  } finally {
    module._free(at);
  }
}

/**
 * Codec id 4. WebAssembly runs on the calling thread, so the async variants are the sync ones
 * behind a promise: they do not free the event loop.
 */
export const zstdCodec: Codec = {
  name: 'zstd',
  compress: async (data) => compressSync(data),
  decompress: async (data) => decompressSync(data),
  compressSync,
  decompressSync,
};
