import type { RecordHeaders } from '../support/record-headers.js';
import { KafkaHeaders } from '../support/kafka-headers.js';

/**
 * The wire forms of the request/reply headers, as Spring writes them (reference §11):
 * `kafka_correlationId` raw bytes, `kafka_replyTopic` UTF-8, `kafka_replyPartition` a 4-byte
 * big-endian int. NestJS writes the reply partition as a decimal string; both are read.
 */
export function encodeReplyPartition(partition: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(partition, 0);
  return buffer;
}

/**
 * The reply partition of a request: 4 bytes are a big-endian int unless they are all ASCII
 * digits (NestJS's `"1234"`; as an int that would be partition 808,464,432 or more); any
 * other length is read as a decimal string. Undefined when absent or not a partition number.
 */
export function decodeReplyPartition(value: Buffer | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  let partition: number;
  if (typeof value !== 'string' && value.length === 4 && !isAsciiDigits(value)) {
    partition = value.readInt32BE(0);
  } else {
    const text = (typeof value === 'string' ? value : value.toString('utf8')).trim();
    partition = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  }
  return Number.isSafeInteger(partition) && partition >= 0 ? partition : undefined;
}

/** A reply partition written as a decimal string (NestJS's form), not Spring's 4-byte int. */
export function isTextReplyPartition(value: Buffer | string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return /^\d+$/.test(value.trim());
  return (value.length !== 4 || isAsciiDigits(value)) && decodeReplyPartition(value) !== undefined;
}

function isAsciiDigits(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte < 0x30 || byte > 0x39) return false;
  return bytes.length > 0;
}

/** The request headers a responder reads, decoded. */
export interface ReplyAddress {
  readonly correlationId: Buffer | undefined;
  readonly replyTopic: string | undefined;
  readonly replyPartition: number | undefined;
}

export function replyAddressOf(headers: RecordHeaders, names: ReplyHeaderNames = DEFAULT_REPLY_HEADER_NAMES): ReplyAddress {
  const correlation = headers.lastHeader(names.correlation)?.value ?? undefined;
  const topic = headers.lastString(names.replyTopic);
  return {
    correlationId: correlation && correlation.length > 0 ? correlation : undefined,
    replyTopic: topic && topic.length > 0 ? topic : undefined,
    replyPartition: decodeReplyPartition(headers.lastHeader(names.replyPartition)?.value),
  };
}

/** Header names, configurable as in Spring (`correlationHeaderName`, ...). */
export interface ReplyHeaderNames {
  readonly correlation: string;
  readonly replyTopic: string;
  readonly replyPartition: string;
}

export const DEFAULT_REPLY_HEADER_NAMES: ReplyHeaderNames = Object.freeze({
  correlation: KafkaHeaders.CORRELATION_ID,
  replyTopic: KafkaHeaders.REPLY_TOPIC,
  replyPartition: KafkaHeaders.REPLY_PARTITION,
});
