import { BatchListenerFailedException } from './batch-listener-failed-exception.js';
import { ListenerExecutionFailedException } from './listener-execution-failed-exception.js';
import { TimestampedException } from './timestamped-exception.js';

/**
 * Small helpers shared by the error handlers and recoverers, as Spring's `ErrorHandlingUtils`:
 * unwrapping the framework's wrappers and Kafka's binary header encodings.
 */

/**
 * The failure that matters, as Spring's `ErrorHandlingUtils.findRootCause`: the first error
 * in the cause chain that is not one of the framework's wrappers
 * (`ListenerExecutionFailedException`, `TimestampedException`, or a
 * `BatchListenerFailedException` that carries a cause).
 */
export function findRootCause(error: unknown): unknown {
  let current = error;
  const seen = new Set<unknown>();
  while (isWrapper(current) && current.cause !== undefined && !seen.has(current)) {
    seen.add(current);
    current = current.cause;
  }
  return current;
}

function isWrapper(error: unknown): error is Error {
  return (
    error instanceof ListenerExecutionFailedException ||
    error instanceof TimestampedException ||
    (error instanceof BatchListenerFailedException && error.cause !== undefined)
  );
}

/** The first error of type `type` in the cause chain, if any. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function findInCauses<T extends Error>(error: unknown, type: abstract new (...args: any[]) => T): T | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (current instanceof type) return current;
  }
  return undefined;
}

/** The class name of an error (the closest thing to Java's fully-qualified class name). */
export function errorClassName(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || 'Error';
  return typeof error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `ClassName: message`, of the root cause. */
export function describeError(error: unknown): string {
  const root = findRootCause(error);
  return `${errorClassName(root)}: ${errorMessage(root)}`;
}

/** The stack trace with its causes, in the shape of Java's `printStackTrace` ("Caused by: ..."). */
export function stackTraceOf(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const text = current instanceof Error ? current.stack ?? `${errorClassName(current)}: ${current.message}` : String(current);
    parts.push(parts.length === 0 ? text : `Caused by: ${text}`);
    if (!(current instanceof Error)) break;
  }
  return parts.join('\n');
}

/** 4-byte big-endian int, as Java's `ByteBuffer.putInt`. */
export function int32Bytes(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

/** 8-byte big-endian long, as Java's `ByteBuffer.putLong`. */
export function int64Bytes(value: number | bigint): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return buffer;
}

export function readInt32(buffer: Buffer | null | undefined): number | undefined {
  return buffer && buffer.length === 4 ? buffer.readInt32BE(0) : undefined;
}

export function readInt64(buffer: Buffer | null | undefined): number | undefined {
  return buffer && buffer.length === 8 ? Number(buffer.readBigInt64BE(0)) : undefined;
}

/**
 * Java's `BigInteger.valueOf(n).toByteArray()`: big-endian two's complement in the fewest
 * bytes that keep the sign (Spring writes the `retry_topic-*-timestamp` headers this way).
 */
export function bigIntegerBytes(value: number | bigint): Buffer {
  let n = BigInt(value);
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(n & 0xffn);
    bytes.unshift(byte);
    n >>= 8n;
    // Done once the remaining bits are pure sign extension of the byte just written.
    if ((n === 0n && (byte & 0x80) === 0) || (n === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

/** `new BigInteger(bytes).longValue()`; undefined for an empty or missing value. */
export function readBigInteger(buffer: Buffer | null | undefined): number | undefined {
  if (!buffer || buffer.length === 0) return undefined;
  let n = 0n;
  for (const byte of buffer) n = (n << 8n) | BigInt(byte);
  if (buffer[0]! & 0x80) n -= 1n << BigInt(buffer.length * 8);
  return Number(n);
}
