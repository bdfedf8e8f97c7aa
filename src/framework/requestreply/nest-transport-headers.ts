import type { RecordHeaders } from '../support/record-headers.js';
import { DEFAULT_REPLY_HEADER_NAMES, isTextReplyPartition } from './reply-headers.js';

/**
 * NestJS's Kafka transport (`@nestjs/microservices` ClientKafka/ServerKafka) speaks Spring's
 * request/reply headers plus two of its own on replies: a reply carrying `kafka_nest-is-disposed`
 * completes the client's request, one carrying `kafka_nest-err` fails it with the header's
 * (JSON) error. Without the first, a Nest client never sees its request complete.
 */
export const NestTransportHeaders = {
  ERR: 'kafka_nest-err',
  IS_DISPOSED: 'kafka_nest-is-disposed',
} as const;

/** Nest's disposal flag: one zero byte (its parser leaves a value starting with 0x00 binary). */
export function nestDisposedFlag(): Buffer {
  return Buffer.alloc(1);
}

/**
 * A request from a NestJS client: Nest writes `kafka_replyPartition` as a decimal string, Spring
 * (and Streamwright's template by default) as a 4-byte int, and Nest's client always sends it.
 */
export function isNestRequest(headers: RecordHeaders, replyPartitionHeader: string = DEFAULT_REPLY_HEADER_NAMES.replyPartition): boolean {
  return isTextReplyPartition(headers.lastHeader(replyPartitionHeader)?.value);
}

/** The `kafka_nest-err` value for a failed listener: the shape Nest's RPC exception filter sends, plus the error's class. */
export function nestErrorValue(className: string, message: string): string {
  return JSON.stringify({ status: 'error', message, name: className });
}

/** A Nest error reply's class and message (its header is JSON `{ status, message }` or plain text); undefined for other replies. */
export function nestErrorOf(headers: RecordHeaders): { className: string; message: string } | undefined {
  const text = headers.lastString(NestTransportHeaders.ERR);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const { message, name } = parsed as { message?: unknown; name?: unknown };
      return { className: typeof name === 'string' && name.length > 0 ? name : 'RpcException', message: typeof message === 'string' ? message : text };
    }
    return { className: 'RpcException', message: typeof parsed === 'string' ? parsed : text };
  } catch {
    // Not JSON: Nest sent the error as a plain string.
    return { className: 'RpcException', message: text };
  }
}
