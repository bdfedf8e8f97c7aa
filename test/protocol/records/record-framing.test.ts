/**
 * Malformed records inside a batch whose CRC is valid: validateBatch (the allocation-free
 * walk) and decodeRecordBatch (the full parse) both reject them with reason `records`, and
 * readRecord/writeRecord work on their own.
 */
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/protocol/crc32c.js';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';
import { ByteReader } from '../../../src/protocol/primitives/byte-reader.js';
import { ByteWriter } from '../../../src/protocol/primitives/byte-writer.js';
import {
  CorruptRecordBatchError,
  decodeRecordBatch,
  decodeRecordBatchSync,
  readRecord,
  sizeOfVarint,
  validateBatch,
  writeRecord,
  type KafkaRecord,
} from '../../../src/protocol/records/index.js';

/** Zig-zag varint bytes, written independently of ByteWriter. */
function varint(value: number): number[] {
  let raw = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (raw >= 0x80) {
    out.push((raw & 0x7f) | 0x80);
    raw = Math.floor(raw / 128);
  }
  out.push(raw);
  return out;
}

/** A record from raw field bytes, with its length prefix computed unless given. */
function record(body: number[], declaredLength = body.length): number[] {
  return [...varint(declaredLength), ...body];
}

/** A valid record body: attributes 0, deltas, key "k", value "v", no headers. */
const GOOD_BODY = [0, ...varint(0), ...varint(0), ...varint(1), 0x6b, ...varint(1), 0x76, ...varint(0)];

function batchOf(records: number[], count: number): Buffer {
  const recordBytes = Buffer.from(records);
  const batch = Buffer.alloc(61 + recordBytes.length);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt32BE(Math.max(count - 1, 0), 23);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(count, 57);
  recordBytes.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

async function expectRecordsError(batch: Buffer, message: RegExp): Promise<void> {
  for (const attempt of [() => validateBatch(batch), () => decodeRecordBatchSync(batch)]) {
    let thrown: unknown;
    try {
      attempt();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CorruptRecordBatchError);
    expect(thrown).toMatchObject({ reason: 'records', errorCode: 2, batchPosition: 0 });
    expect((thrown as Error).message).toMatch(message);
  }
  await expect(decodeRecordBatch(batch)).rejects.toMatchObject({ reason: 'records' });
}

describe('well-formed hand-built records', () => {
  it('validate and decode', async () => {
    const batch = batchOf([...record(GOOD_BODY), ...record(GOOD_BODY)], 2);
    expect(validateBatch(batch).records).toMatchObject({ count: 2, sequentialOffsetDeltas: false, maxOffsetDelta: 0 });
    const decoded = await decodeRecordBatch(batch);
    expect(decoded.records.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      ['k', 'v'],
      ['k', 'v'],
    ]);
  });
});

describe('malformed records with a valid CRC', () => {
  it('record length going past the batch', async () => {
    await expectRecordsError(batchOf(record(GOOD_BODY, GOOD_BODY.length + 1), 1), /past the end|exceeds/);
  });

  it('record length shorter than its fields', async () => {
    await expectRecordsError(batchOf([...record(GOOD_BODY, GOOD_BODY.length - 1), 0], 1), /./);
  });

  it('record length longer than its fields (trailing bytes inside the record)', async () => {
    await expectRecordsError(batchOf(record([...GOOD_BODY, 0x00], GOOD_BODY.length + 1), 1), /declares/);
  });

  it('record length below the minimum', async () => {
    // Padded so that the count check (7 bytes per record at least) passes and the walk sees the length.
    await expectRecordsError(batchOf([...record([0, 0, 0, 0, 0], 5), 0, 0, 0], 1), /invalid record length 5/);
    await expectRecordsError(batchOf([...varint(-3), 0, 0, 0, 0, 0, 0], 1), /invalid record length -3/);
  });

  it('negative key / value lengths other than -1', async () => {
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(-2), ...varint(-1), 0]), 1), /invalid key length -2/);
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(-1), ...varint(-5), 0]), 1), /invalid value length -5/);
  });

  it('key longer than the record', async () => {
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(50), 1, 2, 3]), 1), /key of 50 bytes/);
  });

  it('header count larger than the bytes left', async () => {
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(-1), ...varint(-1), ...varint(1000), 0, 0]), 1), /header count 1000/);
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(-1), ...varint(-1), ...varint(-1)]), 1), /invalid header count/);
  });

  it('null header key and header value running past the record', async () => {
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(-1), ...varint(-1), ...varint(1), ...varint(-1), ...varint(-1)]), 1), /header key length -1/);
    await expectRecordsError(batchOf(record([0, 0, 0, ...varint(-1), ...varint(-1), ...varint(1), ...varint(1), 0x61, ...varint(9), 1]), 1), /header value/);
  });

  it('varint longer than 5 bytes', async () => {
    await expectRecordsError(batchOf(record([0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, ...varint(-1), ...varint(-1), 0]), 1), /varint/);
  });

  it('more records declared than present, fewer declared than present, negative count', async () => {
    const two = [...record(GOOD_BODY), ...record(GOOD_BODY)];
    await expectRecordsError(batchOf([...two, ...record(GOOD_BODY)].slice(0, -1), 3), /./);
    await expectRecordsError(batchOf([...two, 0, 0, 0, 0, 0, 0, 0, 0], 3), /./);
    await expectRecordsError(batchOf(two, 1), /bytes left after the 1 records/);
    await expectRecordsError(batchOf(two, 3), /record count 3|ends after 2 of 3/);
    await expectRecordsError(batchOf(two, -1), /record count -1|invalid record count/);
  });

  it('a huge record count fails before allocating', async () => {
    await expectRecordsError(batchOf(record(GOOD_BODY), 0x7fffffff), /does not fit/);
  });
});

describe('readRecord / writeRecord', () => {
  const SAMPLE: KafkaRecord = {
    attributes: 0,
    timestampDelta: -12345678901,
    offsetDelta: 300,
    key: Buffer.from('key'),
    value: null,
    headers: [
      { key: 'a', value: Buffer.from('1') },
      { key: 'é', value: null },
    ],
  };

  it('round-trips through ByteWriter / ByteReader and reports the exact size', () => {
    const writer = new ByteWriter(4);
    writeRecord(writer, SAMPLE);
    writeRecord(writer, { ...SAMPLE, key: null, value: Buffer.alloc(0), headers: [] });
    const bytes = writer.finish();
    const reader = new ByteReader(Buffer.from(bytes));
    expect(readRecord(reader)).toEqual(SAMPLE);
    expect(readRecord(reader)).toEqual({ ...SAMPLE, key: null, value: Buffer.alloc(0), headers: [] });
    expect(reader.remaining).toBe(0);
  });

  it('sizeOfVarint matches the bytes written', () => {
    for (const value of [0, 1, -1, 63, -64, 64, 8191, -8192, 8192, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 52)]) {
      const writer = new ByteWriter(16);
      writer.writeVarlong(value);
      expect(sizeOfVarint(value), `value ${value}`).toBe(writer.offset);
    }
  });

  it('fails with ProtocolDecodeError on a record cut short', () => {
    const writer = new ByteWriter();
    writeRecord(writer, SAMPLE);
    const bytes = Buffer.from(writer.finish());
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => readRecord(new ByteReader(bytes, 0, cut)), `cut at ${cut}`).toThrow(ProtocolDecodeError);
    }
  });
});
