import type { Codec } from './codec.js';

/** Codec id 0: the records block is stored as is; the input buffer is returned, not copied. */
export const noneCodec: Codec = {
  name: 'none',
  compress: async (data) => data,
  decompress: async (data) => data,
  compressSync: (data) => data,
  decompressSync: (data) => data,
};
