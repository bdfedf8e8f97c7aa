/**
 * The mutations the fuzzer applies to captured request frames. Each takes one corpus frame
 * (with its field map) and returns the bytes to write: one or more size-prefixed frames, or
 * deliberately broken framing. All randomness comes from the connection's seeded Prng.
 */
import { boundaryValues } from './boundaries.js';
import { compressionBomb } from './bomb.js';
import type { CorpusFrame } from './corpus.js';
import { encodeField, fixBatchCrc, splice, withSizePrefix } from './encoding.js';
import type { BatchLocation, FrameMap } from './field-map.js';
import type { Prng } from './prng.js';

export interface Seed extends CorpusFrame {
  readonly map: FrameMap;
}

export interface Mutation {
  readonly mutator: MutatorName;
  /** Bytes to write on the connection. */
  readonly wire: Buffer;
  /** Frames the bytes hold (as the broker would count them if it reads them all). */
  readonly frames: number;
  /** The framing is broken on purpose (huge or negative size): drop the connection after it. */
  readonly poisonsConnection: boolean;
}

export const MUTATORS = {
  original: 2,
  bitFlip: 3,
  byteBoundary: 2,
  truncate: 2,
  extend: 1,
  fieldBoundary: 8,
  header: 2,
  garbage: 1,
  duplicate: 1,
  sizeMismatch: 1,
  hugeSize: 0.3,
  batchField: 4,
  freshNames: 3,
  bomb: 0.3,
  stacked: 2,
} as const;
export type MutatorName = keyof typeof MUTATORS;
export const MUTATOR_NAMES = Object.keys(MUTATORS) as MutatorName[];

/** The mutators' body transformations (frame in, frame out, no size prefix). */
type BodyMutator = (frame: Buffer, seed: Seed, prng: Prng) => Buffer;

const bitFlip: BodyMutator = (frame, _seed, prng) => {
  const out = Buffer.from(frame);
  for (let i = 1 + prng.int(8); i > 0 && out.length > 0; i--) out[prng.int(out.length)]! ^= 1 << prng.int(8);
  return out;
};

const byteBoundary: BodyMutator = (frame, _seed, prng) => {
  const out = Buffer.from(frame);
  for (let i = 1 + prng.int(4); i > 0 && out.length > 0; i--) out[prng.int(out.length)] = prng.pick([0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe]);
  return out;
};

const truncate: BodyMutator = (frame, _seed, prng) => frame.subarray(0, prng.int(frame.length));

const extend: BodyMutator = (frame, _seed, prng) => Buffer.concat([frame, prng.chance(0.5) ? prng.bytes(1 + prng.int(64)) : Buffer.alloc(1 + prng.int(4096), prng.pick([0x00, 0xff]))]);

const fieldBoundary: BodyMutator = (frame, seed, prng) => {
  const fields = seed.map.fields.filter((f) => f.offset + f.width <= frame.length);
  if (fields.length === 0) return byteBoundary(frame, seed, prng);
  let out = frame;
  // Usually one field, sometimes a few: several bad counts together reach other paths.
  for (let i = prng.chance(0.8) ? 1 : 2 + prng.int(3); i > 0; i--) {
    const field = prng.pick(fields);
    if (field.offset + field.width > out.length) continue;
    out = splice(out, field.offset, field.width, encodeField(field.kind, prng.pick(boundaryValues(field.kind, frame.length))));
    if (out.length !== frame.length) break; // later offsets moved (a varint changed width)
  }
  return out;
};

/** Known API keys outside what clients send, the inter-broker ones, and nonsense. */
const WRONG_KEYS = [-1, -32768, 4, 5, 6, 7, 27, 52, 56, 58, 62, 67, 79, 80, 100, 1000, 32767];

const header: BodyMutator = (frame, seed, prng) => {
  if (frame.length < 4) return frame;
  const out = Buffer.from(frame);
  if (prng.chance(0.5)) {
    // Another API's key on this body (a mismatched body is the interesting case), or a wrong one.
    out.writeInt16BE(prng.chance(0.6) ? prng.int(80) : prng.pick(WRONG_KEYS), 0);
  } else {
    out.writeInt16BE(prng.pick([-1, -32768, 32767, seed.apiVersion + 1, seed.apiVersion + 10, Math.max(0, seed.apiVersion - 1), 0, prng.int(20)]), 2);
  }
  return out;
};

/** A batch mutation keeps the frame consistent around it: batch length, CRC and blob length. */
const batchField: BodyMutator = (frame, seed, prng) => {
  const batches = seed.map.batches.filter((b) => b.offset + b.length <= frame.length);
  if (batches.length === 0) return fieldBoundary(frame, seed, prng);
  const location = prng.pick(batches);
  const field = prng.pick(location.fields);
  const value = prng.pick(boundaryValues(field.kind, location.length));
  let batch = splice(frame.subarray(location.offset, location.offset + location.length), field.offset, field.width, encodeField(field.kind, value));
  if (field.offset !== 8) batch.writeInt32BE(batch.length - 12, 8);
  if (field.offset !== 17 || prng.chance(0.1)) fixBatchCrc(batch);
  if (field.kind === 'int8' && field.offset === 16 && prng.chance(0.5)) batch = batch.subarray(0, Math.min(batch.length, 30)); // legacy magic, short
  return replaceBatch(frame, location, batch);
};

function replaceBatch(frame: Buffer, location: BatchLocation, batch: Buffer): Buffer {
  const out = splice(frame, location.offset, location.length, batch);
  const blobLength = out.readInt32BE(location.blobLengthOffset);
  // `| 0` wraps: an earlier stacked mutation may have set the length to a boundary value.
  out.writeInt32BE((blobLength + batch.length - location.length) | 0, location.blobLengthOffset);
  return out;
}

const bomb: BodyMutator = (frame, seed, prng) => {
  const location = seed.map.batches[0];
  if (!location) return fieldBoundary(frame, seed, prng);
  return replaceBatch(frame, location, compressionBomb(prng));
};

/**
 * New random names (same length) in the string fields, plus a boundary value: a mutated
 * CreateTopics or JoinGroup then names a topic or group that does not exist yet, so the broker
 * acts on it instead of answering TOPIC_ALREADY_EXISTS.
 */
const freshNames: BodyMutator = (frame, seed, prng) => {
  const out = Buffer.from(frame);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (const [start, end] of seed.map.strings) {
    if (end > out.length || start <= 10) continue; // keep the client id (header offset 10)
    for (let i = start; i < end; i++) out[i] = alphabet.charCodeAt(prng.int(alphabet.length));
  }
  return prng.chance(0.8) ? fieldBoundary(out, seed, prng) : out;
};

const BODY_MUTATORS: Record<'freshNames' | 'bitFlip' | 'byteBoundary' | 'truncate' | 'extend' | 'fieldBoundary' | 'header' | 'batchField' | 'bomb', BodyMutator> = {
  freshNames,
  bitFlip,
  byteBoundary,
  truncate,
  extend,
  fieldBoundary,
  header,
  batchField,
  bomb,
};
const STACKABLE = [bitFlip, byteBoundary, fieldBoundary, header, batchField, truncate, extend];

function one(mutator: MutatorName, wire: Buffer, frames = 1, poisonsConnection = false): Mutation {
  return { mutator, wire, frames, poisonsConnection };
}

export function mutate(mutator: MutatorName, seed: Seed, correlationId: number, prng: Prng): Mutation {
  const frame = Buffer.from(seed.frame);
  if (frame.length >= 8) frame.writeInt32BE(correlationId, 4);
  switch (mutator) {
    case 'original':
      return one(mutator, withSizePrefix(frame));
    case 'garbage':
      return one(mutator, withSizePrefix(prng.bytes(prng.int(prng.chance(0.9) ? 64 : 8192))));
    case 'duplicate': {
      const times = 2 + prng.int(15);
      const single = withSizePrefix(prng.chance(0.5) ? frame : fieldBoundary(frame, seed, prng));
      return one(mutator, Buffer.concat(Array.from({ length: times }, () => single)), times);
    }
    case 'sizeMismatch': {
      // The prefix disagrees with the body by a few bytes: the stream desynchronises.
      const wire = withSizePrefix(frame);
      wire.writeInt32BE(Math.max(0, frame.length + prng.pick([-3, -2, -1, 1, 2, 3, 8])), 0);
      return one(mutator, wire);
    }
    case 'hugeSize': {
      const wire = withSizePrefix(frame);
      wire.writeInt32BE(prng.pick([0x7fffffff, -1, -0x80000000, 100 * 1024 * 1024, 0x10000000, 0]), 0);
      return one(mutator, wire, 1, true);
    }
    case 'stacked': {
      let out: Buffer = frame;
      for (let i = 2 + prng.int(2); i > 0; i--) out = prng.pick(STACKABLE)(out, seed, prng);
      return one(mutator, withSizePrefix(out));
    }
    default:
      return one(mutator, withSizePrefix(BODY_MUTATORS[mutator](frame, seed, prng)));
  }
}

/** Picks a mutator by weight among those enabled. */
export function pickMutator(enabled: readonly MutatorName[], prng: Prng): MutatorName {
  const total = enabled.reduce((sum, m) => sum + MUTATORS[m], 0);
  let r = (prng.nextUint32() / 0x1_0000_0000) * total;
  for (const m of enabled) {
    r -= MUTATORS[m];
    if (r < 0) return m;
  }
  return enabled[enabled.length - 1]!;
}
