import { ProtocolDecodeError } from '../errors.js';
import { TimestampType, NO_SEQUENCE } from './record-batch-header.js';
import { encodeRecordBatchSync, type DecodedRecordBatch } from './record-batch.js';

/**
 * Control records: the single record of a control batch (attributes control bit set). The
 * key is version int16 + type int16; for transaction markers (ABORT, COMMIT) the value is
 * version int16 + coordinatorEpoch int32. Types 2+ belong to KRaft's metadata log.
 */
export const ControlRecordType = {
  Abort: 0,
  Commit: 1,
  LeaderChange: 2,
  SnapshotHeader: 3,
  SnapshotFooter: 4,
  KRaftVersion: 5,
  KRaftVoters: 6,
} as const;
export type TransactionMarkerType = typeof ControlRecordType.Abort | typeof ControlRecordType.Commit;

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TXN_MARKER_VALUE_VERSION = 0;
export const CONTROL_RECORD_KEY_SIZE = 4;
export const END_TXN_MARKER_VALUE_SIZE = 6;

export interface ControlRecordKey {
  version: number;
  /** A {@link ControlRecordType} value (unknown types are returned as read). */
  type: number;
}

export interface EndTransactionMarker {
  version: number;
  coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: number, version = CONTROL_RECORD_KEY_VERSION): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_RECORD_KEY_SIZE);
  key.writeInt16BE(version, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function encodeEndTransactionMarkerValue(coordinatorEpoch: number, version = END_TXN_MARKER_VALUE_VERSION): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(version, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** Parses a control record key (Kafka's ControlRecordType.parse): at least 4 bytes, version >= 0. */
export function parseControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null) throw new ProtocolDecodeError('control record without a key', 0);
  if (key.length < CONTROL_RECORD_KEY_SIZE) throw new ProtocolDecodeError(`control record key of ${key.length} bytes, need ${CONTROL_RECORD_KEY_SIZE}`, 0);
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolDecodeError(`invalid control record key version ${version}`, 0);
  return { version, type: key.readInt16BE(2) };
}

/** Parses an end transaction marker value (ABORT / COMMIT control records): at least 6 bytes, version >= 0. */
export function parseControlRecordValue(value: Buffer | null): EndTransactionMarker {
  if (value === null) throw new ProtocolDecodeError('transaction marker without a value', 0);
  if (value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new ProtocolDecodeError(`transaction marker value of ${value.length} bytes, need ${END_TXN_MARKER_VALUE_SIZE}`, 0);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new ProtocolDecodeError(`invalid transaction marker version ${version}`, 0);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface ControlBatchInput {
  producerId: bigint | number;
  producerEpoch: number;
  baseOffset?: bigint | number;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** The marker's timestamp (baseTimestamp and maxTimestamp of the batch). */
  timestamp: bigint | number;
  type: TransactionMarkerType;
  coordinatorEpoch: number;
}

/**
 * A transaction marker batch as Kafka's coordinator writes it: transactional + control
 * attributes, no compression, CreateTime, baseSequence -1, one record (offsetDelta 0).
 */
export function encodeControlBatch(input: ControlBatchInput): Buffer {
  return encodeRecordBatchSync({
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    transactional: true,
    isControl: true,
    timestampType: TimestampType.CreateTime,
    baseTimestamp: input.timestamp,
    maxTimestamp: input.timestamp,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: NO_SEQUENCE,
    records: [
      {
        key: encodeControlRecordKey(input.type),
        value: encodeEndTransactionMarkerValue(input.coordinatorEpoch),
        timestampDelta: 0,
        offsetDelta: 0,
      },
    ],
  });
}

export interface TransactionMarker {
  type: TransactionMarkerType;
  coordinatorEpoch: number;
  producerId: bigint;
  producerEpoch: number;
}

/**
 * The transaction marker a decoded batch carries, or null if it is not a control batch
 * holding an ABORT/COMMIT record. Malformed keys or values are ProtocolDecodeErrors.
 */
export function transactionMarkerOf(batch: DecodedRecordBatch): TransactionMarker | null {
  if (!batch.isControl) return null;
  const record = batch.records[0];
  if (record === undefined) return null;
  const { type } = parseControlRecordKey(record.key);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return null;
  const { coordinatorEpoch } = parseControlRecordValue(record.value);
  return { type, coordinatorEpoch, producerId: batch.producerId, producerEpoch: batch.producerEpoch };
}
