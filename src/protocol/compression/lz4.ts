import type { Codec } from './codec.js';
import { lz4FrameRanges } from './lz4-frame.js';
import { lazyNativeModule } from './load-native.js';

const lz4 = lazyNativeModule<typeof import('lz4-napi')>('lz4', 'lz4-napi');

function frames(data: Buffer): Buffer[] {
  return lz4FrameRanges(data).map(({ start, end }) => data.subarray(start, end));
}

function joined(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * Codec id 3: the LZ4 frame format (Kafka >= 0.10, magic 1 and 2). lz4-napi's frame encoder sets
 * the block-independence flag, which Java's KafkaLZ4BlockInputStream requires ("Dependent block
 * stream is unsupported"); it writes no content size and no checksums, like Java's default.
 * The decoder accepts linked or independent blocks, with or without block/content checksums and
 * content size (it verifies the checksums that are present), as librdkafka and Java write them.
 */
export const lz4Codec: Codec = {
  name: 'lz4',
  compress: (data) => lz4().compressFrame(data),
  compressSync: (data) => lz4().compressFrameSync(data),
  decompressSync: (data) => joined(frames(data).map((frame) => lz4().decompressFrameSync(frame))),
  decompress: async (data) => joined(await Promise.all(frames(data).map((frame) => lz4().decompressFrame(frame)))),
};
