import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { crc32c, crc32cImplementation, crc32cPureJs } from '../../src/protocol/crc32c.js';

// The binding itself, loaded the way src/protocol/crc32c.ts loads it, to compare against directly
// (crc32c() itself uses the table version for small inputs). Every platform this project
// supports has a prebuilt binary, so failing to load it here is a broken install, not a skip.
const native = (createRequire(import.meta.url)('@node-rs/crc32') as typeof import('@node-rs/crc32')).crc32c;

function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const IMPLEMENTATIONS = [
  ['crc32c', crc32c],
  ['crc32cPureJs', crc32cPureJs],
  ['@node-rs/crc32', (data: Uint8Array, initial?: number) => native(data, initial)],
] as const;

describe.each(IMPLEMENTATIONS)('%s', (_name, crc) => {
  it('matches the CRC-32C check value for "123456789"', () => {
    expect(crc(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  // RFC 3720 (iSCSI) appendix B.4 test vectors.
  it.each([
    ['32 zero bytes', Buffer.alloc(32, 0x00), 0x8a9136aa],
    ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['bytes 0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    ['bytes 31..0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ])('matches the RFC 3720 vector: %s', (_label, data, expected) => {
    expect(crc(data)).toBe(expected);
  });

  it('returns 0 for empty input and passes `initial` through unchanged', () => {
    expect(crc(Buffer.alloc(0))).toBe(0);
    expect(crc(Buffer.alloc(0), 0xe3069283)).toBe(0xe3069283);
  });
});

describe('crc32c', () => {
  it('is backed by the native binding on this platform', () => {
    expect(crc32cImplementation).toBe('native');
  });

  it('returns an unsigned 32-bit integer', () => {
    const value = crc32c(Buffer.from('123456789'));
    expect(value).toBeGreaterThan(0x7fffffff); // would be negative if the sign bit leaked
    expect(Number.isInteger(value) && value <= 0xffffffff).toBe(true);
    for (let seed = 1; seed <= 50; seed++) {
      const crc = crc32c(pseudoRandomBytes(300, seed));
      expect(crc >= 0 && crc <= 0xffffffff && Number.isInteger(crc)).toBe(true);
    }
  });

  it('pure JS and native agree on random buffers of every size from 0 to 5000 bytes', () => {
    const source = pseudoRandomBytes(5000 + 7, 12345);
    const mismatches: number[] = [];
    for (let size = 0; size <= 5000; size++) {
      // Offset by size % 7 so the views start at varying, unaligned byte offsets.
      const data = source.subarray(size % 7, (size % 7) + size);
      const expected = native(data);
      if (crc32cPureJs(data) !== expected || crc32c(data) !== expected) mismatches.push(size);
    }
    expect(mismatches).toEqual([]);
  });

  it('pure JS and native agree on 1 MiB', () => {
    const data = pseudoRandomBytes(1024 * 1024, 777);
    const expected = native(data);
    expect(crc32cPureJs(data)).toBe(expected);
    expect(crc32c(data)).toBe(expected);
  });

  it('chains through `initial`: crc32c(b, crc32c(a)) === crc32c(a + b)', () => {
    const whole = pseudoRandomBytes(4096, 4242);
    // Splits on both sides of the size where crc32c switches between table and native code.
    for (const split of [0, 1, 15, 16, 17, 255, 256, 257, 1000, 4095, 4096]) {
      const a = whole.subarray(0, split);
      const b = whole.subarray(split);
      const expected = native(whole);
      expect(crc32c(b, crc32c(a))).toBe(expected);
      expect(crc32cPureJs(b, crc32cPureJs(a))).toBe(expected);
      expect(crc32c(b, crc32cPureJs(a))).toBe(expected);
    }
  });

  it('computes over a subrange view without copying it', () => {
    const buffer = Buffer.concat([Buffer.from('header:'), Buffer.from('123456789'), Buffer.from(':trailer')]);
    expect(crc32c(buffer.subarray(7, 16))).toBe(0xe3069283);
    const large = pseudoRandomBytes(10_000, 5);
    expect(crc32c(large.subarray(1234, 9876))).toBe(native(Buffer.from(large.subarray(1234, 9876))));
  });

  it('accepts a plain Uint8Array as well as a Buffer', () => {
    const bytes = new Uint8Array(pseudoRandomBytes(700, 9));
    expect(crc32c(bytes)).toBe(native(Buffer.from(bytes)));
    expect(crc32cPureJs(bytes)).toBe(native(Buffer.from(bytes)));
  });
});

describe('crc32c without the native binding', () => {
  it('falls back to the table implementation and still computes correct values', async () => {
    vi.resetModules();
    vi.doMock('node:module', async (importOriginal) => {
      const original = await importOriginal<typeof import('node:module')>();
      const failingCreateRequire = (() => () => {
        throw new Error('simulated: no prebuilt binary for this platform');
      }) as unknown as typeof original.createRequire;
      return { ...original, default: { ...original, createRequire: failingCreateRequire }, createRequire: failingCreateRequire };
    });
    try {
      const fallback = await import('../../src/protocol/crc32c.js');
      expect(fallback.crc32cImplementation).toBe('js');
      expect(fallback.crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
      const data = pseudoRandomBytes(100_000, 31);
      expect(fallback.crc32c(data)).toBe(native(data));
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });
});
