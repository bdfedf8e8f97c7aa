import { ProtocolDecodeError } from '../errors.js';
import { ErrorCode } from '../generated/error-codes.js';

/**
 * Why a record batch was rejected. Each maps to the Kafka error code a broker answers with
 * ({@link CorruptRecordBatchError.errorCode}):
 * - `framing`: batchLength impossible (negative, below the header size, above the limit), unknown magic.
 * - `truncated`: the batch claims more bytes than the input holds (where a whole batch was required).
 * - `crc`: the CRC-32C over attributes..end does not match.
 * - `records`: the records section is malformed (varint lengths, record count, trailing bytes).
 * - `compression`: the codec id is unknown or the payload does not decompress.
 * - `invalid`: well formed, but breaks a rule for batches written by clients (Kafka's InvalidRecordException).
 * - `unsupported-format`: a legacy message set (magic 0 or 1).
 */
export type RecordBatchErrorReason = 'framing' | 'truncated' | 'crc' | 'records' | 'compression' | 'invalid' | 'unsupported-format';

const ERROR_CODE_BY_REASON: Record<RecordBatchErrorReason, number> = {
  framing: ErrorCode.CORRUPT_MESSAGE,
  truncated: ErrorCode.CORRUPT_MESSAGE,
  crc: ErrorCode.CORRUPT_MESSAGE,
  records: ErrorCode.CORRUPT_MESSAGE,
  compression: ErrorCode.CORRUPT_MESSAGE,
  invalid: ErrorCode.INVALID_RECORD,
  'unsupported-format': ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
};

/**
 * A record batch that cannot be accepted. A {@link ProtocolDecodeError} so that "only
 * ProtocolDecodeError escapes a decoder" holds for record data too.
 */
export class CorruptRecordBatchError extends ProtocolDecodeError {
  override readonly name: string = 'CorruptRecordBatchError';
  /** The Kafka error code a broker should answer a Produce with for this batch. */
  readonly errorCode: number;

  constructor(
    message: string,
    readonly reason: RecordBatchErrorReason,
    /** Where the offending batch starts in the buffer (the start of its baseOffset field). */
    readonly batchPosition: number,
    /** Where in the buffer the problem was found. */
    offset: number = batchPosition,
    options?: { cause?: unknown },
  ) {
    super(message, offset);
    this.errorCode = ERROR_CODE_BY_REASON[reason];
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A legacy message set (magic 0 or 1): Kafka 4 removed these formats; the broker answers UNSUPPORTED_FOR_MESSAGE_FORMAT. */
export class UnsupportedRecordFormatError extends CorruptRecordBatchError {
  override readonly name: string = 'UnsupportedRecordFormatError';
  constructor(
    readonly magic: number,
    batchPosition: number,
  ) {
    super(`message format with magic ${magic} is not supported (only magic 2 record batches)`, 'unsupported-format', batchPosition, batchPosition + 16);
  }
}
