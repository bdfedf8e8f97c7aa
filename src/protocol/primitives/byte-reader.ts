import { ProtocolDecodeError } from '../errors.js';

const EMPTY = Buffer.alloc(0);

/**
 * Reads Kafka's primitive types from a buffer, big endian, checking every length against the
 * bytes that remain so that hostile input fails with {@link ProtocolDecodeError} instead of a
 * RangeError, a huge allocation or a hang.
 */
export class ByteReader {
  offset: number;
  /** Exclusive upper bound: the reader never reads at or past it. */
  readonly end: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
    end = buffer.length,
  ) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  fail(message: string): never {
    throw new ProtocolDecodeError(message, this.offset);
  }

  private need(bytes: number): number {
    const at = this.offset;
    if (bytes > this.end - at) this.fail(`need ${bytes} bytes, ${this.end - at} left`);
    this.offset = at + bytes;
    return at;
  }

  readInt8(): number {
    return this.buffer.readInt8(this.need(1));
  }
  readUInt8(): number {
    return this.buffer[this.need(1)]!;
  }
  readInt16(): number {
    return this.buffer.readInt16BE(this.need(2));
  }
  readUInt16(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }
  readInt32(): number {
    return this.buffer.readInt32BE(this.need(4));
  }
  readUInt32(): number {
    return this.buffer.readUInt32BE(this.need(4));
  }
  readInt64(): bigint {
    return this.buffer.readBigInt64BE(this.need(8));
  }
  readFloat64(): number {
    return this.buffer.readDoubleBE(this.need(8));
  }
  readBoolean(): boolean {
    return this.buffer[this.need(1)] !== 0;
  }

  /** Unsigned LEB128, at most 5 bytes (a 32-bit value): compact lengths, tags, tag sizes. */
  readUnsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.readUInt8();
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) this.fail('unsigned varint exceeds 32 bits');
        return value;
      }
    }
    this.fail('unsigned varint longer than 5 bytes');
  }

  /** Zig-zag varint (int32): record lengths, deltas, key/value/header lengths. */
  readVarint(): number {
    const raw = this.readUnsignedVarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** Zig-zag varlong as a bigint (up to 10 bytes). */
  readVarlongBig(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.readUInt8();
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffffffffffffn) this.fail('varlong exceeds 64 bits');
        return (value >> 1n) ^ -(value & 1n);
      }
    }
    this.fail('varlong longer than 10 bytes');
  }

  /** Zig-zag varlong as a number; record timestamp deltas are small, so this avoids bigint on the hot path. */
  readVarlong(): number {
    const start = this.offset;
    let raw = 0;
    for (let shift = 0; shift < 53; shift += 7) {
      const byte = this.readUInt8();
      raw += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (raw > Number.MAX_SAFE_INTEGER) break;
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      }
    }
    this.offset = start;
    const big = this.readVarlongBig();
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.offset = start;
      this.fail('varlong does not fit in a safe integer');
    }
    return Number(big);
  }

  readUuid(): Buffer {
    return this.buffer.subarray(this.need(16), this.offset);
  }

  /** A slice of the input (no copy), as Kafka's zero-copy fields are. */
  readRaw(length: number): Buffer {
    if (length === 0) return EMPTY;
    return this.buffer.subarray(this.need(length), this.offset);
  }

  private readUtf8(length: number): string {
    if (length === 0) return '';
    const at = this.need(length);
    return this.buffer.toString('utf8', at, at + length);
  }

  // Classic encodings: int16 length for strings, int32 length for bytes, -1 = null.
  readString(): string {
    const length = this.readInt16();
    if (length < 0) this.fail(`string length ${length} for a non-nullable string`);
    return this.readUtf8(length);
  }
  readNullableString(): string | null {
    const length = this.readInt16();
    if (length === -1) return null;
    if (length < 0) this.fail(`invalid string length ${length}`);
    return this.readUtf8(length);
  }
  readBytes(): Buffer {
    const length = this.readInt32();
    if (length < 0) this.fail(`bytes length ${length} for non-nullable bytes`);
    return this.readRaw(length);
  }
  readNullableBytes(): Buffer | null {
    const length = this.readInt32();
    if (length === -1) return null;
    if (length < 0) this.fail(`invalid bytes length ${length}`);
    return this.readRaw(length);
  }

  // Compact encodings (flexible versions): unsigned varint N+1, 0 = null.
  readCompactString(): string {
    const length = this.readUnsignedVarint() - 1;
    if (length < 0) this.fail('null compact string for a non-nullable string');
    return this.readUtf8(length);
  }
  readCompactNullableString(): string | null {
    const length = this.readUnsignedVarint() - 1;
    return length < 0 ? null : this.readUtf8(length);
  }
  readCompactBytes(): Buffer {
    const length = this.readUnsignedVarint() - 1;
    if (length < 0) this.fail('null compact bytes for non-nullable bytes');
    return this.readRaw(length);
  }
  readCompactNullableBytes(): Buffer | null {
    const length = this.readUnsignedVarint() - 1;
    return length < 0 ? null : this.readRaw(length);
  }

  /**
   * An array count, checked against the bytes left: every element takes at least
   * `minElementBytes`, so a count larger than that allows is malformed (and must not
   * make us allocate a huge array).
   */
  readArrayCount(compact: boolean, nullable: boolean, minElementBytes = 1): number {
    const count = compact ? this.readUnsignedVarint() - 1 : this.readInt32();
    if (count < 0) {
      if (count === -1 && nullable) return -1;
      this.fail(count === -1 ? 'null array for a non-nullable array' : `invalid array length ${count}`);
    }
    if (count * minElementBytes > this.remaining) this.fail(`array of ${count} elements exceeds the ${this.remaining} bytes left`);
    return count;
  }
}
