import { crc32c } from '../crc32c.js';
import { CorruptRecordBatchError, UnsupportedRecordFormatError } from './errors.js';
import { DEFAULT_MAX_BATCH_SIZE, nextBatch, type ScanOptions } from './batch-scanner.js';
import { walkRecords, type RecordFramingSummary } from './record-framing.js';
import {
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CRC_START_OFFSET,
  CURRENT_MAGIC,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_HEADER_SIZE,
  RECORDS_COUNT_OFFSET,
  readBatchHeader,
  type RecordBatchHeader,
} from './record-batch-header.js';

export interface ValidateBatchOptions {
  /** Exclusive end of the input (default: the buffer's length); the batch must fit before it. */
  end?: number;
  /** Check the CRC-32C (default true). */
  verifyCrc?: boolean;
  /**
   * Walk the record framing of uncompressed batches (default true): varint lengths, record
   * count, no bytes left over. Compressed batches are checked by {@link validateBatchDeep}.
   */
  verifyRecords?: boolean;
  /**
   * Apply the rules Kafka's broker applies to batches written by clients (default false): at
   * least one record, lastOffsetDelta + 1 equal to the record count, no control batches, a
   * sequence number whenever there is a producer id. Failures have reason `invalid`.
   */
  clientRules?: boolean;
}

export interface ValidatedBatch {
  position: number;
  /** batchLength + LOG_OVERHEAD: the bytes to store or serve as-is. */
  size: number;
  header: RecordBatchHeader;
  /** The record framing summary when the records were walked, else null (compressed, or verifyRecords off). */
  records: RecordFramingSummary | null;
}

function corrupt(message: string, reason: 'framing' | 'truncated' | 'crc' | 'invalid', position: number, at = position): CorruptRecordBatchError {
  return new CorruptRecordBatchError(message, reason, position, at);
}

/**
 * Validates the framing, magic and CRC of the single batch at `position`. Throws
 * {@link CorruptRecordBatchError} (or its subclass {@link UnsupportedRecordFormatError} for
 * magic 0/1); never anything else for any bytes.
 */
export function validateBatch(buf: Buffer, position = 0, options: ValidateBatchOptions = {}): ValidatedBatch {
  const end = options.end ?? buf.length;
  if (!Number.isInteger(position) || position < 0 || end > buf.length || position > end) {
    throw new RangeError(`invalid batch position ${position} (end ${end}) for a buffer of ${buf.length} bytes`);
  }
  const available = end - position;
  if (available < HEADER_SIZE_UP_TO_MAGIC) {
    throw corrupt(`record batch needs at least ${RECORD_BATCH_HEADER_SIZE} bytes, ${available} left`, 'truncated', position, end);
  }
  const magic = buf.readInt8(position + MAGIC_OFFSET);
  if (magic === 0 || magic === 1) throw new UnsupportedRecordFormatError(magic, position);
  if (magic !== CURRENT_MAGIC) throw corrupt(`unknown magic ${magic}`, 'framing', position, position + MAGIC_OFFSET);

  const batchLength = buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw corrupt(`batch length ${batchLength} is below the record batch header size`, 'framing', position, position + BATCH_LENGTH_OFFSET);
  }
  const size = batchLength + LOG_OVERHEAD;
  if (size > available) throw corrupt(`batch of ${size} bytes but only ${available} left`, 'truncated', position, end);
  const batchEnd = position + size;

  if (options.verifyCrc !== false) {
    const stored = buf.readUInt32BE(position + CRC_OFFSET);
    const computed = crc32c(buf.subarray(position + CRC_START_OFFSET, batchEnd));
    if (stored !== computed) {
      throw corrupt(
        `record batch CRC mismatch: stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${computed.toString(16).padStart(8, '0')}`,
        'crc',
        position,
        position + CRC_OFFSET,
      );
    }
  }

  const header = readBatchHeader(buf, position);
  if (options.clientRules) checkClientRules(header, position);

  let records: RecordFramingSummary | null = null;
  if (header.compression === 0 && options.verifyRecords !== false) {
    records = walkRecords(buf, position + RECORD_BATCH_HEADER_SIZE, batchEnd, header.recordsCount, position);
  } else if (header.recordsCount < 0) {
    throw new CorruptRecordBatchError(`invalid record count ${header.recordsCount}`, 'records', position, position + RECORDS_COUNT_OFFSET);
  }
  return { position, size, header, records };
}

/** Kafka's LogValidator rules for batches appended on behalf of clients (AppendOrigin.CLIENT). */
export function checkClientRules(header: RecordBatchHeader, position = 0): void {
  const count = header.recordsCount;
  if (count <= 0) throw corrupt(`invalid record count ${count}`, 'invalid', position, position + RECORDS_COUNT_OFFSET);
  if (header.lastOffsetDelta < 0) {
    throw corrupt(`batch has an invalid offset range: lastOffsetDelta ${header.lastOffsetDelta}`, 'invalid', position);
  }
  if (header.lastOffsetDelta + 1 !== count) {
    throw corrupt(`inconsistent batch offset range (lastOffsetDelta ${header.lastOffsetDelta}) and count of records ${count}`, 'invalid', position);
  }
  if (header.isControl) throw corrupt('clients are not allowed to write control records', 'invalid', position);
  if (header.producerId >= 0n && header.baseSequence < 0) {
    throw corrupt(`invalid sequence number ${header.baseSequence} for producer ${header.producerId}`, 'invalid', position);
  }
}

export interface ValidateBlobOptions extends ValidateBatchOptions, Pick<ScanOptions, 'start' | 'maxBatchSize'> {}

/**
 * Validates a whole records blob as a broker must for a Produce: every entry a complete,
 * valid magic 2 batch. A truncated tail is `truncated` (CORRUPT_MESSAGE); a legacy message
 * set is an {@link UnsupportedRecordFormatError}. Returns the batches in order (none for an
 * empty blob).
 */
export function validateBatches(buf: Buffer, options: ValidateBlobOptions = {}): ValidatedBatch[] {
  const end = options.end ?? buf.length;
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  let position = options.start ?? 0;
  const batches: ValidatedBatch[] = [];
  for (;;) {
    const entry = nextBatch(buf, position, end, maxBatchSize);
    if (entry === null) return batches;
    if (entry.kind === 'truncated') {
      throw corrupt(
        entry.size === null ? `${entry.available} trailing bytes are not a record batch` : `batch of ${entry.size} bytes but only ${entry.available} left`,
        'truncated',
        position,
        end,
      );
    }
    if (entry.kind === 'legacy') throw new UnsupportedRecordFormatError(entry.magic, position);
    batches.push(validateBatch(buf, position, options));
    position += entry.size;
  }
}
