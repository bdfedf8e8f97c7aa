import type { CompressionName } from './compression-type.js';

/**
 * One record-batch codec. Implementations may throw library errors; the public functions in
 * index.ts wrap everything into CompressionError, so codecs only throw their own
 * CompressionErrors for structural problems they detect themselves.
 */
export interface Codec {
  readonly name: CompressionName;
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
  compressSync(data: Buffer): Buffer;
  decompressSync(data: Buffer): Buffer;
}
