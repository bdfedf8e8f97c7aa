import type { RecordHeaders } from '../record-headers.js';
import type { Deserializer, Serializer } from './serializer.js';

/**
 * Strings as UTF-8, as Kafka's `StringSerializer`. Bytes pass through; other values are
 * written as their JSON text so nothing is silently turned into "[object Object]".
 */
export class StringSerializer implements Serializer<unknown> {
  serialize(_topic: string, data: unknown, _headers?: RecordHeaders): Buffer | null {
    if (data === null || data === undefined) return null;
    if (Buffer.isBuffer(data)) return data;
    if (data instanceof Uint8Array) return Buffer.from(data);
    if (typeof data === 'string') return Buffer.from(data, 'utf8');
    if (typeof data === 'number' || typeof data === 'bigint' || typeof data === 'boolean') return Buffer.from(String(data), 'utf8');
    return Buffer.from(JSON.stringify(data), 'utf8');
  }
}

/** UTF-8 bytes to strings, as Kafka's `StringDeserializer`; the consumer default. */
export class StringDeserializer implements Deserializer<string> {
  deserialize(_topic: string, data: Buffer | null): string | null {
    return data === null ? null : data.toString('utf8');
  }
}
