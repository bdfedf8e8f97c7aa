/** Byte-level helpers for the mutators: integer and varint writes, splices, size prefixes. */
import { crc32c } from '../../../src/protocol/crc32c.js';
import type { Field } from './field-map.js';

export function withSizePrefix(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export function unsignedVarint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

export function zigzagVarint(value: number): Buffer {
  return unsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

export function zigzagVarlong(value: bigint): Buffer {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}

export function splice(buf: Buffer, at: number, removed: number, inserted: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, at), inserted, buf.subarray(at + removed)]);
}

/** The bytes of `value` in the field's encoding (fixed ints wrap to their width). */
export function encodeField(kind: Field['kind'], value: bigint): Buffer {
  switch (kind) {
    case 'int8': {
      const b = Buffer.alloc(1);
      b.writeInt8(Number(BigInt.asIntN(8, value)));
      return b;
    }
    case 'int16': {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Number(BigInt.asIntN(16, value)));
      return b;
    }
    case 'int32': {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Number(BigInt.asIntN(32, value)));
      return b;
    }
    case 'int64': {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt.asIntN(64, value));
      return b;
    }
    case 'uvarint':
      return unsignedVarint(Number(BigInt.asUintN(32, value)));
    case 'varint':
      return zigzagVarint(Number(BigInt.asIntN(32, value)));
    case 'varlong':
      return zigzagVarlong(BigInt.asIntN(64, value));
  }
}

/** Rewrites a magic-2 batch's CRC (over attributes .. end), as a client would. */
export function fixBatchCrc(batch: Buffer): void {
  if (batch.length >= 61) batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
}
