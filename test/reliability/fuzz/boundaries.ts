/** Boundary values the field mutator writes, per encoding: zero, sign edges, limits, sizes near the frame's. */
import type { FieldKind } from './field-map.js';

const INT32_EDGES = [0n, 1n, -1n, -2n, 0x7fffffffn, 0x7ffffffen, -0x80000000n, 0xffffn, 0x10000n, 10_000n, 100_000n, 1n << 20n, 1n << 24n, 1n << 30n];

export function boundaryValues(kind: FieldKind, frameLength: number): readonly bigint[] {
  const near = [BigInt(frameLength), BigInt(frameLength + 1), BigInt(frameLength * 2)];
  switch (kind) {
    case 'int8':
      return [0n, 1n, -1n, 2n, 3n, 4n, 5n, 7n, 0x7fn, -0x80n];
    case 'int16':
      return [0n, 1n, -1n, -2n, 0x7fffn, 0x7ffen, -0x8000n, 0xffn, 1000n, BigInt(Math.min(frameLength + 1, 0x7fff))];
    case 'int32':
      return [...INT32_EDGES, ...near];
    case 'int64':
      return [0n, -1n, -2n, (1n << 63n) - 1n, -(1n << 63n), 1n << 32n, BigInt(Date.now()) + (1n << 40n)];
    case 'uvarint':
      // Compact lengths are N+1: 0 = null, 1 = empty; 0xffffffff is the longest 5-byte value.
      return [0n, 1n, 2n, 0x7fn, 0x80n, 0xffffffffn, 0x7fffffffn, 0x80000000n, 1n << 20n, 1n << 28n, ...near];
    case 'varint':
      return [0n, -1n, -2n, 1n, 0x7fffffffn, -0x80000000n, 1n << 20n, 1n << 28n, ...near];
    case 'varlong':
      return [0n, -1n, (1n << 63n) - 1n, -(1n << 63n), 1n << 40n];
  }
}
