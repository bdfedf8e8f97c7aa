/** Transaction marker (control) batches. */
import { describe, expect, it } from 'vitest';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';
import {
  ControlRecordType,
  decodeRecordBatch,
  encodeControlBatch,
  encodeRecordBatch,
  parseControlRecordKey,
  parseControlRecordValue,
  setBaseOffset,
  transactionMarkerOf,
  validateBatch,
} from '../../../src/protocol/records/index.js';

describe('control batches', () => {
  it.each([
    ['COMMIT', ControlRecordType.Commit],
    ['ABORT', ControlRecordType.Abort],
  ] as const)('%s marker: transactional + control, one record with the documented key and value', async (_name, type) => {
    const batch = encodeControlBatch({ producerId: 4001n, producerEpoch: 2, timestamp: 1_700_000_000_123n, type, coordinatorEpoch: 9, partitionLeaderEpoch: 3 });
    expect(validateBatch(batch).header).toMatchObject({ attributes: 0x30, isControl: true, isTransactional: true, recordsCount: 1 });
    setBaseOffset(batch, 0, 77n);
    const decoded = await decodeRecordBatch(batch);
    expect(decoded).toMatchObject({
      baseOffset: 77n,
      partitionLeaderEpoch: 3,
      producerId: 4001n,
      producerEpoch: 2,
      baseSequence: -1,
      lastOffsetDelta: 0,
      baseTimestamp: 1_700_000_000_123n,
      maxTimestamp: 1_700_000_000_123n,
    });
    const [record] = decoded.records;
    expect(record!.key).toEqual(Buffer.from([0, 0, 0, type]));
    expect(record!.value).toEqual(Buffer.from([0, 0, 0, 0, 0, 9]));
    expect(parseControlRecordKey(record!.key)).toEqual({ version: 0, type });
    expect(parseControlRecordValue(record!.value)).toEqual({ version: 0, coordinatorEpoch: 9 });
    expect(transactionMarkerOf(decoded)).toEqual({ type, coordinatorEpoch: 9, producerId: 4001n, producerEpoch: 2 });
  });

  it('transactionMarkerOf is null for data batches', async () => {
    const data = await decodeRecordBatch(await encodeRecordBatch({ transactional: true, producerId: 1n, producerEpoch: 0, baseSequence: 0, records: [{ value: 'x' }] }));
    expect(transactionMarkerOf(data)).toBeNull();
  });

  it('parsers reject short, null or negative-version keys and values', () => {
    expect(() => parseControlRecordKey(null)).toThrow(ProtocolDecodeError);
    expect(() => parseControlRecordKey(Buffer.from([0, 0, 0]))).toThrow(ProtocolDecodeError);
    expect(() => parseControlRecordKey(Buffer.from([0xff, 0xff, 0, 1]))).toThrow(/version/);
    expect(parseControlRecordKey(Buffer.from([0, 1, 0, 5, 0xaa]))).toEqual({ version: 1, type: 5 });
    expect(() => parseControlRecordValue(null)).toThrow(ProtocolDecodeError);
    expect(() => parseControlRecordValue(Buffer.from([0, 0, 0, 0, 1]))).toThrow(ProtocolDecodeError);
    expect(() => parseControlRecordValue(Buffer.from([0x80, 0, 0, 0, 0, 1]))).toThrow(/version/);
  });
});
