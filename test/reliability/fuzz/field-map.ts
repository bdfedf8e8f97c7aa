/**
 * Where the numeric fields of a request frame are: found by decoding the frame with the
 * project's codec while recording every integer the ByteReader reads (lengths of strings,
 * bytes and arrays, counts, and plain fields such as numPartitions or maxBytes). Mutators
 * write boundary values exactly there instead of guessing offsets.
 *
 * Produce frames also get the fields of their record batches (header fields at Kafka's fixed
 * offsets, and for uncompressed batches each record's varints), so batch mutations can fix
 * the CRC and reach the code behind it.
 */
import { decodeRequest } from '../../../src/protocol/codec.js';
import { ByteReader } from '../../../src/protocol/primitives/byte-reader.js';

export type FieldKind = 'int8' | 'int16' | 'int32' | 'int64' | 'uvarint' | 'varint' | 'varlong';

export interface Field {
  readonly offset: number;
  /** Bytes the field takes in the frame as captured. */
  readonly width: number;
  readonly kind: FieldKind;
}

/** A record batch inside a Produce frame's records blob. */
export interface BatchLocation {
  /** Offset of the blob's int32 length prefix in the frame (classic Produce versions). */
  readonly blobLengthOffset: number;
  /** Offset of the batch (its baseOffset) in the frame. */
  readonly offset: number;
  readonly length: number;
  /** Fields relative to the batch start. */
  readonly fields: readonly Field[];
}

export interface FrameMap {
  /** Fields of the header and body, in frame order; empty if the codec cannot decode the frame. */
  readonly fields: readonly Field[];
  /** The bytes of string fields (topic names, group ids, config values): [offset, end). */
  readonly strings: ReadonlyArray<readonly [number, number]>;
  readonly batches: readonly BatchLocation[];
}

interface Read {
  readonly offset: number;
  readonly end: number;
  readonly kind: FieldKind | 'raw' | 'string';
}

type Patchable = 'readInt8' | 'readInt16' | 'readInt32' | 'readInt64' | 'readUnsignedVarint' | 'readRaw' | 'readUtf8';
const PATCHED: ReadonlyArray<[Patchable, Read['kind']]> = [
  ['readUtf8', 'string'], // private in TypeScript, an ordinary method at run time
  ['readInt8', 'int8'],
  ['readInt16', 'int16'],
  ['readInt32', 'int32'],
  ['readInt64', 'int64'],
  ['readUnsignedVarint', 'uvarint'],
  ['readRaw', 'raw'],
];

/** Decodes `frame` with ByteReader's integer reads wrapped to record where they read. */
function recordReads(frame: Buffer): Read[] {
  const reads: Read[] = [];
  const proto = ByteReader.prototype as unknown as Record<Patchable, (this: ByteReader, ...args: unknown[]) => unknown>;
  const originals = PATCHED.map(([name]) => [name, proto[name]] as const);
  for (const [name, kind] of PATCHED) {
    const original = proto[name];
    proto[name] = function (this: ByteReader, ...args: unknown[]) {
      const offset = this.offset;
      const value = original.apply(this, args);
      // Only reads of the frame itself (not of nested readers over other buffers).
      if (this.buffer === frame) reads.push({ offset, end: this.offset, kind });
      return value;
    };
  }
  try {
    decodeRequest(frame);
  } catch {
    // A frame the codec rejects still yields the fields read before the failure.
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return reads;
}

const BATCH_HEADER_FIELDS: readonly Field[] = [
  { offset: 0, width: 8, kind: 'int64' }, // baseOffset
  { offset: 8, width: 4, kind: 'int32' }, // batchLength
  { offset: 12, width: 4, kind: 'int32' }, // partitionLeaderEpoch
  { offset: 16, width: 1, kind: 'int8' }, // magic
  { offset: 17, width: 4, kind: 'int32' }, // crc
  { offset: 21, width: 2, kind: 'int16' }, // attributes
  { offset: 23, width: 4, kind: 'int32' }, // lastOffsetDelta
  { offset: 27, width: 8, kind: 'int64' }, // baseTimestamp
  { offset: 35, width: 8, kind: 'int64' }, // maxTimestamp
  { offset: 43, width: 8, kind: 'int64' }, // producerId
  { offset: 51, width: 2, kind: 'int16' }, // producerEpoch
  { offset: 53, width: 4, kind: 'int32' }, // baseSequence
  { offset: 57, width: 4, kind: 'int32' }, // records count
];
const BATCH_HEADER_SIZE = 61;

/** The varint fields of each record of an uncompressed batch (relative to the batch). */
function recordFields(batch: Buffer): Field[] {
  const fields: Field[] = [];
  const reader = new ByteReader(batch, BATCH_HEADER_SIZE);
  const field = (kind: FieldKind, read: () => number): number => {
    const offset = reader.offset;
    const value = read();
    fields.push({ offset, width: reader.offset - offset, kind });
    return value;
  };
  const skip = (length: number): void => {
    if (length > 0) reader.readRaw(length);
  };
  try {
    const count = batch.readInt32BE(57);
    for (let i = 0; i < count && reader.remaining > 0; i++) {
      field('varint', () => reader.readVarint()); // record length
      field('int8', () => reader.readInt8()); // attributes
      field('varlong', () => reader.readVarlong()); // timestampDelta
      field('varint', () => reader.readVarint()); // offsetDelta
      skip(field('varint', () => reader.readVarint())); // key
      skip(field('varint', () => reader.readVarint())); // value
      const headers = field('varint', () => reader.readVarint());
      for (let h = 0; h < headers; h++) {
        skip(field('varint', () => reader.readVarint()));
        skip(field('varint', () => reader.readVarint()));
      }
    }
  } catch {
    // Fields up to a malformed record are still useful.
  }
  return fields;
}

export function mapFrame(frame: Buffer, apiKey: number): FrameMap {
  const reads = recordReads(frame);
  const strings = reads.filter((r) => r.kind === 'string' && r.end > r.offset).map((r) => [r.offset, r.end] as const);
  const fields: Field[] = reads.filter((r): r is Read & { kind: FieldKind } => r.kind !== 'raw' && r.kind !== 'string').map((r) => ({ offset: r.offset, width: r.end - r.offset, kind: r.kind }));
  const batches: BatchLocation[] = [];
  if (apiKey === 0) {
    for (const raw of reads) {
      if (raw.kind !== 'raw' || raw.offset < 4) continue;
      const lengthField = fields.find((f) => f.offset === raw.offset - 4 && f.kind === 'int32');
      if (!lengthField) continue; // compact (flexible) blobs are left to the byte-level mutators
      for (let at = raw.offset; at + BATCH_HEADER_SIZE <= raw.end; ) {
        const length = 12 + frame.readInt32BE(at + 8);
        if (length < BATCH_HEADER_SIZE || at + length > raw.end || frame[at + 16] !== 2) break;
        const batch = frame.subarray(at, at + length);
        const compressed = (batch.readInt16BE(21) & 7) !== 0;
        batches.push({ blobLengthOffset: lengthField.offset, offset: at, length, fields: [...BATCH_HEADER_FIELDS, ...(compressed ? [] : recordFields(batch))] });
        at += length;
      }
    }
  }
  return { fields, strings, batches };
}
