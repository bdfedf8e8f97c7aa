import { CorruptRecordBatchError } from './errors.js';
import {
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MIN_BATCH_LENGTH,
  readBatchHeader,
  type RecordBatchHeader,
} from './record-batch-header.js';

/**
 * Legacy message sets (magic 0 and 1) share the first 17 bytes' layout with magic 2 batches:
 * offset int64, size int32, crc int32, magic int8. So a scanner can frame them and report
 * them without understanding them. Their smallest legal sizes (crc + magic + attributes
 * [+ timestamp] + key length + value length):
 */
export const LEGACY_MIN_MESSAGE_SIZE_V0 = 14;
export const LEGACY_MIN_MESSAGE_SIZE_V1 = 22;

/** The largest size a batch may claim by default: anything batchLength (int32) can express. */
export const DEFAULT_MAX_BATCH_SIZE = 0x7fffffff + LOG_OVERHEAD;

/** A complete magic 2 batch: `size` bytes starting at `position`. CRC and records are not checked yet. */
export interface ScannedBatch {
  kind: 'batch';
  position: number;
  /** batchLength + LOG_OVERHEAD. */
  size: number;
  header: RecordBatchHeader;
}

/** A complete legacy message (magic 0 or 1): a broker answers UNSUPPORTED_FOR_MESSAGE_FORMAT. */
export interface ScannedLegacyMessage {
  kind: 'legacy';
  position: number;
  size: number;
  magic: number;
}

/**
 * The input ends inside a batch: normal at the end of a Fetch response (the broker cuts at
 * the byte limit) and at a torn segment tail. Always the last entry of a scan.
 */
export interface TruncatedTail {
  kind: 'truncated';
  position: number;
  /** Bytes present from `position` to the end of the input. */
  available: number;
  /** The size the batch claims, when its batchLength could be read. */
  size: number | null;
  /** Its magic byte, when present. */
  magic: number | null;
}

export type ScanEntry = ScannedBatch | ScannedLegacyMessage | TruncatedTail;

export interface ScanOptions {
  /** Where to start (default 0). */
  start?: number;
  /** Exclusive end of the records (default: the buffer's length). */
  end?: number;
  /** Batches claiming more bytes than this are corrupt framing (default: no limit beyond int32). */
  maxBatchSize?: number;
}

function framingError(message: string, position: number, at: number): CorruptRecordBatchError {
  return new CorruptRecordBatchError(message, 'framing', position, at);
}

/**
 * Frames the entry at `position`, reading at most 61 bytes of it. Returns null at `end`.
 * Throws {@link CorruptRecordBatchError} (reason `framing`) when the framing is impossible: a
 * batchLength below the smallest batch of its magic, above `maxBatchSize` or negative (a
 * uint32 above 2 GiB reads as negative), or an unknown magic.
 */
export function nextBatch(buf: Buffer, position: number, end: number = buf.length, maxBatchSize: number = DEFAULT_MAX_BATCH_SIZE): ScanEntry | null {
  if (position < 0 || end > buf.length) throw new RangeError(`invalid records range [${position}, ${end}) for a buffer of ${buf.length} bytes`);
  const available = end - position;
  if (available <= 0) return null;
  if (available < LOG_OVERHEAD) return { kind: 'truncated', position, available, size: null, magic: null };

  const batchLength = buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
  if (batchLength < LEGACY_MIN_MESSAGE_SIZE_V0) {
    throw framingError(`batch length ${batchLength} is below the smallest record batch`, position, position + BATCH_LENGTH_OFFSET);
  }
  const size = batchLength + LOG_OVERHEAD;
  if (size > maxBatchSize) {
    throw framingError(`batch size ${size} exceeds the limit of ${maxBatchSize} bytes`, position, position + BATCH_LENGTH_OFFSET);
  }
  if (available < HEADER_SIZE_UP_TO_MAGIC) return { kind: 'truncated', position, available, size, magic: null };

  const magic = buf.readInt8(position + MAGIC_OFFSET);
  if (magic === CURRENT_MAGIC) {
    if (batchLength < MIN_BATCH_LENGTH) {
      throw framingError(`batch length ${batchLength} is below the record batch header size`, position, position + BATCH_LENGTH_OFFSET);
    }
  } else if (magic === 0 || magic === 1) {
    const min = magic === 0 ? LEGACY_MIN_MESSAGE_SIZE_V0 : LEGACY_MIN_MESSAGE_SIZE_V1;
    if (batchLength < min) {
      throw framingError(`message size ${batchLength} is below the smallest magic ${magic} message`, position, position + BATCH_LENGTH_OFFSET);
    }
  } else {
    throw framingError(`unknown magic ${magic}`, position, position + MAGIC_OFFSET);
  }

  if (available < size) return { kind: 'truncated', position, available, size, magic };
  if (magic !== CURRENT_MAGIC) return { kind: 'legacy', position, size, magic };
  return { kind: 'batch', position, size, header: readBatchHeader(buf, position) };
}

function checkBounds(buf: Buffer, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > buf.length || start > end) {
    throw new RangeError(`invalid records range [${start}, ${end}) for a buffer of ${buf.length} bytes`);
  }
}

/**
 * Iterates the batches of a records blob (a Produce `records` field, a Fetch response's
 * records, a log segment chunk). Yields complete batches and legacy messages in order; a
 * truncated tail is yielded last and ends the scan. Corrupt framing throws
 * {@link CorruptRecordBatchError}; its `batchPosition` tells a log recovery where to truncate.
 */
export function* scanBatches(buf: Buffer, options: ScanOptions = {}): Generator<ScanEntry, void, undefined> {
  const end = options.end ?? buf.length;
  let position = options.start ?? 0;
  checkBounds(buf, position, end);
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  for (;;) {
    const entry = nextBatch(buf, position, end, maxBatchSize);
    if (entry === null) return;
    yield entry;
    if (entry.kind === 'truncated') return;
    position += entry.size;
  }
}

export interface BlobScan {
  batches: ScannedBatch[];
  legacy: ScannedLegacyMessage[];
  truncated: TruncatedTail | null;
  /** Bytes covered by complete entries (batches and legacy messages): where a truncated tail starts. */
  validBytes: number;
}

/** Scans a whole blob into arrays (see {@link scanBatches}). */
export function scanBlob(buf: Buffer, options: ScanOptions = {}): BlobScan {
  const result: BlobScan = { batches: [], legacy: [], truncated: null, validBytes: 0 };
  const start = options.start ?? 0;
  let validEnd = start;
  for (const entry of scanBatches(buf, options)) {
    if (entry.kind === 'truncated') {
      result.truncated = entry;
      break;
    }
    if (entry.kind === 'batch') result.batches.push(entry);
    else result.legacy.push(entry);
    validEnd = entry.position + entry.size;
  }
  result.validBytes = validEnd - start;
  return result;
}
