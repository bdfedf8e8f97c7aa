import type { Deserializer, Serializer } from './serializer.js';

/** Raw bytes, as Kafka's `ByteArraySerializer`. */
export class BufferSerializer implements Serializer<Buffer | Uint8Array> {
  serialize(_topic: string, data: Buffer | Uint8Array | null | undefined): Buffer | null {
    if (data === null || data === undefined) return null;
    return Buffer.isBuffer(data) ? data : Buffer.from(data);
  }
}

/** Raw bytes, as Kafka's `ByteArrayDeserializer`. */
export class BufferDeserializer implements Deserializer<Buffer> {
  deserialize(_topic: string, data: Buffer | null): Buffer | null {
    return data;
  }
}
