import { ProtocolEncodeError } from '../errors.js';
import type { ByteReader } from '../primitives/byte-reader.js';
import type { ByteWriter } from '../primitives/byte-writer.js';
import { ZERO_UUID, uuidToBytes, uuidToString } from './uuid.js';

/** How one field (or array element) is read and written in one version. */
export interface ValueCodec {
  read(reader: ByteReader): unknown;
  write(writer: ByteWriter, value: unknown): void;
  /** A fresh default value (fresh, because arrays and structs are mutable). */
  defaultValue(): unknown;
  /** Whether a value equals the default: tagged fields are written only when it does not. */
  isDefault(value: unknown): boolean;
  /** The fewest bytes a value can take: bounds array counts against the bytes left. */
  readonly minSize: number;
  /** An array's element codec. */
  readonly element?: ValueCodec;
  /** A struct's field codec, by field name (undefined: not in this version). */
  field?(name: string): ValueCodec | undefined;
}

/**
 * An array value encoded earlier by the very codec that now writes it (the same field of the
 * same message version): its bytes are copied as they are. For an answer part that many
 * responses repeat unchanged (a topic's partitions in Metadata).
 */
export class PreEncoded {
  constructor(
    readonly codec: ValueCodec,
    readonly bytes: Buffer,
  ) {}
}

export interface ScalarOptions {
  readonly compact: boolean;
  readonly nullable: boolean;
  /** The JSON default, or undefined for the type's own default. */
  readonly defaultText: string | undefined;
}

const EMPTY = Buffer.alloc(0);

function parseNumber(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  return Number(text); // Number() understands "0x7fffffff" and "-1".
}

function fixed(
  minSize: number,
  def: unknown,
  read: (r: ByteReader) => unknown,
  write: (w: ByteWriter, v: never) => void,
): ValueCodec {
  return {
    read,
    write: write as (w: ByteWriter, v: unknown) => void,
    defaultValue: () => def,
    isDefault: (value) => value === def,
    minSize,
  };
}

function expectNumber(value: unknown): number {
  if (typeof value !== 'number') throw new ProtocolEncodeError(`expected a number, got ${typeof value}`);
  return value;
}

function toInt64(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new ProtocolEncodeError(`expected an int64 (bigint or safe integer), got ${String(value)}`);
}

/** Codecs for Kafka's primitive types. */
export function scalarCodec(type: string, options: ScalarOptions): ValueCodec {
  const { compact, nullable, defaultText } = options;
  switch (type) {
    case 'int8':
      return fixed(1, parseNumber(defaultText, 0), (r) => r.readInt8(), (w, v: number) => w.writeInt8(expectNumber(v)));
    case 'int16':
      return fixed(2, parseNumber(defaultText, 0), (r) => r.readInt16(), (w, v: number) => w.writeInt16(expectNumber(v)));
    case 'uint16':
      return fixed(2, parseNumber(defaultText, 0), (r) => r.readUInt16(), (w, v: number) => w.writeUInt16(expectNumber(v)));
    case 'int32':
      return fixed(4, parseNumber(defaultText, 0), (r) => r.readInt32(), (w, v: number) => w.writeInt32(expectNumber(v)));
    case 'uint32':
      return fixed(4, parseNumber(defaultText, 0), (r) => r.readUInt32(), (w, v: number) => w.writeUInt32(expectNumber(v)));
    case 'float64':
      return fixed(8, parseNumber(defaultText, 0), (r) => r.readFloat64(), (w, v: number) => w.writeFloat64(expectNumber(v)));
    case 'int64':
      return fixed(8, BigInt(defaultText ?? 0), (r) => r.readInt64(), (w, v: bigint | number) => w.writeInt64(toInt64(v)));
    case 'bool':
      return fixed(1, defaultText?.toLowerCase() === 'true', (r) => r.readBoolean(), (w, v: boolean) => w.writeBoolean(v));
    case 'uuid':
      return {
        read: (r) => uuidToString(r.readUuid()),
        write: (w, v) => w.writeRaw(uuidToBytes(v as string)),
        defaultValue: () => ZERO_UUID,
        isDefault: (v) => v === ZERO_UUID,
        minSize: 16,
      };
    case 'string':
      return stringCodec(compact, nullable, defaultText === 'null' ? null : (defaultText ?? ''));
    case 'bytes':
      return bytesCodec(compact, nullable, defaultText === 'null' ? null : EMPTY);
    case 'records':
      // A records field is a length-prefixed blob of record batches, null by default.
      return bytesCodec(compact, true, null);
    default:
      throw new Error(`unknown primitive type ${type}`);
  }
}

function stringCodec(compact: boolean, nullable: boolean, def: string | null): ValueCodec {
  const read = compact
    ? nullable ? (r: ByteReader) => r.readCompactNullableString() : (r: ByteReader) => r.readCompactString()
    : nullable ? (r: ByteReader) => r.readNullableString() : (r: ByteReader) => r.readString();
  return {
    read,
    write(w, v) {
      if (v === null) {
        if (!nullable) throw new ProtocolEncodeError('null for a non-nullable string');
        if (compact) w.writeUnsignedVarint(0);
        else w.writeInt16(-1);
      } else if (typeof v !== 'string') throw new ProtocolEncodeError(`expected a string, got ${typeof v}`);
      else if (compact) w.writeCompactString(v);
      else w.writeString(v);
    },
    defaultValue: () => def,
    isDefault: (v) => v === def,
    minSize: compact ? 1 : 2,
  };
}

function bytesCodec(compact: boolean, nullable: boolean, def: Buffer | null): ValueCodec {
  const read = compact
    ? nullable ? (r: ByteReader) => r.readCompactNullableBytes() : (r: ByteReader) => r.readCompactBytes()
    : nullable ? (r: ByteReader) => r.readNullableBytes() : (r: ByteReader) => r.readBytes();
  return {
    read,
    write(w, v) {
      if (v === null) {
        if (!nullable) throw new ProtocolEncodeError('null for non-nullable bytes');
        if (compact) w.writeUnsignedVarint(0);
        else w.writeInt32(-1);
      } else if (!(v instanceof Uint8Array)) throw new ProtocolEncodeError(`expected a Buffer, got ${typeof v}`);
      else if (compact) w.writeCompactBytes(v);
      else w.writeBytes(v);
    },
    defaultValue: () => def,
    isDefault: (v) => (def === null ? v === null : v instanceof Uint8Array && v.length === 0),
    minSize: compact ? 1 : 4,
  };
}

/** An array of elements; null only where the version allows it. */
export function arrayCodec(element: ValueCodec, compact: boolean, nullable: boolean, defaultIsNull: boolean): ValueCodec {
  const minElement = Math.max(1, element.minSize);
  const codec: ValueCodec = {
    element,
    read(r) {
      const count = r.readArrayCount(compact, nullable, minElement);
      if (count === -1) return null;
      const items = new Array<unknown>(count);
      for (let i = 0; i < count; i++) items[i] = element.read(r);
      return items;
    },
    write(w, v) {
      if (v instanceof PreEncoded) {
        if (v.codec !== codec) throw new ProtocolEncodeError('pre-encoded bytes of another field or version');
        w.writeRaw(v.bytes);
        return;
      }
      if (v === null) {
        if (!nullable) throw new ProtocolEncodeError('null for a non-nullable array');
        if (compact) w.writeUnsignedVarint(0);
        else w.writeInt32(-1);
        return;
      }
      if (!Array.isArray(v)) throw new ProtocolEncodeError(`expected an array, got ${typeof v}`);
      if (compact) w.writeUnsignedVarint(v.length + 1);
      else w.writeInt32(v.length);
      for (const item of v) element.write(w, item);
    },
    defaultValue: () => (defaultIsNull ? null : []),
    isDefault: (v) => (defaultIsNull ? v === null : Array.isArray(v) && v.length === 0),
    minSize: compact ? 1 : 4,
  };
  return codec;
}
