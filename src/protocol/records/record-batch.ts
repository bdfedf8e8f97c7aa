import { compress, compressSync, decompress, decompressSync, isCompressionType } from '../compression/index.js';
import { crc32c } from '../crc32c.js';
import { ProtocolDecodeError, ProtocolEncodeError } from '../errors.js';
import { ByteReader } from '../primitives/byte-reader.js';
import { ByteWriter } from '../primitives/byte-writer.js';
import { scanBatches, type ScanOptions } from './batch-scanner.js';
import { validateBatch, type ValidateBatchOptions, type ValidatedBatch } from './batch-validator.js';
import { CorruptRecordBatchError, UnsupportedRecordFormatError } from './errors.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  buildAttributes,
  COMPRESSION_CODEC_MASK,
  CRC_OFFSET,
  CRC_START_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORDS_COUNT_OFFSET,
  TimestampType,
  type BatchAttributeFlags,
  type RecordBatchHeader,
} from './record-batch-header.js';
import { MIN_RECORD_SIZE, walkRecords } from './record-framing.js';
import { encodedRecordSize, prepareRecord, readRecord, writeEncodableRecord, type EncodableRecord, type KafkaRecord } from './record.js';

/** A fully decoded batch: its header fields, where it sat in its buffer, and its records. */
export interface DecodedRecordBatch extends RecordBatchHeader {
  position: number;
  /** Bytes the batch occupies in its buffer (batchLength + LOG_OVERHEAD). */
  size: number;
  records: KafkaRecord[];
}

export interface DecodeBatchOptions {
  /** Check the CRC-32C before decoding (default true). */
  verifyCrc?: boolean;
}

// Decompression: every failure (unknown codec id 5-7, corrupt payload, missing native codec) is
// a CorruptRecordBatchError with reason `compression`.

function compressedPayload(buf: Buffer, validated: ValidatedBatch): Buffer {
  return buf.subarray(validated.position + RECORD_BATCH_HEADER_SIZE, validated.position + validated.size);
}

function compressionFailure(validated: ValidatedBatch, error: unknown): CorruptRecordBatchError {
  const detail = error instanceof Error ? error.message : String(error);
  return new CorruptRecordBatchError(
    `cannot decompress the records (codec ${validated.header.compression}): ${detail}`,
    'compression',
    validated.position,
    validated.position + RECORD_BATCH_HEADER_SIZE,
    { cause: error },
  );
}

function checkCodec(validated: ValidatedBatch): 1 | 2 | 3 | 4 {
  const codec = validated.header.compression;
  if (!isCompressionType(codec) || codec === 0) {
    throw new CorruptRecordBatchError(`unknown compression type ${codec}`, 'compression', validated.position, validated.position + ATTRIBUTES_OFFSET);
  }
  return codec;
}

async function decompressRecords(buf: Buffer, validated: ValidatedBatch): Promise<Buffer> {
  const codec = checkCodec(validated);
  try {
    return await decompress(codec, compressedPayload(buf, validated));
  } catch (error) {
    throw compressionFailure(validated, error);
  }
}

function decompressRecordsSync(buf: Buffer, validated: ValidatedBatch): Buffer {
  const codec = checkCodec(validated);
  try {
    return decompressSync(codec, compressedPayload(buf, validated));
  } catch (error) {
    throw compressionFailure(validated, error);
  }
}

/**
 * Parses `count` records from bytes[start, end) (the batch's own bytes, or its decompressed
 * block when `compressed`), requiring them to fill the range exactly.
 */
function parseRecords(bytes: Buffer, start: number, end: number, count: number, position: number, compressed: boolean): KafkaRecord[] {
  const reportAt = compressed ? position + RECORD_BATCH_HEADER_SIZE : -1;
  const where = compressed ? ' (in the decompressed records)' : '';
  if (count < 0 || count > (end - start) / MIN_RECORD_SIZE) {
    throw new CorruptRecordBatchError(`record count ${count} does not fit in ${end - start} bytes of records${where}`, 'records', position, position + RECORDS_COUNT_OFFSET);
  }
  const reader = new ByteReader(bytes, start, end);
  const records = new Array<KafkaRecord>(count);
  try {
    for (let i = 0; i < count; i++) records[i] = readRecord(reader);
  } catch (error) {
    if (!(error instanceof ProtocolDecodeError)) throw error;
    throw new CorruptRecordBatchError(`malformed record${where}: ${error.message}`, 'records', position, reportAt >= 0 ? reportAt : error.offset, { cause: error });
  }
  if (reader.remaining !== 0) {
    throw new CorruptRecordBatchError(`${reader.remaining} bytes left after the ${count} records the batch declares${where}`, 'records', position, reportAt >= 0 ? reportAt : reader.offset);
  }
  return records;
}

function toDecoded(validated: ValidatedBatch, records: KafkaRecord[]): DecodedRecordBatch {
  return { ...validated.header, position: validated.position, size: validated.size, records };
}

/**
 * Fully decodes the magic 2 batch at `position`: validates framing and CRC, decompresses
 * (codecs 1-4), parses every record and checks the count. Every failure is a
 * {@link CorruptRecordBatchError} (a ProtocolDecodeError).
 */
export async function decodeRecordBatch(buf: Buffer, position = 0, options: DecodeBatchOptions = {}): Promise<DecodedRecordBatch> {
  const validated = validateBatch(buf, position, { verifyCrc: options.verifyCrc, verifyRecords: false });
  const count = validated.header.recordsCount;
  if (validated.header.compression === 0) {
    return toDecoded(validated, parseRecords(buf, position + RECORD_BATCH_HEADER_SIZE, position + validated.size, count, position, false));
  }
  const block = await decompressRecords(buf, validated);
  return toDecoded(validated, parseRecords(block, 0, block.length, count, position, true));
}

/** Synchronous {@link decodeRecordBatch}: decompresses on the calling thread (fine for small batches). */
export function decodeRecordBatchSync(buf: Buffer, position = 0, options: DecodeBatchOptions = {}): DecodedRecordBatch {
  const validated = validateBatch(buf, position, { verifyCrc: options.verifyCrc, verifyRecords: false });
  const count = validated.header.recordsCount;
  if (validated.header.compression === 0) {
    return toDecoded(validated, parseRecords(buf, position + RECORD_BATCH_HEADER_SIZE, position + validated.size, count, position, false));
  }
  const block = decompressRecordsSync(buf, validated);
  return toDecoded(validated, parseRecords(block, 0, block.length, count, position, true));
}

/**
 * Decodes every batch of a records blob (e.g. a Fetch response's records), skipping a
 * truncated tail. A legacy message set is an {@link UnsupportedRecordFormatError}.
 */
export async function decodeRecordBatches(blob: Buffer, options: DecodeBatchOptions & ScanOptions = {}): Promise<DecodedRecordBatch[]> {
  const batches: DecodedRecordBatch[] = [];
  for (const entry of scanBatches(blob, options)) {
    if (entry.kind === 'truncated') break;
    if (entry.kind === 'legacy') throw new UnsupportedRecordFormatError(entry.magic, entry.position);
    batches.push(await decodeRecordBatch(blob, entry.position, options));
  }
  return batches;
}

/** Synchronous {@link decodeRecordBatches}. */
export function decodeRecordBatchesSync(blob: Buffer, options: DecodeBatchOptions & ScanOptions = {}): DecodedRecordBatch[] {
  const batches: DecodedRecordBatch[] = [];
  for (const entry of scanBatches(blob, options)) {
    if (entry.kind === 'truncated') break;
    if (entry.kind === 'legacy') throw new UnsupportedRecordFormatError(entry.magic, entry.position);
    batches.push(decodeRecordBatchSync(blob, entry.position, options));
  }
  return batches;
}

/**
 * {@link validateBatch} plus, for compressed batches, decompression and a walk of the record
 * framing. Optional work for a broker: Kafka decompresses on produce only when it has to
 * (re-compression, inner offset checks).
 */
export async function validateBatchDeep(buf: Buffer, position = 0, options: ValidateBatchOptions = {}): Promise<ValidatedBatch> {
  const validated = validateBatch(buf, position, options);
  if (validated.header.compression === 0 || options.verifyRecords === false) return validated;
  const block = await decompressRecords(buf, validated);
  const records = walkRecords(block, 0, block.length, validated.header.recordsCount, position, position + RECORD_BATCH_HEADER_SIZE);
  return { ...validated, records };
}

// Absolute positions.

/** The record's offset: baseOffset + offsetDelta. */
export function recordOffset(header: Pick<RecordBatchHeader, 'baseOffset'>, record: Pick<KafkaRecord, 'offsetDelta'>): bigint {
  return header.baseOffset + BigInt(record.offsetDelta);
}

/** The record's timestamp: maxTimestamp for LogAppendTime batches, else baseTimestamp + timestampDelta. */
export function recordTimestamp(
  header: Pick<RecordBatchHeader, 'baseTimestamp' | 'maxTimestamp' | 'timestampType'>,
  record: Pick<KafkaRecord, 'timestampDelta'>,
): bigint {
  return header.timestampType === TimestampType.LogAppendTime ? header.maxTimestamp : header.baseTimestamp + BigInt(record.timestampDelta);
}

export interface AbsoluteRecord extends KafkaRecord {
  offset: bigint;
  timestamp: bigint;
}

/** The batch's records with absolute offsets and timestamps. */
export function absoluteRecords(batch: DecodedRecordBatch): AbsoluteRecord[] {
  return batch.records.map((record) => ({ ...record, offset: recordOffset(batch, record), timestamp: recordTimestamp(batch, record) }));
}

// Encoding.

export type BytesInput = Uint8Array | string | null;

export interface RecordInput {
  key?: BytesInput;
  value?: BytesInput;
  headers?: ReadonlyArray<{ key: string; value?: BytesInput }>;
  /** Absolute timestamp (ms); the delta to the batch's baseTimestamp is computed. */
  timestamp?: bigint | number;
  /** Used when `timestamp` is absent; 0 (the baseTimestamp) when both are absent. */
  timestampDelta?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
  /** Record attributes (unused by Kafka; default 0). */
  attributes?: number;
}

export interface RecordBatchInput extends BatchAttributeFlags {
  baseOffset?: bigint | number;
  /** Default -1 (as Java clients write; kafkajs writes 0). */
  partitionLeaderEpoch?: number;
  /** When given, used as-is instead of the flags (compression, timestampType, transactional, isControl, deleteHorizon). */
  attributes?: number;
  /** Default: the largest offsetDelta (-1 for no records). */
  lastOffsetDelta?: number;
  /** Default: the first record's `timestamp`, else the current time. */
  baseTimestamp?: bigint | number;
  /** Default: the largest record timestamp (baseTimestamp for no records). */
  maxTimestamp?: bigint | number;
  producerId?: bigint | number;
  producerEpoch?: number;
  baseSequence?: number;
  records: ReadonlyArray<RecordInput>;
}

function toBytes(input: BytesInput | undefined): Uint8Array | null {
  if (input === undefined || input === null) return null;
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

function checkInt(name: string, value: number, bits: 16 | 32): number {
  const limit = 2 ** (bits - 1);
  if (!Number.isInteger(value) || value < -limit || value >= limit) throw new ProtocolEncodeError(`${name} ${value} does not fit in int${bits}`);
  return value;
}

function toInt64(name: string, value: bigint | number): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new ProtocolEncodeError(`${name} ${value} is not a safe integer`);
  const big = BigInt(value);
  if (big < -(2n ** 63n) || big >= 2n ** 63n) throw new ProtocolEncodeError(`${name} ${value} does not fit in int64`);
  return big;
}

interface PreparedBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: EncodableRecord[];
  recordsSize: number;
}

function timestampDeltaOf(record: RecordInput, base: bigint, baseNumber: number | null): number {
  if (record.timestamp === undefined) return record.timestampDelta ?? 0;
  const ts = record.timestamp;
  const tsNumber = typeof ts === 'number' ? ts : Number.isSafeInteger(Number(ts)) ? Number(ts) : null;
  if (baseNumber !== null && tsNumber !== null && Number.isSafeInteger(tsNumber)) {
    const delta = tsNumber - baseNumber;
    if (Number.isSafeInteger(delta)) return delta;
  }
  const delta = toInt64('timestamp', ts) - base;
  if (delta > BigInt(Number.MAX_SAFE_INTEGER) || delta < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ProtocolEncodeError(`timestamp ${ts} is too far from the batch's baseTimestamp ${base}`);
  }
  return Number(delta);
}

function prepareBatch(input: RecordBatchInput): PreparedBatch {
  const attributes = input.attributes !== undefined ? checkInt('attributes', input.attributes, 16) : buildAttributes(input);
  const firstTimestamp = input.records[0]?.timestamp;
  const baseTimestamp = toInt64('baseTimestamp', input.baseTimestamp ?? firstTimestamp ?? Date.now());
  const baseNumber = Number.isSafeInteger(Number(baseTimestamp)) ? Number(baseTimestamp) : null;

  const records = new Array<EncodableRecord>(input.records.length);
  let recordsSize = 0;
  let maxOffsetDelta = -1;
  let maxTimestampDelta = 0;
  for (let i = 0; i < input.records.length; i++) {
    const record = input.records[i]!;
    const timestampDelta = timestampDeltaOf(record, baseTimestamp, baseNumber);
    const offsetDelta = record.offsetDelta ?? i;
    const headers = (record.headers ?? []).map((header) => ({ key: Buffer.from(header.key, 'utf8'), value: toBytes(header.value) }));
    const prepared = prepareRecord(record.attributes ?? 0, timestampDelta, offsetDelta, toBytes(record.key), toBytes(record.value), headers);
    records[i] = prepared;
    recordsSize += encodedRecordSize(prepared);
    if (offsetDelta > maxOffsetDelta) maxOffsetDelta = offsetDelta;
    if (i === 0 || timestampDelta > maxTimestampDelta) maxTimestampDelta = timestampDelta;
  }
  const maxTimestamp = input.maxTimestamp !== undefined ? toInt64('maxTimestamp', input.maxTimestamp) : baseTimestamp + BigInt(maxTimestampDelta);
  return {
    baseOffset: toInt64('baseOffset', input.baseOffset ?? 0n),
    partitionLeaderEpoch: checkInt('partitionLeaderEpoch', input.partitionLeaderEpoch ?? -1, 32),
    attributes,
    lastOffsetDelta: checkInt('lastOffsetDelta', input.lastOffsetDelta ?? maxOffsetDelta, 32),
    baseTimestamp,
    maxTimestamp,
    producerId: toInt64('producerId', input.producerId ?? -1n),
    producerEpoch: checkInt('producerEpoch', input.producerEpoch ?? -1, 16),
    baseSequence: checkInt('baseSequence', input.baseSequence ?? -1, 32),
    records,
    recordsSize,
  };
}

function writeRecords(prepared: PreparedBatch, writer: ByteWriter): void {
  for (const record of prepared.records) writeEncodableRecord(writer, record);
}

/** Fills the 61-byte header of the batch occupying all of `batch` and computes its CRC. */
function finishBatch(batch: Buffer, prepared: PreparedBatch): Buffer {
  if (batch.length - LOG_OVERHEAD > 0x7fffffff) throw new ProtocolEncodeError(`record batch of ${batch.length} bytes is too large`);
  batch.writeBigInt64BE(prepared.baseOffset, BASE_OFFSET_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(prepared.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  batch.writeInt16BE(prepared.attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(prepared.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  batch.writeBigInt64BE(prepared.baseTimestamp, BASE_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(prepared.maxTimestamp, MAX_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(prepared.producerId, PRODUCER_ID_OFFSET);
  batch.writeInt16BE(prepared.producerEpoch, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(prepared.baseSequence, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(prepared.records.length, RECORDS_COUNT_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START_OFFSET)), CRC_OFFSET);
  return batch;
}

function encodeUncompressed(prepared: PreparedBatch): Buffer {
  const total = RECORD_BATCH_HEADER_SIZE + prepared.recordsSize;
  const writer = new ByteWriter(total);
  writer.reserve(RECORD_BATCH_HEADER_SIZE);
  writeRecords(prepared, writer);
  const batch = writer.finish();
  if (batch.length !== total) throw new ProtocolEncodeError(`internal error: record batch size ${batch.length} != computed ${total}`);
  return finishBatch(batch, prepared);
}

function knownCodec(codec: number): 1 | 2 | 3 | 4 {
  if (!isCompressionType(codec) || codec === 0) throw new ProtocolEncodeError(`unknown compression type ${codec}`);
  return codec;
}

function compressionFailed(codec: number, error: unknown): ProtocolEncodeError {
  const detail = error instanceof Error ? error.message : String(error);
  const failure = new ProtocolEncodeError(`cannot compress the records (codec ${codec}): ${detail}`);
  (failure as { cause?: unknown }).cause = error;
  return failure;
}

function recordsBlock(prepared: PreparedBatch): Buffer {
  const writer = new ByteWriter(Math.max(prepared.recordsSize, 1));
  writeRecords(prepared, writer);
  return writer.finish();
}

function assembleCompressed(prepared: PreparedBatch, payload: Buffer): Buffer {
  const batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE + payload.length);
  batch.set(payload, RECORD_BATCH_HEADER_SIZE);
  return finishBatch(batch, prepared);
}

/**
 * Encodes one magic 2 batch: computes lastOffsetDelta, maxTimestamp and the CRC, and
 * compresses the records block (INT32 count stays in the header) for codecs 1-4.
 * Bad input (out-of-range fields, unknown codec, a codec failure) is a ProtocolEncodeError.
 */
export async function encodeRecordBatch(input: RecordBatchInput): Promise<Buffer> {
  const prepared = prepareBatch(input);
  const codec = prepared.attributes & COMPRESSION_CODEC_MASK;
  if (codec === 0) return encodeUncompressed(prepared);
  const known = knownCodec(codec);
  let payload: Buffer;
  try {
    payload = await compress(known, recordsBlock(prepared));
  } catch (error) {
    throw compressionFailed(codec, error);
  }
  return assembleCompressed(prepared, payload);
}

/** Synchronous {@link encodeRecordBatch}: compresses on the calling thread (fine for small batches). */
export function encodeRecordBatchSync(input: RecordBatchInput): Buffer {
  const prepared = prepareBatch(input);
  const codec = prepared.attributes & COMPRESSION_CODEC_MASK;
  if (codec === 0) return encodeUncompressed(prepared);
  const known = knownCodec(codec);
  let payload: Buffer;
  try {
    payload = compressSync(known, recordsBlock(prepared));
  } catch (error) {
    throw compressionFailed(codec, error);
  }
  return assembleCompressed(prepared, payload);
}
