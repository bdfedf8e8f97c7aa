// The synchronous loader of zstd's WebAssembly (src/protocol/compression/zstd-wasm.ts): what the
// package's own glue did at import time, done on first use.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadZstdWasm, zstdGluePath } from '../../src/protocol/compression/zstd-wasm.js';
import { zstdCodec, zstdVersion } from '../../src/protocol/compression/zstd.js';
import { removeTempDirs, tempDir } from '../support/broker-harness.js';

describe('zstd WebAssembly, loaded synchronously', () => {
  afterAll(removeTempDirs);

  it('instantiates the installed module: libzstd 1.5.6, with its contexts constructed', () => {
    const wasm = loadZstdWasm();
    expect(wasm.versionNumber()).toBe(10506);
    expect(zstdVersion()).toBe('1.5.6');
    // An error code's name comes out of the module's memory.
    expect(wasm.errorName(-1)).toMatch(/error/i);
  });

  it('grows the module memory for payloads larger than it starts with, and keeps working after', () => {
    const wasm = loadZstdWasm();
    const before = wasm.heap().byteLength;
    const block = wasm.malloc(before * 2);
    expect(block).not.toBe(0);
    expect(wasm.heap().byteLength).toBeGreaterThan(before * 2);
    wasm.free(block);
    const big = Buffer.alloc(before * 2, 'streamwright ');
    const compressed = zstdCodec.compressSync(big);
    expect(compressed.length).toBeLessThan(big.length / 100);
    expect(zstdCodec.decompressSync(compressed).equals(big)).toBe(true);
    const small = Buffer.from('after the growth');
    expect(zstdCodec.decompressSync(zstdCodec.compressSync(small)).toString()).toBe('after the growth');
  });

  it('refuses a glue that is not laid out as expected, naming what is missing', () => {
    const dir = tempDir('streamwright-zstd-glue-');
    const original = readFileSync(zstdGluePath(), 'latin1');
    const noModule = join(dir, 'no-module.js');
    writeFileSync(noModule, 'export default function createModule() {}\n');
    expect(() => loadZstdWasm(noModule)).toThrow(/not as expected \(no embedded module\)/);

    const renamed = join(dir, 'renamed.js');
    writeFileSync(renamed, original.replaceAll('_ZSTD_decompressBound', '_ZSTD_renamedBound'), 'latin1');
    expect(() => loadZstdWasm(renamed)).toThrow(/no binding for ZSTD_decompressBound/);
  });
});
