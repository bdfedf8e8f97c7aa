import type { Codec } from './codec.js';
import { CompressionError } from './compression-error.js';
import { loadZstdWasm, type ZstdWasm } from './zstd-wasm.js';

/**
 * @cloudpss/zstd ships libzstd twice: an N-API addon and a WebAssembly build. We use the WASM
 * build on purpose. The addon keeps one process-wide compression context, so two worker threads
 * compressing at once crash the process (reproduced: SIGSEGV); a WASM instance belongs to one
 * isolate, so each thread gets its own. It also needs no install step and runs on every platform.
 *
 * The module is compiled on the first zstd batch, synchronously (zstd-wasm.ts), so importing
 * this package costs nothing for zstd and the sync API stays sync; that first batch pays the
 * load once. A failure (e.g. WebAssembly disabled) is kept and reported whenever zstd is used,
 * so the other codecs stay usable.
 */
let loaded: ZstdWasm | { failure: unknown } | undefined;

function zstd(): ZstdWasm {
  if (loaded === undefined) {
    try {
      loaded = loadZstdWasm();
    } catch (failure) {
      loaded = { failure };
    }
  }
  if ('failure' in loaded) {
    throw new CompressionError('zstd', 'codec unavailable: @cloudpss/zstd (WebAssembly) failed to load', { cause: loaded.failure });
  }
  return loaded;
}

// Kafka's default `compression.zstd.level`.
const KAFKA_DEFAULT_LEVEL = 3;

// ZSTD_decompressBound's error value (ZSTD_CONTENTSIZE_ERROR) as the WASM build returns it (a size_t of 32 bits).
const CONTENT_SIZE_ERROR = 2 ** 32 - 2;

/** A size_t result of the 32-bit build, which JavaScript sees as a signed i32. */
function unsigned(value: number): number {
  return value < 0 ? value + 2 ** 32 : value;
}

/** Runs `work` with `data` copied into WebAssembly memory, freeing every allocation afterwards. */
function withInput<T>(wasm: ZstdWasm, data: Buffer, work: (input: number, allocate: (size: number) => number) => T): T {
  const allocated: number[] = [];
  const allocate = (size: number): number => {
    const at = wasm.malloc(size);
    if (at === 0) throw new CompressionError('zstd', `cannot allocate ${size} bytes of WebAssembly memory`);
    allocated.push(at);
    return at;
  };
  try {
    const input = allocate(data.length);
    wasm.heap().set(data, input);
    return work(input, allocate);
  } finally {
    for (const at of allocated) wasm.free(at);
  }
}

/** The `size` bytes at `at`, copied out of WebAssembly memory into a Buffer. */
function copyOut(wasm: ZstdWasm, at: number, size: number): Buffer {
  const copy = wasm.heap().slice(at, at + size);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
}

function checked(wasm: ZstdWasm, result: number): number {
  if (wasm.isError(result)) throw new CompressionError('zstd', wasm.errorName(result));
  return unsigned(result);
}

function compressSync(data: Buffer): Buffer {
  const wasm = zstd();
  return withInput(wasm, data, (input, allocate) => {
    const capacity = unsigned(wasm.compressBound(data.length));
    const output = allocate(capacity);
    const size = checked(wasm, wasm.compress(output, capacity, input, data.length, KAFKA_DEFAULT_LEVEL));
    return copyOut(wasm, output, size);
  });
}

function boundOf(wasm: ZstdWasm, input: number, size: number): number {
  const bound = unsigned(wasm.decompressBound(input, size));
  if (bound === CONTENT_SIZE_ERROR) throw new CompressionError('zstd', 'invalid zstd frame');
  return bound;
}

/**
 * Sizes the output with ZSTD_decompressBound, so frames without a content size in the header
 * (streaming writers such as librdkafka can produce those) decode, as do several concatenated
 * frames and skippable frames. Truncated frames and trailing garbage are errors.
 */
function decompressSync(data: Buffer): Buffer {
  // libzstd treats zero bytes as zero frames, i.e. valid and empty; every encoder writes a frame.
  if (data.length === 0) throw new CompressionError('zstd', 'empty input is not a zstd frame');
  const wasm = zstd();
  return withInput(wasm, data, (input, allocate) => {
    const capacity = boundOf(wasm, input, data.length);
    const output = allocate(capacity);
    const size = checked(wasm, wasm.decompress(output, capacity, input, data.length));
    return copyOut(wasm, output, size);
  });
}

/**
 * The most bytes `data` can decompress to (libzstd's ZSTD_decompressBound): the sum of the
 * frames' content sizes, or for a frame without one, its block count times the largest block.
 * Only the compressed bytes are touched, so a caller can refuse a bomb before allocating.
 */
export function zstdInflatedBound(data: Buffer): number {
  if (data.length === 0) throw new CompressionError('zstd', 'empty input is not a zstd frame');
  const wasm = zstd();
  return withInput(wasm, data, (input) => boundOf(wasm, input, data.length));
}

/** The linked libzstd's version, e.g. `1.5.6` (also a cheap way to load the module ahead of the first batch). */
export function zstdVersion(): string {
  const version = zstd().versionNumber();
  return `${Math.floor(version / 10000)}.${Math.floor(version / 100) % 100}.${version % 100}`;
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
