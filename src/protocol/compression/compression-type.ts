import { CompressionError } from './compression-error.js';

/** Record batch codec ids, attributes bits 0-2 (magic 2). Ids 5-7 are unassigned. */
export const CompressionType = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

// Indexed by codec id; ids past the end (5-7 fit in the 3 attribute bits) are unassigned.
const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Narrows an arbitrary number (e.g. `attributes & 7` off the wire) to a known codec id. */
export function isCompressionType(value: number): value is CompressionType {
  return Number.isInteger(value) && value >= 0 && value < NAMES.length;
}

export function compressionName(type: CompressionType): CompressionName {
  if (!isCompressionType(type)) throw unknownCompressionType(type);
  return NAMES[type];
}

export function unknownCompressionType(type: number): CompressionError {
  return new CompressionError('unknown', `unknown compression codec id ${type} (attributes bits 0-2 must be 0-4)`);
}
