/**
 * In-place rewriting of a stored batch: baseOffset and partitionLeaderEpoch sit outside the
 * CRC; attributes..end are covered, so any flipped bit there is caught by validateBatch.
 */
import { describe, expect, it } from 'vitest';
import {
  CorruptRecordBatchError,
  CompressionType,
  TimestampType,
  UnsupportedRecordFormatError,
  buildAttributes,
  checkClientRules,
  computeBatchCrc,
  decodeRecordBatch,
  encodeRecordBatch,
  encodeRecordBatchSync,
  readBaseOffset,
  readBatchHeader,
  readBatchSize,
  readLastOffset,
  recomputeCrc,
  setBaseOffset,
  setLastOffset,
  setLogAppendTime,
  setMaxTimestamp,
  setPartitionLeaderEpoch,
  validateBatch,
  type RecordBatchInput,
} from '../../../src/protocol/records/index.js';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';

const INPUT: RecordBatchInput = {
  baseTimestamp: 1_000,
  producerId: 5n,
  producerEpoch: 1,
  baseSequence: 0,
  records: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two', timestampDelta: 7 }, { key: 'c', value: 'three', headers: [{ key: 'h', value: 'v' }] }],
};

function validationError(buf: Buffer, position = 0): unknown {
  try {
    validateBatch(buf, position);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('rewriting outside the CRC', () => {
  it('setBaseOffset and setPartitionLeaderEpoch keep the CRC valid and are read back', async () => {
    const batch = await encodeRecordBatch(INPUT);
    const crcBefore = batch.readUInt32BE(17);
    setBaseOffset(batch, 0, 9_007_199_254_740_993n);
    setPartitionLeaderEpoch(batch, 0, 12);
    expect(batch.readUInt32BE(17)).toBe(crcBefore);
    expect(validateBatch(batch).header).toMatchObject({ baseOffset: 9_007_199_254_740_993n, partitionLeaderEpoch: 12 });
    expect(readBaseOffset(batch)).toBe(9_007_199_254_740_993n);
    expect(readLastOffset(batch)).toBe(9_007_199_254_740_995n);
    const decoded = await decodeRecordBatch(batch);
    expect(decoded.baseOffset).toBe(9_007_199_254_740_993n);
  });

  it('setLastOffset derives baseOffset from lastOffsetDelta', async () => {
    const batch = await encodeRecordBatch(INPUT);
    setLastOffset(batch, 0, 100n);
    expect(readBaseOffset(batch)).toBe(98n);
    expect(() => validateBatch(batch)).not.toThrow();
  });

  it('rewrites a batch in the middle of a blob without touching its neighbours', async () => {
    const a = await encodeRecordBatch(INPUT);
    const b = await encodeRecordBatch({ ...INPUT, compression: CompressionType.Gzip });
    const blob = Buffer.concat([a, b, a]);
    setBaseOffset(blob, a.length, 3n);
    expect(readBatchSize(blob, a.length)).toBe(b.length);
    expect(validateBatch(blob, a.length).header.baseOffset).toBe(3n);
    expect(validateBatch(blob, 0).header.baseOffset).toBe(0n);
    expect(validateBatch(blob, a.length + b.length).header.baseOffset).toBe(0n);
  });

  it('flipping bits of baseOffset or partitionLeaderEpoch (outside the CRC) does not break it', async () => {
    const batch = await encodeRecordBatch(INPUT);
    for (let byte = 0; byte < 8; byte++) {
      for (const bit of [0x01, 0x80]) {
        const copy = Buffer.from(batch);
        copy[byte]! ^= bit;
        expect(() => validateBatch(copy)).not.toThrow();
      }
    }
    for (let byte = 12; byte < 16; byte++) {
      const copy = Buffer.from(batch);
      copy[byte]! ^= 0x04;
      expect(() => validateBatch(copy)).not.toThrow();
    }
  });
});

describe('the CRC covers attributes..end', () => {
  it.each([CompressionType.None, CompressionType.Snappy])('a single flipped bit anywhere in [21, end) is a crc error (codec %i)', async (compression) => {
    const batch = await encodeRecordBatch({ ...INPUT, compression });
    const positions = new Set([21, 22, 23, 30, 40, 50, 56, 57, 60, 61, Math.floor((61 + batch.length) / 2), batch.length - 2, batch.length - 1]);
    for (let at = 21; at < batch.length; at += 5) positions.add(at);
    for (const at of positions) {
      for (const bit of [0x01, 0x10, 0x80]) {
        const copy = Buffer.from(batch);
        copy[at]! ^= bit;
        const error = validationError(copy);
        expect(error, `byte ${at} bit ${bit}`).toBeInstanceOf(CorruptRecordBatchError);
        expect(error).toBeInstanceOf(ProtocolDecodeError);
        expect(error).toMatchObject({ reason: 'crc', errorCode: 2, batchPosition: 0, name: 'CorruptRecordBatchError' });
        await expect(decodeRecordBatch(copy)).rejects.toMatchObject({ reason: 'crc' });
      }
    }
  });

  it('a flipped CRC byte is caught too, and verifyCrc: false skips the check', async () => {
    const batch = await encodeRecordBatch(INPUT);
    batch[18]! ^= 0x01;
    expect(validationError(batch)).toMatchObject({ reason: 'crc' });
    expect(validateBatch(batch, 0, { verifyCrc: false }).records?.count).toBe(3);
    expect((await decodeRecordBatch(batch, 0, { verifyCrc: false })).records.length).toBe(3);
  });

  it('recomputeCrc repairs the CRC after a change under it', async () => {
    const batch = await encodeRecordBatch(INPUT);
    batch.writeInt32BE(77, 53); // baseSequence
    expect(validationError(batch)).toMatchObject({ reason: 'crc' });
    const crc = recomputeCrc(batch, 0);
    expect(crc).toBe(computeBatchCrc(batch, 0));
    expect(batch.readUInt32BE(17)).toBe(crc);
    expect(validateBatch(batch).header.baseSequence).toBe(77);
  });
});

describe('LogAppendTime stamping', () => {
  it('sets the timestamp type bit and maxTimestamp, recomputing the CRC', async () => {
    const batch = await encodeRecordBatch({ ...INPUT, compression: CompressionType.Zstd });
    expect(setLogAppendTime(batch, 0, 123_456_789n)).toBe(true);
    const header = validateBatch(batch).header;
    expect(header).toMatchObject({ timestampType: TimestampType.LogAppendTime, maxTimestamp: 123_456_789n, compression: CompressionType.Zstd });
    const decoded = await decodeRecordBatch(batch);
    expect(decoded.records.map((r) => r.value?.toString())).toEqual(['one', 'two', 'three']);
    // Same values again: nothing to do.
    expect(setMaxTimestamp(batch, 0, TimestampType.LogAppendTime, 123_456_789n)).toBe(false);
    // Back to CreateTime.
    expect(setMaxTimestamp(batch, 0, TimestampType.CreateTime, 1_007n)).toBe(true);
    expect(validateBatch(batch).header).toMatchObject({ timestampType: TimestampType.CreateTime, maxTimestamp: 1_007n });
  });
});

describe('header helpers', () => {
  it('buildAttributes sets the documented bits', () => {
    expect(buildAttributes({ compression: 4, timestampType: TimestampType.LogAppendTime, transactional: true, isControl: true, deleteHorizon: true })).toBe(
      4 | 0x08 | 0x10 | 0x20 | 0x40,
    );
    expect(buildAttributes({})).toBe(0);
    expect(() => buildAttributes({ compression: 8 })).toThrow(RangeError);
  });

  it('readBatchHeader needs 61 bytes', async () => {
    const batch = await encodeRecordBatch(INPUT);
    expect(() => readBatchHeader(batch.subarray(0, 60))).toThrow(ProtocolDecodeError);
    expect(readBatchHeader(batch).recordsCount).toBe(3);
  });
});

describe('validateBatch framing', () => {
  it('rejects legacy magic 0/1 as an unsupported format and unknown magic as framing', async () => {
    const batch = await encodeRecordBatch(INPUT);
    for (const magic of [0, 1]) {
      const copy = Buffer.from(batch);
      copy[16] = magic;
      const error = validationError(copy);
      expect(error).toBeInstanceOf(UnsupportedRecordFormatError);
      expect(error).toBeInstanceOf(CorruptRecordBatchError);
      expect(error).toMatchObject({ magic, reason: 'unsupported-format', errorCode: 43 });
    }
    const copy = Buffer.from(batch);
    copy[16] = 3;
    expect(validationError(copy)).toMatchObject({ reason: 'framing', errorCode: 2 });
  });

  it('rejects short or truncated input and impossible batch lengths', async () => {
    const batch = await encodeRecordBatch(INPUT);
    expect(validationError(batch.subarray(0, 16))).toMatchObject({ reason: 'truncated' });
    expect(validationError(batch.subarray(0, batch.length - 1))).toMatchObject({ reason: 'truncated' });
    for (const length of [-1, 0, 48, -0x70000000]) {
      const copy = Buffer.from(batch);
      copy.writeInt32BE(length, 8);
      expect(validationError(copy), `batchLength ${length}`).toMatchObject({ reason: 'framing' });
    }
    // A shorter (but plausible) batchLength moves the end: the CRC no longer matches.
    const shorter = Buffer.from(batch);
    shorter.writeInt32BE(batch.length - 13, 8);
    expect(validationError(shorter)).toMatchObject({ reason: 'crc' });
  });

  it('validates a batch inside a larger buffer at its position', async () => {
    const batch = await encodeRecordBatch(INPUT);
    const blob = Buffer.concat([Buffer.alloc(5, 0xee), batch, Buffer.alloc(3, 0xee)]);
    expect(validateBatch(blob, 5).size).toBe(batch.length);
    expect(validationError(blob, 5 + 1)).toBeInstanceOf(CorruptRecordBatchError);
    expect(() => validateBatch(blob, 5, { end: 5 + batch.length - 1 })).toThrow(CorruptRecordBatchError);
  });

  it('client rules: count, offset range, control, sequence', async () => {
    const header = (overrides: Partial<RecordBatchInput>) => encodeRecordBatch({ ...INPUT, ...overrides }).then((b) => readBatchHeader(b));
    expect(() => checkClientRules(readBatchHeader(encodeRecordBatchSync(INPUT)))).not.toThrow();
    const cases: Array<[Partial<RecordBatchInput>, RegExp]> = [
      [{ records: [] }, /record count/],
      [{ lastOffsetDelta: 5 }, /inconsistent/],
      [{ isControl: true }, /control/],
      [{ baseSequence: -1 }, /sequence/],
    ];
    for (const [overrides, message] of cases) {
      let thrown: unknown;
      try {
        checkClientRules(await header(overrides));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ reason: 'invalid', errorCode: 87 });
      expect((thrown as Error).message).toMatch(message);
    }
    // Non-idempotent producers (producerId -1) may use sequence -1 or kafkajs' 0.
    expect(() => checkClientRules(readBatchHeader(encodeRecordBatchSync({ ...INPUT, producerId: -1n, baseSequence: -1 })))).not.toThrow();
    // validateBatch applies them on request.
    const control = await encodeRecordBatch({ ...INPUT, isControl: true });
    expect(() => validateBatch(control)).not.toThrow();
    expect(() => validateBatch(control, 0, { clientRules: true })).toThrow(/control/);
  });
});
