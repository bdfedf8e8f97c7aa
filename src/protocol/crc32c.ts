/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the record batch checksum (magic 2).
 * Uses @node-rs/crc32 (SSE4.2/ARMv8 CRC instructions, prebuilt N-API binary) when it loads and
 * a slicing-by-16 table implementation otherwise. `initial` is a previous result, so
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`. Pass `buf.subarray(start, end)` for a
 * range: a subarray is a view, so nothing is copied.
 */
import { createRequire } from 'node:module';

type NativeCrc32c = (input: Uint8Array, initialState?: number | null) => number;

function loadNativeCrc32c(): NativeCrc32c | undefined {
  try {
    const binding = createRequire(import.meta.url)('@node-rs/crc32') as typeof import('@node-rs/crc32');
    return binding.crc32c;
  } catch {
    // No prebuilt binary for this platform (or not installed): the table version is correct, just slower.
    return undefined;
  }
}

const nativeCrc32c = loadNativeCrc32c();

export const crc32cImplementation: 'native' | 'js' = nativeCrc32c === undefined ? 'js' : 'native';

// Below this size the N-API call overhead outweighs the faster native loop (measured: 128 B is
// ~1.5x faster in JS, 256 B is even, 1 KiB is ~2.5x faster native; see docs/compression.md).
const NATIVE_MIN_BYTES = 256;

export function crc32c(data: Uint8Array, initial = 0): number {
  if (nativeCrc32c === undefined || data.length < NATIVE_MIN_BYTES) return crc32cPureJs(data, initial);
  return nativeCrc32c(data, initial >>> 0) >>> 0;
}

const CASTAGNOLI_REFLECTED = 0x82f63b78;
const SLICES = 16;

// TABLE[k * 256 + b] is the CRC of byte b followed by k zero bytes, which lets the main loop
// fold 16 input bytes per iteration with independent lookups.
const TABLE = buildSlicingTable();

function buildSlicingTable(): Int32Array {
  const table = new Int32Array(256 * SLICES);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ CASTAGNOLI_REFLECTED : crc >>> 1;
    table[byte] = crc;
  }
  for (let slice = 1; slice < SLICES; slice++) {
    for (let byte = 0; byte < 256; byte++) {
      const previous = table[(slice - 1) * 256 + byte];
      table[slice * 256 + byte] = (previous >>> 8) ^ table[previous & 0xff];
    }
  }
  return table;
}

/** Portable CRC-32C (slicing-by-16); always available, ~1.4 GB/s here. */
export function crc32cPureJs(data: Uint8Array, initial = 0): number {
  const t = TABLE;
  const length = data.length;
  const blockEnd = length - (length % SLICES);
  let crc = ~initial;
  let i = 0;
  for (; i < blockEnd; i += SLICES) {
    crc ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    crc =
      t[3840 + (crc & 0xff)] ^
      t[3584 + ((crc >>> 8) & 0xff)] ^
      t[3328 + ((crc >>> 16) & 0xff)] ^
      t[3072 + (crc >>> 24)] ^
      t[2816 + data[i + 4]] ^
      t[2560 + data[i + 5]] ^
      t[2304 + data[i + 6]] ^
      t[2048 + data[i + 7]] ^
      t[1792 + data[i + 8]] ^
      t[1536 + data[i + 9]] ^
      t[1280 + data[i + 10]] ^
      t[1024 + data[i + 11]] ^
      t[768 + data[i + 12]] ^
      t[512 + data[i + 13]] ^
      t[256 + data[i + 14]] ^
      t[data[i + 15]];
  }
  for (; i < length; i++) crc = (crc >>> 8) ^ t[(crc ^ data[i]) & 0xff];
  return ~crc >>> 0;
}
