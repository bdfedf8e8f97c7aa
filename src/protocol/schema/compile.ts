import { ProtocolDecodeError, ProtocolEncodeError } from '../errors.js';
import { ByteReader } from '../primitives/byte-reader.js';
import { ByteWriter } from '../primitives/byte-writer.js';
import { arrayCodec, PreEncoded, scalarCodec, type ValueCodec } from './field-codec.js';
import type { FieldSpec, MessageSpec } from './spec.js';
import { inRange, parseVersions } from './versions.js';

type Struct = Record<string, unknown>;

interface CompiledField {
  readonly name: string;
  readonly codec: ValueCodec;
  readonly tag: number;
}

/** A message (or struct) compiled for one version: what the codec interprets at run time. */
export interface StructCodec extends ValueCodec {
  read(reader: ByteReader): Struct;
}

/**
 * Compiles a struct's fields for one version into a reader and a writer. Fields that the
 * version lacks are filled with their defaults on read and ignored on write, as Kafka's
 * generated Java classes do.
 */
function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean, nullable: boolean, defaultIsNull: boolean): StructCodec {
  const regular: CompiledField[] = [];
  const tagged: CompiledField[] = [];
  const absent: CompiledField[] = [];
  for (const spec of fields) {
    const present = inRange(spec.v, version);
    const isTagged = flexible && spec.tv !== undefined && inRange(spec.tv, version);
    const codec = fieldCodec(spec, present ? version : parseVersions(spec.v).min, flexible && present);
    const compiled = { name: spec.n, codec, tag: spec.tag ?? -1 };
    if (!present) absent.push(compiled);
    else if (isTagged) tagged.push(compiled);
    else regular.push(compiled);
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((f) => [f.tag, f]));
  const byName = new Map([...regular, ...tagged].map((f) => [f.name, f.codec]));
  const defaultFields = [...absent, ...tagged];
  const minSize = regular.reduce((sum, f) => sum + f.codec.minSize, 0) + (flexible ? 1 : 0) + (nullable ? 1 : 0);

  function readBody(r: ByteReader): Struct {
    const out: Struct = {};
    for (const f of regular) out[f.name] = f.codec.read(r);
    for (const f of defaultFields) out[f.name] = f.codec.defaultValue();
    if (flexible) readTaggedFields(r, byTag, out);
    return out;
  }

  function writeBody(w: ByteWriter, value: Struct): void {
    for (const f of regular) {
      const v = value[f.name];
      f.codec.write(w, v === undefined ? f.codec.defaultValue() : v);
    }
    if (flexible) writeTaggedFields(w, tagged, value);
  }

  function defaults(): Struct {
    const out: Struct = {};
    for (const spec of fields) out[spec.n] = undefined;
    for (const f of [...regular, ...defaultFields]) out[f.name] = f.codec.defaultValue();
    return out;
  }

  return {
    read(r) {
      if (nullable && r.readInt8() < 0) return null as unknown as Struct;
      return readBody(r);
    },
    write(w, v) {
      if (v === null) {
        if (!nullable) throw new ProtocolEncodeError('null for a non-nullable struct');
        w.writeInt8(-1);
        return;
      }
      if (typeof v !== 'object' || v === undefined) throw new ProtocolEncodeError(`expected an object, got ${typeof v}`);
      if (nullable) w.writeInt8(1);
      writeBody(w, v as Struct);
    },
    defaultValue: () => (defaultIsNull ? null : defaults()),
    isDefault(v) {
      if (v === null || v === undefined) return defaultIsNull || v === undefined;
      if (defaultIsNull) return false;
      const struct = v as Struct;
      return [...regular, ...tagged].every((f) => struct[f.name] === undefined || f.codec.isDefault(struct[f.name]));
    },
    minSize,
    field: (name) => byName.get(name),
  };
}

function readTaggedFields(r: ByteReader, byTag: Map<number, CompiledField>, out: Struct): void {
  const count = r.readUnsignedVarint();
  for (let i = 0; i < count; i++) {
    const tag = r.readUnsignedVarint();
    const size = r.readUnsignedVarint();
    if (size > r.remaining) r.fail(`tagged field ${tag} of ${size} bytes exceeds the ${r.remaining} bytes left`);
    const end = r.offset + size;
    const field = byTag.get(tag);
    // Unknown tags are skipped: that is what lets old readers accept newer writers.
    if (field) out[field.name] = field.codec.read(new ByteReader(r.buffer, r.offset, end));
    r.offset = end;
  }
}

function writeTaggedFields(w: ByteWriter, tagged: readonly CompiledField[], value: Struct): void {
  // Most structs have no tagged fields: the section is one zero byte.
  if (tagged.length === 0) {
    w.writeUInt8(0);
    return;
  }
  const present = tagged.filter((f) => value[f.name] !== undefined && !f.codec.isDefault(value[f.name]));
  w.writeUnsignedVarint(present.length);
  for (const f of present) {
    const body = new ByteWriter(64);
    f.codec.write(body, value[f.name]);
    const bytes = body.finish();
    w.writeUnsignedVarint(f.tag).writeUnsignedVarint(bytes.length).writeRaw(bytes);
  }
}

function fieldCodec(spec: FieldSpec, version: number, flexible: boolean): ValueCodec {
  // RequestHeader.ClientId keeps its classic encoding in the flexible header v2.
  const compact = flexible && (spec.fv === undefined || inRange(spec.fv, version));
  const nullable = inRange(spec.nv, version);
  const isArray = spec.t.startsWith('[]');
  const defaultIsNull = spec.d === 'null';
  if (spec.f) {
    const struct = compileStruct(spec.f, version, flexible, nullable && !isArray, defaultIsNull && !isArray);
    return isArray ? arrayCodec(struct, compact, nullable, defaultIsNull) : struct;
  }
  if (isArray) {
    const element = scalarCodec(spec.t.slice(2), { compact, nullable: false, defaultText: undefined });
    return arrayCodec(element, compact, nullable, defaultIsNull);
  }
  return scalarCodec(spec.t, { compact, nullable, defaultText: spec.d });
}

/** A compiled message: one version of one spec. */
export interface MessageCodec<T = Struct> {
  readonly spec: MessageSpec;
  readonly version: number;
  readonly flexible: boolean;
  read(reader: ByteReader): T;
  write(writer: ByteWriter, value: unknown): void;
  /** A top-level field's codec (undefined: not in this version). */
  field(name: string): ValueCodec | undefined;
}

const compiled = new WeakMap<MessageSpec, Map<number, MessageCodec>>();

export function isFlexible(spec: MessageSpec, version: number): boolean {
  return inRange(spec.flexible, version);
}

export function supportsVersion(spec: MessageSpec, version: number): boolean {
  return inRange(spec.versions, version);
}

/** The codec of `spec` at `version`, compiled on first use and cached. */
export function messageCodec<T = Struct>(spec: MessageSpec, version: number): MessageCodec<T> {
  let byVersion = compiled.get(spec);
  if (!byVersion) compiled.set(spec, (byVersion = new Map()));
  let codec = byVersion.get(version);
  if (!codec) {
    if (!supportsVersion(spec, version)) {
      throw new ProtocolEncodeError(`${spec.name} has no version ${version} (valid: ${spec.versions})`);
    }
    const flexible = isFlexible(spec, version);
    const struct = compileStruct(spec.fields, version, flexible, false, false);
    codec = { spec, version, flexible, read: struct.read, write: struct.write, field: (name) => struct.field!(name) };
    byVersion.set(version, codec);
  }
  return codec as MessageCodec<T>;
}

/** Decodes a whole buffer as `spec` at `version`; trailing bytes are an error unless allowed. */
export function decodeMessage<T = Struct>(spec: MessageSpec, version: number, bytes: Buffer, allowTrailingBytes = false): T {
  if (!supportsVersion(spec, version)) throw new ProtocolDecodeError(`${spec.name} has no version ${version}`, 0);
  const reader = new ByteReader(bytes);
  const value = messageCodec<T>(spec, version).read(reader);
  if (!allowTrailingBytes && reader.remaining > 0) reader.fail(`${reader.remaining} unexpected trailing bytes after ${spec.name} v${version}`);
  return value;
}

/**
 * Encodes the array at `path` (field names from the message down, through arrays of structs)
 * of `spec` at `version`, for a later write of that message to copy (see PreEncoded).
 */
export function preEncodeArray(spec: MessageSpec, version: number, path: readonly string[], items: readonly unknown[]): PreEncoded {
  let codec: ValueCodec | undefined;
  let struct: Pick<ValueCodec, 'field'> = messageCodec(spec, version);
  for (const [i, name] of path.entries()) {
    codec = struct.field?.(name);
    if (codec?.element === undefined) throw new ProtocolEncodeError(`${spec.name} v${version} has no array ${path.slice(0, i + 1).join('.')}`);
    struct = codec.element;
  }
  if (codec === undefined) throw new ProtocolEncodeError('an empty path');
  const writer = new ByteWriter(256);
  codec.write(writer, items);
  return new PreEncoded(codec, Buffer.from(writer.finish()));
}

export function encodeMessage(spec: MessageSpec, version: number, value: unknown): Buffer {
  const writer = new ByteWriter();
  messageCodec(spec, version).write(writer, value);
  return writer.finish();
}
