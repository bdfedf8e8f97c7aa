import type { IHeaders } from 'kafkajs';

/** One Kafka record header: a name and raw bytes (or null). */
export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** The entries of every RecordHeaders without any: shared, never written (a header added replaces it). */
const NONE: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

/**
 * A record's headers, in wire order, as Kafka's `Headers`: names may repeat, and the
 * last one wins when a single value is asked for.
 */
export class RecordHeaders implements Iterable<RecordHeader> {
  /** {@link NONE} until a header is added: most consumed records have none, and this is built for each. */
  private entries: RecordHeader[];

  constructor(entries?: Iterable<RecordHeader>) {
    this.entries = entries === undefined ? NONE : Array.from(entries);
  }

  /** kafkajs gives headers as an object whose values may be arrays for repeated names. */
  static fromKafkaJs(headers: Record<string, unknown> | undefined): RecordHeaders {
    const result = new RecordHeaders();
    // for...in rather than Object.entries: most records have no headers, and this runs for each.
    for (const key in headers) {
      if (!Object.hasOwn(headers, key)) continue;
      const raw = headers[key];
      if (Array.isArray(raw)) for (const value of raw) result.writable().push({ key, value: toBuffer(value) });
      else result.writable().push({ key, value: toBuffer(raw) });
    }
    return result;
  }

  add(key: string, value: Buffer | string | null): this {
    this.writable().push({ key, value: toBuffer(value) });
    return this;
  }

  remove(key: string): this {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.key === key) this.entries.splice(i, 1);
    return this;
  }

  private writable(): RecordHeader[] {
    if (this.entries === NONE) this.entries = [];
    return this.entries;
  }

  lastHeader(key: string): RecordHeader | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.key === key) return this.entries[i];
    return undefined;
  }

  headers(key: string): RecordHeader[] {
    return this.entries.filter((h) => h.key === key);
  }

  /** The last value of a header decoded as UTF-8, or undefined when absent. */
  lastString(key: string): string | undefined {
    const header = this.lastHeader(key);
    return header?.value == null ? undefined : header.value.toString('utf8');
  }

  toArray(): RecordHeader[] {
    return [...this.entries];
  }

  get size(): number {
    return this.entries.length;
  }

  [Symbol.iterator](): Iterator<RecordHeader> {
    return this.entries[Symbol.iterator]();
  }
}

/** The headers as kafkajs takes them: an object whose values are arrays for repeated names; null values stay null (Kafka's null header). */
export function toKafkaJsHeaders(headers: RecordHeaders): IHeaders {
  const result: Record<string, Buffer | null | (Buffer | null)[]> = {};
  for (const { key, value } of headers) {
    const existing = result[key];
    result[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result as IHeaders;
}

function toBuffer(value: unknown): Buffer | null {
  if (value == null) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(String(value), 'utf8');
}
