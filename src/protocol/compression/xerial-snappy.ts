import { CompressionError } from './compression-error.js';

/**
 * The xerial snappy-java stream framing that the Java client writes (SnappyOutputStream):
 * a 16-byte header — magic `0x82 'SNAPPY' 0x00`, int32 version, int32 compatible version —
 * then repeated [int32 big-endian block length, raw snappy block].
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 4 + 4;
const BLOCK_LENGTH_BYTES = 4;

// A raw snappy stream cannot start with these bytes (they would decode as a copy element before
// any literal), so the magic alone tells the two formats apart — the same test librdkafka uses.
export function isXerialFramed(data: Uint8Array): boolean {
  return startsWithMagic(data, 0);
}

/**
 * Splits a xerial stream into its raw snappy blocks (views, not copies). The version fields are
 * not checked: every writer uses 1, and librdkafka ignores them too. A header appearing where a
 * block length is expected starts a concatenated stream, which snappy-java also accepts.
 */
export function xerialBlocks(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (startsWithMagic(data, offset)) {
      if (data.length - offset < XERIAL_HEADER_BYTES) throw truncated(`header at offset ${offset}`);
      offset += XERIAL_HEADER_BYTES;
      continue;
    }
    if (data.length - offset < BLOCK_LENGTH_BYTES) throw truncated(`block length at offset ${offset}`);
    const blockLength = data.readInt32BE(offset);
    offset += BLOCK_LENGTH_BYTES;
    if (blockLength < 0 || blockLength > data.length - offset) {
      throw truncated(`block at offset ${offset - BLOCK_LENGTH_BYTES} declares ${blockLength} bytes, ${data.length - offset} remain`);
    }
    blocks.push(data.subarray(offset, offset + blockLength));
    offset += blockLength;
  }
  return blocks;
}

function startsWithMagic(data: Uint8Array, offset: number): boolean {
  if (data.length - offset < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) {
    if (data[offset + i] !== XERIAL_MAGIC[i]) return false;
  }
  return true;
}

function truncated(what: string): CompressionError {
  return new CompressionError('snappy', `truncated or corrupt xerial snappy stream: ${what}`);
}
