import type { RecordHeaders } from '../record-headers.js';

/** Turns a key or value into bytes, as Kafka's `Serializer`; may add headers (type ids). */
export interface Serializer<T = unknown> {
  serialize(topic: string, data: T | null | undefined, headers: RecordHeaders): Buffer | null;
}

/** Turns bytes back into a key or value, as Kafka's `Deserializer`. */
export interface Deserializer<T = unknown> {
  deserialize(topic: string, data: Buffer | null, headers: RecordHeaders): T | null;
}
