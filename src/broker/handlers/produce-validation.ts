import { CompressionError, CompressionType, InflatedSizeError, inflateStream, type ChunkSource } from '../../protocol/compression/index.js';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import {
  COMPRESSION_CODEC_MASK,
  CorruptRecordBatchError,
  decodeRecordBatchSync,
  encodeRecordBatchSync,
  RECORD_BATCH_HEADER_SIZE,
  setMaxTimestamp,
  TimestampType,
  UnsupportedRecordFormatError,
  validateBatches,
  type ValidatedBatch,
} from '../../protocol/records/index.js';
import { MAX_REPORTED_VIOLATIONS, walkRecordStream, walkRecordsWithRules, type RecordViolation, type RecordWalkSummary } from '../../protocol/records/index.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import type { TopicSettings } from '../replica-manager.js';

/**
 * What Kafka's LogValidator does to the records of a Produce (AppendOrigin.CLIENT), short of
 * assigning offsets (the log does that): one magic-2 batch, CRC, offsets consistent with the
 * record count, no control batch, a sequence whenever there is a producer id, at most
 * max.message.bytes; then every record, inflated as a stream and skipped over as Kafka's
 * "skip key and value" iterator does: its framing, a key on compacted topics, its timestamp
 * within message.timestamp.before/after.max.ms (CreateTime). Finally the topic's
 * compression.type: a batch in another codec (or with inner offsets that do not count from
 * 0) is rebuilt in the topic's codec, as Kafka recompresses on append.
 */

/** Produce's recordErrors entry (ProduceResponse v8+). */
export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** A batch refused for some of its records (Kafka's RecordValidationException). */
export class RecordValidationError extends KafkaProtocolError {
  override readonly name: string = 'RecordValidationError';
  constructor(
    code: number,
    message: string,
    readonly recordErrors: RecordError[],
  ) {
    super(code, message);
  }
}

/**
 * The most bytes a batch's records may inflate to: 64 times max.message.bytes, at least
 * 64 MiB. Kafka has no such limit; here a compressed batch is checked on the broker's only
 * thread, so the limit bounds the time a small compressed batch can take (and, for the codecs
 * that cannot stream, the memory). Past it the batch gets MESSAGE_TOO_LARGE.
 */
export const MIN_INFLATED_LIMIT = 64 * 1024 * 1024;
export const INFLATED_LIMIT_FACTOR = 64;

export function inflatedLimit(maxMessageBytes: number): number {
  return Math.max(MIN_INFLATED_LIMIT, INFLATED_LIMIT_FACTOR * maxMessageBytes);
}

/**
 * Gzip batches too big to inflate in one go are inflated as a stream, off the event loop, while
 * the event loop walks them: at most this many at once (each holds a couple of 64 KiB pieces
 * and an inflater), so that compression bombs from many connections queue instead of adding up
 * and leave the thread pool to the log's file work.
 */
const STREAMED_WALKS = 2;
const streamedWalks = new ConcurrencyLimit(STREAMED_WALKS);

const TOPIC_CODECS: Readonly<Record<string, CompressionType>> = {
  uncompressed: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

/** The codec a batch is stored in: the topic's compression.type, or the producer's for `producer`. */
export function targetCodec(compressionType: string, sourceCodec: number): number {
  return TOPIC_CODECS[compressionType] ?? sourceCodec;
}

export interface ValidatedRecords {
  /** What to append: the request's buffer (header fields rewritten in place) or a rebuilt batch. */
  records: Buffer;
  batches: ValidatedBatch[];
  /** Whether the batch was rebuilt (recompressed, or its inner offsets renumbered). */
  rebuilt: boolean;
}

function framingError(error: unknown): never {
  if (error instanceof UnsupportedRecordFormatError) throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, error.message);
  if (error instanceof CorruptRecordBatchError) {
    throw new KafkaProtocolError(error.reason === 'invalid' ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE, error.message);
  }
  if (error instanceof InflatedSizeError) throw new KafkaProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch is too large once decompressed: ${error.message}`);
  if (error instanceof CompressionError) throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, `cannot decompress the records: ${error.message}`);
  throw error;
}

function describeViolation(violation: RecordViolation, topicPartition: string, bounds: { min: number; max: number }): string {
  if (violation.reason === 'no-key') return `Compacted topic cannot accept message without key in topic partition ${topicPartition}.`;
  return `Timestamp ${violation.timestamp} of message with offset ${violation.batchIndex} is out of range. The timestamp should be within [${bounds.min}, ${bounds.max}]`;
}

/** Kafka's processRecordErrors: INVALID_TIMESTAMP when every error is a timestamp, else INVALID_RECORD. */
function recordValidationError(errors: RecordError[], total: number, allTimestamps: boolean): RecordValidationError {
  if (allTimestamps) return new RecordValidationError(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', errors);
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  return new RecordValidationError(
    ErrorCode.INVALID_RECORD,
    `One or more records have been rejected due to ${total} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    errors,
  );
}

/**
 * Walks the batch's records (inflating them as a stream), applying the per-record rules. A
 * promise when the records are inflated as a stream (a large gzip payload), so that the event
 * loop serves other requests meanwhile.
 */
function walkBatch(records: Buffer, batch: ValidatedBatch, settings: TopicSettings, now: number, topicPartition: string): RecordWalkSummary | Promise<RecordWalkSummary> {
  const header = batch.header;
  const payload = records.subarray(batch.position + RECORD_BATCH_HEADER_SIZE, batch.position + batch.size);
  const createTime = settings.log.messageTimestampType === 'CreateTime';
  const bounds = { min: now - settings.messageTimestampBeforeMaxMs, max: now + settings.messageTimestampAfterMaxMs };
  const rules = {
    keyRequired: settings.log.cleanupPolicy.includes('compact'),
    baseTimestamp: Number(header.baseTimestamp),
    timestampBounds: createTime && header.timestampType === TimestampType.CreateTime ? bounds : null,
  };
  const recordsAt = batch.position + RECORD_BATCH_HEADER_SIZE;
  let source: ChunkSource;
  try {
    if (header.compression === CompressionType.None) {
      return checkSummary(walkRecordsWithRules(records, recordsAt, batch.position + batch.size, header.recordsCount, batch.position, -1, rules), header, settings, bounds, topicPartition);
    }
    source = inflateStream(header.compression as CompressionType, payload, inflatedLimit(settings.log.maxMessageBytes));
    const whole = source.whole;
    if (whole !== undefined) {
      return checkSummary(walkRecordsWithRules(whole, 0, whole.length, header.recordsCount, batch.position, recordsAt, rules), header, settings, bounds, topicPartition);
    }
  } catch (error) {
    return framingError(error);
  }
  // A streamed source starts inflating when it is first read, i.e. once its turn comes.
  const streamed = source;
  return streamedWalks.run(async () => {
    try {
      return checkSummary(await walkRecordStream(streamed, header.recordsCount, rules, batch.position, recordsAt), header, settings, bounds, topicPartition);
    } catch (error) {
      return framingError(error);
    } finally {
      streamed.close?.();
    }
  });
}

/**
 * Turns the walk's rule violations into Kafka's errors. Kafka checks a record's key first, then
 * its timestamp: a record without a key on a compacted topic is reported for that. A producer
 * may not stamp LogAppendTime; with CreateTime its records carry the batch's maxTimestamp,
 * which must then be in range.
 */
function checkSummary(summary: RecordWalkSummary, header: ValidatedBatch['header'], settings: TopicSettings, bounds: { min: number; max: number }, topicPartition: string): RecordWalkSummary {
  const createTime = settings.log.messageTimestampType === 'CreateTime';
  const errors: RecordError[] = [];
  let allTimestamps = true;
  let total = summary.violationCount;
  for (const violation of summary.violations) {
    if (violation.reason !== 'timestamp') allTimestamps = false;
    errors.push({ batchIndex: violation.batchIndex, batchIndexErrorMessage: describeViolation(violation, topicPartition, bounds) });
  }
  if (header.timestampType === TimestampType.LogAppendTime) {
    const maxTimestamp = Number(header.maxTimestamp);
    const inBounds = maxTimestamp >= bounds.min && maxTimestamp <= bounds.max;
    if (!createTime || maxTimestamp === -1 || !inBounds) {
      const message = createTime && maxTimestamp !== -1
        ? `Timestamp ${maxTimestamp} of message with offset 0 is out of range. The timestamp should be within [${bounds.min}, ${bounds.max}]`
        : 'Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.';
      const withoutKey = new Set(summary.violations.map((v) => v.batchIndex));
      total = header.recordsCount;
      for (let i = 0; i < header.recordsCount && errors.length < MAX_REPORTED_VIOLATIONS; i++) {
        if (!withoutKey.has(i)) errors.push({ batchIndex: i, batchIndexErrorMessage: message });
      }
      errors.sort((a, b) => a.batchIndex - b.batchIndex);
    }
  }
  if (errors.length > 0) throw recordValidationError(errors.slice(0, MAX_REPORTED_VIOLATIONS), total, allTimestamps);
  return summary;
}

/** Kafka's buildRecordsAndAssignOffsets: the batch's records re-encoded in `codec`, offsetDeltas 0..n-1. */
function rebuild(records: Buffer, batch: ValidatedBatch, codec: number): Buffer {
  let decoded;
  try {
    decoded = decodeRecordBatchSync(records, batch.position, { verifyCrc: false });
  } catch (error) {
    return framingError(error);
  }
  const base = decoded.baseTimestamp;
  const logAppendTime = decoded.timestampType === TimestampType.LogAppendTime;
  return encodeRecordBatchSync({
    attributes: (decoded.attributes & ~COMPRESSION_CODEC_MASK) | codec,
    partitionLeaderEpoch: decoded.partitionLeaderEpoch,
    baseTimestamp: base,
    ...(logAppendTime ? { maxTimestamp: decoded.maxTimestamp } : {}),
    producerId: decoded.producerId,
    producerEpoch: decoded.producerEpoch,
    baseSequence: decoded.baseSequence,
    records: decoded.records.map((record) => ({
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestampDelta: record.timestampDelta,
      attributes: record.attributes,
    })),
  });
}

/**
 * Validates the records of one partition of a Produce. Throws KafkaProtocolError with Kafka's
 * code (a {@link RecordValidationError}, with recordErrors, for per-record rules); never
 * anything else for any bytes. A promise when the records are inflated as a stream (see
 * {@link walkBatch}).
 */
export function validateProducedRecords(records: Buffer, settings: TopicSettings, now: number, topicPartition: string): ValidatedRecords | Promise<ValidatedRecords> {
  let batches: ValidatedBatch[];
  try {
    batches = validateBatches(records, { clientRules: true, verifyRecords: false });
  } catch (error) {
    return framingError(error);
  }
  if (batches.length === 0) throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, 'Produce request contains no record batch');
  // Kafka: a magic-2 Produce carries one batch per partition.
  if (batches.length > 1) throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, `Compressed outer record has more than one batch in topic partition ${topicPartition}`);
  const batch = batches[0]!;
  const maxMessageBytes = settings.log.maxMessageBytes;
  if (batch.size > maxMessageBytes) {
    throw new KafkaProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch size ${batch.size} bytes exceeds max.message.bytes (${maxMessageBytes})`);
  }
  const summary = walkBatch(records, batch, settings, now, topicPartition);
  return summary instanceof Promise ? summary.then((walked) => finishValidation(records, batches, walked, settings)) : finishValidation(records, batches, summary, settings);
}

/** The walked batch as it is to be appended: in place, or rebuilt in the topic's codec. */
function finishValidation(records: Buffer, batches: ValidatedBatch[], summary: RecordWalkSummary, settings: TopicSettings): ValidatedRecords {
  const batch = batches[0]!;
  const compressionType = settings.compressionType;
  const maxMessageBytes = settings.log.maxMessageBytes;
  const source = batch.header.compression;
  const target = targetCodec(compressionType, source);
  const inPlace = source === target && (source === CompressionType.None || summary.sequentialOffsetDeltas);
  if (inPlace) {
    // Kafka sets maxTimestamp from the records (CreateTime); LogAppendTime is stamped by the log.
    if (batch.header.timestampType === TimestampType.CreateTime && summary.count > 0) {
      setMaxTimestamp(records, batch.position, TimestampType.CreateTime, batch.header.baseTimestamp + BigInt(summary.maxTimestampDelta));
    }
    return { records, batches, rebuilt: false };
  }
  const rebuilt = rebuild(records, batch, target);
  if (rebuilt.length > maxMessageBytes) {
    throw new KafkaProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch size ${rebuilt.length} bytes in ${compressionType} exceeds max.message.bytes (${maxMessageBytes})`);
  }
  return { records: rebuilt, batches: validateBatches(rebuilt, { verifyRecords: false, verifyCrc: false }), rebuilt: true };
}
