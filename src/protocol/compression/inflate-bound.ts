import { CompressionError } from './compression-error.js';
import { isXerialFramed, xerialBlocks } from './xerial-snappy.js';
import { lz4InflatedBound } from './lz4-frame.js';
import { zstdInflatedBound } from './zstd.js';

/**
 * The most bytes a payload can inflate to, read from its framing without decompressing it:
 * snappy blocks carry their exact length, LZ4 frames a content size or a block count and a
 * maximum block size, zstd frames a content size or a block count (ZSTD_decompressBound).
 * Lets a caller refuse a batch before the codec allocates its whole output. Gzip has no such
 * bound (it streams instead: see inflate-stream.ts).
 */
export function inflatedBound(codec: 'snappy' | 'lz4' | 'zstd', data: Buffer): number {
  switch (codec) {
    case 'snappy':
      return isXerialFramed(data) ? xerialBlocks(data).reduce((total, block) => total + snappyLength(block), 0) : snappyLength(data);
    case 'lz4':
      return lz4InflatedBound(data);
    case 'zstd':
      return zstdInflatedBound(data);
  }
}

/** A raw snappy block starts with its uncompressed length, a little-endian base-128 varint of at most 32 bits. */
function snappyLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = block[i];
    if (byte === undefined) break;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw new CompressionError('snappy', 'corrupt snappy block: bad uncompressed length preamble');
}
