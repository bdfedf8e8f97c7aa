import fc from 'fast-check';
import type { FieldSpec, MessageSpec } from '../../src/protocol/schema/spec.js';
import { inRange } from '../../src/protocol/schema/versions.js';
import { isFlexible, messageCodec } from '../../src/protocol/schema/compile.js';
import { uuidToString } from '../../src/protocol/schema/uuid.js';
import { ByteReader } from '../../src/protocol/primitives/byte-reader.js';
import { ByteWriter } from '../../src/protocol/primitives/byte-writer.js';

type Struct = Record<string, unknown>;

const small = { maxLength: 3 };

function scalar(type: string, compact: boolean): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8': return fc.integer({ min: -128, max: 127 });
    case 'int16': return fc.integer({ min: -32768, max: 32767 });
    case 'uint16': return fc.integer({ min: 0, max: 65535 });
    case 'int32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64': return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64': return fc.double({ noNaN: true });
    case 'bool': return fc.boolean();
    case 'uuid': return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => uuidToString(Buffer.from(b)));
    case 'string': return fc.string({ unit: compact ? 'grapheme' : 'grapheme-ascii', maxLength: 12 });
    case 'bytes':
    case 'records': return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
    default: throw new Error(`no arbitrary for ${type}`);
  }
}

/**
 * An arbitrary for one field at one version. Fields absent from the version are set to the
 * value the decoder will produce for them (their default), so a decoded message can be
 * compared with the generated one as a whole.
 */
function fieldArbitrary(spec: FieldSpec, version: number, flexible: boolean, defaults: Struct): fc.Arbitrary<unknown> {
  if (!inRange(spec.v, version)) return fc.constant(defaults[spec.n]);
  const compact = flexible && (spec.fv === undefined || inRange(spec.fv, version));
  const nullable = inRange(spec.nv, version);
  const isArray = spec.t.startsWith('[]');
  let arb: fc.Arbitrary<unknown>;
  if (spec.f) {
    const element = structArbitrary(spec.f, version, flexible);
    arb = isArray ? fc.array(element, small) : element;
  } else if (isArray) {
    arb = fc.array(scalar(spec.t.slice(2), compact), small);
  } else {
    arb = scalar(spec.t, compact);
  }
  // uuids are 16 fixed bytes on the wire and cannot carry null, whatever the spec says.
  if (nullable && spec.t !== 'uuid') arb = fc.option(arb, { nil: null, freq: 4 });
  else if (spec.t === 'records') arb = fc.option(arb, { nil: null, freq: 4 });
  return arb;
}

function structArbitrary(fields: readonly FieldSpec[], version: number, flexible: boolean): fc.Arbitrary<Struct> {
  const defaults = defaultsOf(fields, version, flexible);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) record[f.n] = fieldArbitrary(f, version, flexible, defaults);
  return fc.record(record) as fc.Arbitrary<Struct>;
}

/** What the decoder fills in for absent fields: read it off a decoded empty struct. */
function defaultsOf(fields: readonly FieldSpec[], version: number, flexible: boolean): Struct {
  const spec = { name: 'probe', type: 'data', versions: `${version}`, flexible: flexible ? `${version}+` : 'none', fields } as const;
  const codec = messageCodec(spec, version);
  // Writing an empty object writes every present field's default; reading it back gives all defaults.
  const writer = new ByteWriter();
  codec.write(writer, {});
  return codec.read(new ByteReader(writer.finish())) as Struct;
}

export function messageArbitrary(spec: MessageSpec, version: number): fc.Arbitrary<Struct> {
  return structArbitrary(spec.fields, version, isFlexible(spec, version));
}

/** Every version a spec defines. */
export function versionsOf(spec: MessageSpec): number[] {
  const [min, max] = spec.versions.includes('-') ? spec.versions.split('-').map(Number) : [Number(spec.versions), Number(spec.versions)];
  const out: number[] = [];
  for (let v = min!; v <= max!; v++) out.push(v);
  return out;
}
