/**
 * A small uncompressed batch written byte by byte with Buffer methods (independently of the
 * encoder), with the values kafkajs writes (partitionLeaderEpoch 0, producerId -1,
 * producerEpoch 0, baseSequence 0): decode gives the expected values, encode reproduces
 * the bytes exactly.
 */
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/protocol/crc32c.js';
import { decodeRecordBatch, encodeRecordBatch, encodeRecordBatchSync, readBatchHeader, validateBatch } from '../../../src/protocol/records/index.js';

const BASE_TS = 1_700_000_000_000n;

/** The three records, each field spelled out (zig-zag varints: n ≥ 0 → 2n, n < 0 → -2n-1). */
const RECORDS = Buffer.concat([
  // Record 0: body 10 bytes → length varint 20 (0x14).
  Buffer.from([0x14]),
  Buffer.from([0x00]), // attributes
  Buffer.from([0x00]), // timestampDelta 0
  Buffer.from([0x00]), // offsetDelta 0
  Buffer.from([0x04]), Buffer.from('k1'), // key length 2
  Buffer.from([0x04]), Buffer.from('v1'), // value length 2
  Buffer.from([0x00]), // no headers
  // Record 1: body 14 bytes → 28 (0x1c).
  Buffer.from([0x1c]),
  Buffer.from([0x00]), // attributes
  Buffer.from([0x0a]), // timestampDelta 5
  Buffer.from([0x02]), // offsetDelta 1
  Buffer.from([0x01]), // key null (-1)
  Buffer.from([0x0a]), Buffer.from('hello'), // value length 5
  Buffer.from([0x02]), // 1 header
  Buffer.from([0x02]), Buffer.from('h'), // header key length 1
  Buffer.from([0x01]), // header value null
  // Record 2: body 207 bytes → 414 = 0x9e 0x03.
  Buffer.from([0x9e, 0x03]),
  Buffer.from([0x00]), // attributes
  Buffer.from([0x01]), // timestampDelta -1
  Buffer.from([0x04]), // offsetDelta 2
  Buffer.from([0x00]), // empty key (length 0)
  Buffer.from([0x90, 0x03]), Buffer.alloc(200, 0xab), // value length 200 (zig-zag 400)
  Buffer.from([0x00]), // no headers
]);

function goldenBatch(): Buffer {
  const batch = Buffer.alloc(61 + RECORDS.length);
  batch.writeBigInt64BE(0n, 0); // baseOffset
  batch.writeInt32BE(batch.length - 12, 8); // batchLength
  batch.writeInt32BE(0, 12); // partitionLeaderEpoch (kafkajs)
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(0, 21); // attributes: no compression, CreateTime
  batch.writeInt32BE(2, 23); // lastOffsetDelta
  batch.writeBigInt64BE(BASE_TS, 27); // baseTimestamp
  batch.writeBigInt64BE(BASE_TS + 5n, 35); // maxTimestamp
  batch.writeBigInt64BE(-1n, 43); // producerId
  batch.writeInt16BE(0, 51); // producerEpoch (kafkajs)
  batch.writeInt32BE(0, 53); // baseSequence (kafkajs)
  batch.writeInt32BE(3, 57); // records count
  RECORDS.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

const INPUT = {
  baseOffset: 0n,
  partitionLeaderEpoch: 0,
  producerId: -1n,
  producerEpoch: 0,
  baseSequence: 0,
  baseTimestamp: BASE_TS,
  records: [
    { key: 'k1', value: 'v1', timestamp: BASE_TS },
    { key: null, value: 'hello', timestamp: BASE_TS + 5n, headers: [{ key: 'h', value: null }] },
    { key: '', value: Buffer.alloc(200, 0xab), timestamp: BASE_TS - 1n },
  ],
};

describe('golden uncompressed batch', () => {
  it('has the expected size and a CRC that the standard check value confirms', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(goldenBatch().length).toBe(61 + 11 + 15 + 209);
  });

  it('decodes to the values it was written with', async () => {
    const golden = goldenBatch();
    expect(validateBatch(golden).records).toMatchObject({ count: 3, sequentialOffsetDeltas: true });
    const decoded = await decodeRecordBatch(golden);
    expect(decoded).toMatchObject({
      baseOffset: 0n,
      batchLength: golden.length - 12,
      partitionLeaderEpoch: 0,
      magic: 2,
      crc: golden.readUInt32BE(17),
      attributes: 0,
      lastOffsetDelta: 2,
      baseTimestamp: BASE_TS,
      maxTimestamp: BASE_TS + 5n,
      producerId: -1n,
      producerEpoch: 0,
      baseSequence: 0,
      recordsCount: 3,
    });
    expect(decoded.records).toEqual([
      { attributes: 0, timestampDelta: 0, offsetDelta: 0, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [] },
      { attributes: 0, timestampDelta: 5, offsetDelta: 1, key: null, value: Buffer.from('hello'), headers: [{ key: 'h', value: null }] },
      { attributes: 0, timestampDelta: -1, offsetDelta: 2, key: Buffer.alloc(0), value: Buffer.alloc(200, 0xab), headers: [] },
    ]);
    expect(readBatchHeader(golden)).toMatchObject({ recordsCount: 3, producerEpoch: 0 });
  });

  it('encodes to exactly the same bytes', async () => {
    const golden = goldenBatch();
    expect((await encodeRecordBatch(INPUT)).equals(golden)).toBe(true);
    expect(encodeRecordBatchSync(INPUT).equals(golden)).toBe(true);
  });

  it('re-encoding the decoded batch reproduces the bytes', async () => {
    const golden = goldenBatch();
    const decoded = await decodeRecordBatch(golden);
    const again = await encodeRecordBatch({
      ...decoded,
      records: decoded.records.map((r) => ({ ...r })),
    });
    expect(again.equals(golden)).toBe(true);
  });
});
