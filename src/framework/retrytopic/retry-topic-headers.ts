import type { RecordHeaders } from '../support/record-headers.js';
import { readBigInteger } from '../listener/error-handling-utils.js';

/** The headers of records in retry topics, as Spring's `RetryTopicHeaders`. */
export const RetryTopicHeaders = {
  /** When the record is due: `BigInteger.toByteArray()` of the epoch ms (failure time + the topic's delay). */
  DEFAULT_HEADER_BACKOFF_TIMESTAMP: 'retry_topic-backoff-timestamp',
  /** The attempt the record is at: a 4-byte big-endian int (absent on the first attempt, i.e. 1). */
  DEFAULT_HEADER_ATTEMPTS: 'retry_topic-attempts',
  /** The timestamp of the record in the main topic: `BigInteger.toByteArray()` of the epoch ms. */
  DEFAULT_HEADER_ORIGINAL_TIMESTAMP: 'retry_topic-original-timestamp',
} as const;

/** Spring's `RetryTopicConstants`. */
export const RetryTopicConstants = {
  DEFAULT_RETRY_SUFFIX: '-retry',
  DEFAULT_DLT_SUFFIX: '-dlt',
  DEFAULT_MAX_ATTEMPTS: 3,
  NOT_SET: -1,
} as const;

/** The attempt a record is at: the last `retry_topic-attempts` (4-byte int, or Spring's old 1-byte form), else 1. */
export function attemptsOf(headers: RecordHeaders): number {
  const value = headers.lastHeader(RetryTopicHeaders.DEFAULT_HEADER_ATTEMPTS)?.value;
  if (value && value.length === 1) return value.readInt8(0);
  if (value && value.length === 4) return value.readInt32BE(0);
  return 1;
}

/** When the record is due (the last `retry_topic-backoff-timestamp`), if it says. */
export function backOffTimestampOf(headers: RecordHeaders): number | undefined {
  return readBigInteger(headers.lastHeader(RetryTopicHeaders.DEFAULT_HEADER_BACKOFF_TIMESTAMP)?.value);
}

/** The main topic record's timestamp, if the record went through a retry topic. */
export function originalTimestampOf(headers: RecordHeaders): number | undefined {
  return readBigInteger(headers.lastHeader(RetryTopicHeaders.DEFAULT_HEADER_ORIGINAL_TIMESTAMP)?.value);
}
