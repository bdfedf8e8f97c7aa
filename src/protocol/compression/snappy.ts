import type { Codec } from './codec.js';
import { CompressionError } from './compression-error.js';
import { lazyNativeModule } from './load-native.js';
import { isXerialFramed, xerialBlocks } from './xerial-snappy.js';

const snappy = lazyNativeModule<typeof import('snappy')>('snappy', 'snappy');

// Output buffer ownership, chosen by measurement (1 MiB batches, 5 bench runs, docs/compression.md):
// napi-rs by default hands its Rust allocation to V8 as an external buffer. On the sync path that
// ran at ~200 MiB/s instead of ~630 (compress) in some runs, while copying into a V8-owned buffer
// was steady (659-664 compress, 1812-1934 decompress). The async path varied as much either way,
// so it keeps the library default.
const SYNC_ENCODE = { copyOutputData: true };
const SYNC_DECODE = { asBuffer: true, copyOutputData: true };
const ASYNC_ENCODE = { copyOutputData: false };
const ASYNC_DECODE = { asBuffer: true, copyOutputData: false };

function asBuffer(output: string | Buffer): Buffer {
  if (typeof output === 'string') throw new CompressionError('snappy', 'library returned a string instead of bytes');
  return output;
}

function decompressRawSync(block: Buffer): Buffer {
  return asBuffer(snappy().uncompressSync(block, SYNC_DECODE));
}

async function decompressRaw(block: Buffer): Promise<Buffer> {
  return asBuffer(await snappy().uncompress(block, ASYNC_DECODE));
}

/**
 * Codec id 2. Decodes both raw snappy blocks (librdkafka, kafkajs-snappy) and xerial framing
 * (the Java client). Encodes raw snappy, like librdkafka: every client reads it, including
 * Java, whose snappy-java input stream falls back to raw decoding when the magic is missing.
 */
export const snappyCodec: Codec = {
  name: 'snappy',
  compress: (data) => snappy().compress(data, ASYNC_ENCODE),
  compressSync: (data) => snappy().compressSync(data, SYNC_ENCODE),
  decompressSync(data) {
    if (!isXerialFramed(data)) return decompressRawSync(data);
    return Buffer.concat(xerialBlocks(data).map(decompressRawSync));
  },
  async decompress(data) {
    if (!isXerialFramed(data)) return decompressRaw(data);
    // Blocks are independent, so they can inflate on the thread pool in parallel.
    return Buffer.concat(await Promise.all(xerialBlocks(data).map(decompressRaw)));
  },
};
