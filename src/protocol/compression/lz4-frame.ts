import { CompressionError } from './compression-error.js';

/**
 * Structural walk over LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md).
 * lz4-napi decodes a frame's contents and verifies its checksums, but it accepts a frame that is
 * cut off at a block boundary (no end mark), decodes only the first of several frames, and
 * ignores trailing bytes. Walking the block headers first — O(blocks), no data is touched —
 * turns those cases into errors and lets us decode concatenated frames.
 */
const FRAME_MAGIC = 0x184d2204;
const LEGACY_FRAME_MAGIC = 0x184c2102;
const SKIPPABLE_MAGIC = 0x184d2a50; // low nibble is free: 0x184D2A50..0x184D2A5F
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;

const FRAME_VERSION = 1;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICTIONARY_ID = 0x01;
const UNCOMPRESSED_BLOCK_FLAG_MASK = 0x7fffffff;
const END_MARK = 0;

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Returns where each LZ4 frame in `data` starts and ends; skippable frames are left out. */
export function lz4FrameRanges(data: Buffer): ByteRange[] {
  if (data.length === 0) throw corrupt('empty input is not an LZ4 frame');
  const frames: ByteRange[] = [];
  let offset = 0;
  while (offset < data.length) {
    requireBytes(data, offset, 4, 'frame magic');
    const magic = data.readUInt32LE(offset);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      requireBytes(data, offset, 8, 'skippable frame size');
      const size = data.readUInt32LE(offset + 4);
      requireBytes(data, offset + 8, size, 'skippable frame');
      offset += 8 + size;
    } else if (magic === FRAME_MAGIC) {
      const end = frameEnd(data, offset);
      frames.push({ start: offset, end });
      offset = end;
    } else if (magic === LEGACY_FRAME_MAGIC) {
      throw corrupt('legacy LZ4 format is not a Kafka codec (Kafka uses the LZ4 frame format)');
    } else {
      throw corrupt(`bad LZ4 frame magic 0x${magic.toString(16)} at offset ${offset}`);
    }
  }
  if (frames.length === 0) throw corrupt('input holds only skippable frames');
  return frames;
}

/** Block maximum sizes by the BD byte's bits 4-6 (values 4-7; 0-3 are reserved). */
const BLOCK_MAX_SIZES: Readonly<Record<number, number>> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

/**
 * The most bytes the LZ4 frames in `data` can decode to, without decoding them: a frame's
 * content size when its header carries one, else its block count times its maximum block size.
 */
export function lz4InflatedBound(data: Buffer): number {
  let bound = 0;
  for (const { start } of lz4FrameRanges(data)) {
    const flags = data[start + 4]!;
    if (flags & FLG_CONTENT_SIZE) {
      bound += Number(data.readBigUInt64LE(start + 6));
      continue;
    }
    const blockMax = BLOCK_MAX_SIZES[(data[start + 5]! >>> 4) & 0x7];
    if (blockMax === undefined) throw corrupt(`reserved LZ4 block maximum size in the frame at offset ${start}`);
    bound += frameBlockCount(data, start) * blockMax;
  }
  return bound;
}

function frameBlockCount(data: Buffer, start: number): number {
  let blocks = 0;
  frameEnd(data, start, () => blocks++);
  return blocks;
}

function frameEnd(data: Buffer, start: number, onBlock?: () => void): number {
  requireBytes(data, start, 6, 'frame descriptor');
  const flags = data[start + 4]!;
  const version = flags >>> 6;
  if (version !== FRAME_VERSION) throw corrupt(`unsupported LZ4 frame version ${version} at offset ${start}`);
  const hasBlockChecksum = (flags & FLG_BLOCK_CHECKSUM) !== 0;
  // magic, FLG, BD, optional content size and dictionary id, header checksum byte
  let offset = start + 6 + (flags & FLG_CONTENT_SIZE ? 8 : 0) + (flags & FLG_DICTIONARY_ID ? 4 : 0) + 1;
  requireBytes(data, start, offset - start, 'frame descriptor');
  for (;;) {
    requireBytes(data, offset, 4, 'block size or end mark');
    const blockSizeWord = data.readUInt32LE(offset);
    offset += 4;
    if (blockSizeWord === END_MARK) break;
    const blockBytes = (blockSizeWord & UNCOMPRESSED_BLOCK_FLAG_MASK) + (hasBlockChecksum ? 4 : 0);
    requireBytes(data, offset, blockBytes, 'block');
    onBlock?.();
    offset += blockBytes;
  }
  if (flags & FLG_CONTENT_CHECKSUM) {
    requireBytes(data, offset, 4, 'content checksum');
    offset += 4;
  }
  return offset;
}

function requireBytes(data: Buffer, offset: number, count: number, what: string): void {
  if (data.length - offset < count) {
    throw corrupt(`truncated LZ4 frame: ${what} needs ${count} bytes at offset ${offset}, ${Math.max(0, data.length - offset)} remain`);
  }
}

function corrupt(message: string): CompressionError {
  return new CompressionError('lz4', message);
}
