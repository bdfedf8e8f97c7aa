/**
 * Fuzzing the record batch decoders: random blobs and mutated valid batches (some with the CRC
 * repaired after the mutation, so the record and compression layers get exercised too) go
 * through the scanner, validateBatch(es), validateBatchDeep and decodeRecordBatch(es). Whatever
 * the bytes, the only thing thrown is a ProtocolDecodeError; the cheap validation agrees with
 * the full decode; and whatever decodes re-encodes to the same records.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';
import {
  CompressionType,
  CorruptRecordBatchError,
  decodeRecordBatch,
  decodeRecordBatchSync,
  decodeRecordBatches,
  encodeRecordBatch,
  encodeRecordBatchSync,
  nextBatch,
  recomputeCrc,
  scanBatches,
  validateBatch,
  validateBatchDeep,
  validateBatches,
  type DecodedRecordBatch,
} from '../../../src/protocol/records/index.js';

const RUNS = 2000;

let seeds: Buffer[] = [];

beforeAll(async () => {
  const records = [
    { key: 'k', value: 'value', headers: [{ key: 'h', value: 'x' }, { key: 'n', value: null }] },
    { key: null, value: null, timestampDelta: -3 },
    { key: '', value: Buffer.alloc(40, 7), timestampDelta: 300 },
  ];
  seeds = [];
  for (const compression of Object.values(CompressionType)) {
    seeds.push(await encodeRecordBatch({ baseTimestamp: 1_000, compression, producerId: 3n, producerEpoch: 0, baseSequence: 0, records }));
  }
  seeds.push(Buffer.concat([seeds[0]!, seeds[1]!]));
});

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'int32'; at: number; value: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number };

const INTERESTING_INT32 = [-0x80000000, -2, -1, 0, 1, 2, 6, 7, 48, 49, 50, 127, 128, 0x7fffffff, 0x90000000 | 0];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('int32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_INT32), fc.integer({ min: -0x80000000, max: 0x7fffffff })) }),
  fc.record({ op: fc.constant('byte' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function apply(input: Buffer, m: Mutation): Buffer {
  if (input.length === 0) return input;
  const at = m.at % input.length;
  switch (m.op) {
    case 'flip': {
      const out = Buffer.from(input);
      out[at]! ^= 1 << m.bit;
      return out;
    }
    case 'int32': {
      const out = Buffer.from(input);
      if (at + 4 <= out.length) out.writeInt32BE(m.value, at);
      return out;
    }
    case 'byte': {
      const out = Buffer.from(input);
      out[at] = m.value;
      return out;
    }
    case 'truncate':
      return Buffer.from(input.subarray(0, at));
    case 'insert':
      return Buffer.concat([input.subarray(0, at), m.bytes, input.subarray(at)]);
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
  }
}

/** Recomputes the CRC of every batch whose framing allows it, so that mutations reach the records. */
function repairCrcs(buf: Buffer): void {
  let position = 0;
  for (let i = 0; i < 8 && position < buf.length; i++) {
    let entry;
    try {
      entry = nextBatch(buf, position);
    } catch {
      return;
    }
    if (entry === null || entry.kind !== 'batch') return;
    recomputeCrc(buf, position);
    position += entry.size;
  }
}

const input: fc.Arbitrary<{ bytes: Buffer; repaired: boolean }> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes: Buffer.from(bytes), repaired: false })) },
  {
    weight: 4,
    arbitrary: fc
      .record({ seed: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }), repair: fc.boolean() })
      .map(({ seed, mutations, repair }) => {
        let bytes: Buffer = Buffer.from(seeds[seed % seeds.length]!);
        for (const m of mutations) bytes = apply(bytes, m);
        if (repair) repairCrcs(bytes);
        return { bytes, repaired: repair };
      }),
  },
);

const stats = { thrown: 0, decoded: 0, reasons: new Map<string, number>() };

function record(error: unknown): void {
  stats.thrown++;
  // The property under test: nothing but ProtocolDecodeError (or a subclass) escapes.
  expect(error).toBeInstanceOf(ProtocolDecodeError);
  if (error instanceof CorruptRecordBatchError) stats.reasons.set(error.reason, (stats.reasons.get(error.reason) ?? 0) + 1);
}

function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    record(error);
    return { ok: false };
  }
}

async function attemptAsync<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    record(error);
    return { ok: false };
  }
}

function comparable(batch: DecodedRecordBatch): unknown {
  return batch.records.map((r) => ({ ...r, key: r.key && Buffer.from(r.key), value: r.value && Buffer.from(r.value) }));
}

describe('records fuzz', () => {
  it(`${RUNS} random and mutated blobs: only ProtocolDecodeError escapes, validation agrees with decoding`, async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ bytes }) => {
        attempt(() => [...scanBatches(bytes)]);
        attempt(() => validateBatches(bytes));
        const shallow = attempt(() => validateBatch(bytes, 0));
        const deep = await attemptAsync(() => validateBatchDeep(bytes, 0));
        const decoded = await attemptAsync(() => decodeRecordBatch(bytes, 0));
        const decodedSync = attempt(() => decodeRecordBatchSync(bytes, 0));
        await attemptAsync(() => decodeRecordBatches(bytes));

        // The allocation-free walk accepts exactly what the full parse accepts.
        expect(deep.ok).toBe(decoded.ok);
        expect(decodedSync.ok).toBe(decoded.ok);
        if (shallow.ok && shallow.value.header.compression === 0) expect(decoded.ok).toBe(true);
        if (!shallow.ok) expect(decoded.ok).toBe(false);

        if (decoded.ok) {
          stats.decoded++;
          const batch = decoded.value;
          // Whatever decodes re-encodes (same header fields, same codec) to the same records.
          const again = decodeRecordBatchSync(encodeRecordBatchSync({ ...batch, records: batch.records }));
          expect(comparable(again)).toEqual(comparable(batch));
          expect(again.recordsCount).toBe(batch.recordsCount);
        }
      }),
      { numRuns: RUNS, seed: 0x5eed, endOnFailure: true },
    );
    // The mutations reached every layer (otherwise the fuzz only tests the CRC).
    expect(stats.decoded).toBeGreaterThan(50);
    for (const reason of ['framing', 'truncated', 'crc', 'records', 'compression']) {
      expect(stats.reasons.get(reason) ?? 0, `reason ${reason}`).toBeGreaterThan(0);
    }
  });
});
