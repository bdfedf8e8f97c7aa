import { ErrorCode } from '../../protocol/error-codes.js';

/**
 * Errors raised by the storage layer. Each carries the Kafka error code a request handler
 * answers with, so handlers map them without knowing storage internals.
 */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  constructor(
    message: string,
    readonly errorCode: number,
    options?: { cause?: unknown },
  ) {
    super(message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** An offset outside [logStartOffset, logEndOffset] (or above the high watermark where that is the limit). */
export class OffsetOutOfRangeError extends StorageError {
  override readonly name: string = 'OffsetOutOfRangeError';
  constructor(message: string) {
    super(message, ErrorCode.OFFSET_OUT_OF_RANGE);
  }
}

/** A batch larger than a whole segment can never be stored (Kafka's RecordBatchTooLargeException). */
export class RecordBatchTooLargeError extends StorageError {
  override readonly name: string = 'RecordBatchTooLargeError';
  constructor(message: string) {
    super(message, ErrorCode.RECORD_LIST_TOO_LARGE);
  }
}

/**
 * Offsets handed to a non-assigning append (replication) that do not follow the log end
 * (Kafka's UnexpectedAppendOffsetException / OffsetsOutOfOrderException).
 */
export class InvalidAppendOffsetError extends StorageError {
  override readonly name: string = 'InvalidAppendOffsetError';
  constructor(message: string) {
    super(message, ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

/** The log is closed or deleted, or its files are unusable: KAFKA_STORAGE_ERROR (retriable for clients). */
export class KafkaStorageError extends StorageError {
  override readonly name: string = 'KafkaStorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ErrorCode.KAFKA_STORAGE_ERROR, options);
  }
}
