import { ProtocolEncodeError } from '../errors.js';

/**
 * Writes Kafka's primitive types into a growable buffer. Callers reserve space implicitly;
 * the buffer doubles when it runs out, so encoding is amortised O(n) with few copies.
 */
export class ByteWriter {
  private buffer: Buffer;
  offset = 0;

  constructor(initialCapacity = 256) {
    this.buffer = Buffer.allocUnsafe(initialCapacity);
  }

  private ensure(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }

  /** The bytes written so far (a view, valid until the next write). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  writeInt8(value: number): this {
    this.ensure(1);
    this.buffer.writeInt8(value, this.offset);
    this.offset += 1;
    return this;
  }
  writeUInt8(value: number): this {
    this.ensure(1);
    this.buffer[this.offset++] = value;
    return this;
  }
  writeInt16(value: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }
  writeUInt16(value: number): this {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }
  writeInt32(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }
  writeUInt32(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }
  writeInt64(value: bigint): this {
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
    return this;
  }
  writeFloat64(value: number): this {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
    return this;
  }
  writeBoolean(value: boolean): this {
    return this.writeUInt8(value ? 1 : 0);
  }

  writeUnsignedVarint(value: number): this {
    if (value < 0 || value > 0xffffffff || !Number.isInteger(value)) {
      throw new ProtocolEncodeError(`unsigned varint out of range: ${value}`);
    }
    this.ensure(5);
    while (value >= 0x80) {
      this.buffer[this.offset++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.offset++] = value;
    return this;
  }

  writeVarint(value: number): this {
    return this.writeUnsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  writeVarlong(value: number | bigint): this {
    if (typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) < 2 ** 31) return this.writeVarint(value);
    let raw = BigInt(value);
    raw = (raw << 1n) ^ (raw >> 63n);
    raw &= 0xffffffffffffffffn;
    this.ensure(10);
    while (raw >= 0x80n) {
      this.buffer[this.offset++] = Number(raw & 0x7fn) | 0x80;
      raw >>= 7n;
    }
    this.buffer[this.offset++] = Number(raw);
    return this;
  }

  writeRaw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** Writes a utf8 string prefixed by its byte length in the given length encoding. */
  private writeUtf8(value: string, writeLength: (length: number) => void): this {
    const length = Buffer.byteLength(value, 'utf8');
    writeLength(length);
    this.ensure(length);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
    return this;
  }

  writeString(value: string): this {
    return this.writeUtf8(value, (length) => {
      if (length > 0x7fff) throw new ProtocolEncodeError(`string of ${length} bytes exceeds int16 length`);
      this.writeInt16(length);
    });
  }
  writeNullableString(value: string | null): this {
    return value === null ? this.writeInt16(-1) : this.writeString(value);
  }
  writeCompactString(value: string): this {
    return this.writeUtf8(value, (length) => this.writeUnsignedVarint(length + 1));
  }
  writeCompactNullableString(value: string | null): this {
    return value === null ? this.writeUnsignedVarint(0) : this.writeCompactString(value);
  }
  writeBytes(value: Uint8Array): this {
    return this.writeInt32(value.length).writeRaw(value);
  }
  writeNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.writeInt32(-1) : this.writeBytes(value);
  }
  writeCompactBytes(value: Uint8Array): this {
    return this.writeUnsignedVarint(value.length + 1).writeRaw(value);
  }
  writeCompactNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.writeUnsignedVarint(0) : this.writeCompactBytes(value);
  }

  /** Reserves `bytes` to be filled later (e.g. a length prefix) and returns their offset. */
  reserve(bytes: number): number {
    this.ensure(bytes);
    const at = this.offset;
    this.offset += bytes;
    return at;
  }
  patchInt32(at: number, value: number): void {
    this.buffer.writeInt32BE(value, at);
  }
  patchUInt32(at: number, value: number): void {
    this.buffer.writeUInt32BE(value, at);
  }
}
