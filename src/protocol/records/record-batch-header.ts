import { crc32c } from '../crc32c.js';
import { ProtocolDecodeError } from '../errors.js';

/*
 * The fixed 61-byte header of a magic 2 record batch. All integers big endian.
 *
 *   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32 | 16 magic int8
 *  17 crc uint32 (CRC-32C of bytes 21..end) | 21 attributes int16 | 23 lastOffsetDelta int32
 *  27 baseTimestamp int64 | 35 maxTimestamp int64 | 43 producerId int64 | 51 producerEpoch int16
 *  53 baseSequence int32 | 57 recordsCount int32 | 61 records...
 *
 * baseOffset, batchLength and partitionLeaderEpoch are outside the CRC: a broker assigns offsets
 * and stamps the leader epoch by rewriting them in place. batchLength counts the bytes after
 * the batchLength field itself, so a batch occupies LOG_OVERHEAD + batchLength bytes.
 */
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** Bytes before the first record. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes of a batch not counted by batchLength. */
export const LOG_OVERHEAD = 12;
/** The smallest legal batchLength of a magic 2 batch (an empty batch). */
export const MIN_BATCH_LENGTH = RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD;
/** Bytes needed to see a batch's magic byte. */
export const HEADER_SIZE_UP_TO_MAGIC = MAGIC_OFFSET + 1;
/** Where the CRC-covered region starts. */
export const CRC_START_OFFSET = ATTRIBUTES_OFFSET;

export const CURRENT_MAGIC = 2;

/** Attribute bit 3. */
export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampTypeId = (typeof TimestampType)[keyof typeof TimestampType];

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** Sentinels Kafka uses when there is no producer id / epoch / sequence / leader epoch / timestamp. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;

export function compressionOf(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}
export function timestampTypeOf(attributes: number): TimestampTypeId {
  return (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}
export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
}
export function isControl(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0;
}
export function hasDeleteHorizon(attributes: number): boolean {
  return (attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
}

export interface BatchAttributeFlags {
  /** Codec id, attribute bits 0-2 (`CompressionType` of the compression module: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression?: number;
  timestampType?: TimestampTypeId;
  transactional?: boolean;
  isControl?: boolean;
  deleteHorizon?: boolean;
}

/** Builds the attributes int16 from flags (compression must be 0-7). */
export function buildAttributes(flags: BatchAttributeFlags): number {
  const compression = flags.compression ?? 0;
  if (!Number.isInteger(compression) || compression < 0 || compression > COMPRESSION_CODEC_MASK) {
    throw new RangeError(`compression type ${compression} does not fit in 3 bits`);
  }
  return (
    compression |
    (flags.timestampType === TimestampType.LogAppendTime ? TIMESTAMP_TYPE_MASK : 0) |
    (flags.transactional ? TRANSACTIONAL_FLAG_MASK : 0) |
    (flags.isControl ? CONTROL_FLAG_MASK : 0) |
    (flags.deleteHorizon ? DELETE_HORIZON_FLAG_MASK : 0)
  );
}

export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field; the batch occupies batchLength + LOG_OVERHEAD bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** The stored CRC-32C (unsigned); not verified by {@link readBatchHeader}. */
  crc: number;
  attributes: number;
  // Decoded from attributes, for convenience.
  compression: number;
  timestampType: TimestampTypeId;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/**
 * Reads the 61-byte header at `at`. Checks only that the 61 bytes are there (it does not
 * check magic, lengths or CRC: see validateBatch).
 */
export function readBatchHeader(buf: Buffer, at = 0): RecordBatchHeader {
  if (!Number.isInteger(at) || at < 0 || buf.length - at < RECORD_BATCH_HEADER_SIZE) {
    throw new ProtocolDecodeError(`record batch header needs ${RECORD_BATCH_HEADER_SIZE} bytes, ${Math.max(0, buf.length - at)} left`, at);
  }
  const attributes = buf.readInt16BE(at + ATTRIBUTES_OFFSET);
  return {
    baseOffset: buf.readBigInt64BE(at + BASE_OFFSET_OFFSET),
    batchLength: buf.readInt32BE(at + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(at + MAGIC_OFFSET),
    crc: buf.readUInt32BE(at + CRC_OFFSET),
    attributes,
    compression: attributes & COMPRESSION_CODEC_MASK,
    timestampType: timestampTypeOf(attributes),
    isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
    isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_FLAG_MASK) !== 0,
    lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: buf.readBigInt64BE(at + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: buf.readBigInt64BE(at + MAX_TIMESTAMP_OFFSET),
    producerId: buf.readBigInt64BE(at + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE_OFFSET),
    recordsCount: buf.readInt32BE(at + RECORDS_COUNT_OFFSET),
  };
}

// Single-field accessors for hot paths that do not need the whole header (no bigint unless the field is int64).
export function readBaseOffset(buf: Buffer, at = 0): bigint {
  return buf.readBigInt64BE(at + BASE_OFFSET_OFFSET);
}
export function readBatchLength(buf: Buffer, at = 0): number {
  return buf.readInt32BE(at + BATCH_LENGTH_OFFSET);
}
/** Bytes the batch at `at` occupies (batchLength + LOG_OVERHEAD). */
export function readBatchSize(buf: Buffer, at = 0): number {
  return buf.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
}
export function readLastOffsetDelta(buf: Buffer, at = 0): number {
  return buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
}
export function readRecordsCount(buf: Buffer, at = 0): number {
  return buf.readInt32BE(at + RECORDS_COUNT_OFFSET);
}
export function readAttributes(buf: Buffer, at = 0): number {
  return buf.readInt16BE(at + ATTRIBUTES_OFFSET);
}
/** baseOffset + lastOffsetDelta. */
export function readLastOffset(buf: Buffer, at = 0): bigint {
  return buf.readBigInt64BE(at + BASE_OFFSET_OFFSET) + BigInt(buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET));
}

// In-place rewriters.

/** Sets baseOffset (outside the CRC: the CRC stays valid). */
export function setBaseOffset(buf: Buffer, at: number, baseOffset: bigint): void {
  buf.writeBigInt64BE(baseOffset, at + BASE_OFFSET_OFFSET);
}

/** Sets baseOffset so that the batch's last offset becomes `lastOffset` (Kafka's setLastOffset). */
export function setLastOffset(buf: Buffer, at: number, lastOffset: bigint): void {
  buf.writeBigInt64BE(lastOffset - BigInt(buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET)), at + BASE_OFFSET_OFFSET);
}

/** Sets partitionLeaderEpoch (outside the CRC: the CRC stays valid). */
export function setPartitionLeaderEpoch(buf: Buffer, at: number, epoch: number): void {
  buf.writeInt32BE(epoch, at + PARTITION_LEADER_EPOCH_OFFSET);
}

/** Computes the CRC-32C of the batch at `at` (attributes..end) from its batchLength. */
export function computeBatchCrc(buf: Buffer, at = 0): number {
  const end = at + LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH_OFFSET);
  const start = at + CRC_START_OFFSET;
  if (end < start || end > buf.length) {
    throw new ProtocolDecodeError(`record batch at ${at} does not fit in the buffer`, at + BATCH_LENGTH_OFFSET);
  }
  return crc32c(buf.subarray(start, end));
}

/** Recomputes and stores the CRC after a change to a CRC-covered field. Returns the new CRC. */
export function recomputeCrc(buf: Buffer, at = 0): number {
  const crc = computeBatchCrc(buf, at);
  buf.writeUInt32BE(crc, at + CRC_OFFSET);
  return crc;
}

/**
 * Kafka's DefaultRecordBatch.setMaxTimestamp: sets the timestamp type bit and maxTimestamp
 * (both under the CRC) and recomputes the CRC, unless nothing changes. A broker with
 * `message.timestamp.type=LogAppendTime` calls this with LogAppendTime and its clock.
 * Returns whether the batch changed.
 */
export function setMaxTimestamp(buf: Buffer, at: number, timestampType: TimestampTypeId, maxTimestamp: bigint): boolean {
  const attributes = buf.readInt16BE(at + ATTRIBUTES_OFFSET);
  const nextAttributes = timestampType === TimestampType.LogAppendTime ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK;
  if (nextAttributes === attributes && buf.readBigInt64BE(at + MAX_TIMESTAMP_OFFSET) === maxTimestamp) return false;
  buf.writeInt16BE(nextAttributes, at + ATTRIBUTES_OFFSET);
  buf.writeBigInt64BE(maxTimestamp, at + MAX_TIMESTAMP_OFFSET);
  recomputeCrc(buf, at);
  return true;
}

/** Stamps LogAppendTime: timestampType bit set and maxTimestamp = `timestamp`; CRC recomputed. */
export function setLogAppendTime(buf: Buffer, at: number, timestamp: bigint): boolean {
  return setMaxTimestamp(buf, at, TimestampType.LogAppendTime, timestamp);
}
