import { randomUUID } from 'node:crypto';

/**
 * A request's correlation id, as Spring's `CorrelationKey`: the bytes of the
 * `kafka_correlationId` header. The default is a random UUID as 16 raw bytes (most
 * significant half first), which is what Spring writes, so either side may be Spring.
 */
export class CorrelationKey {
  /** Lower-case hex of the bytes: the key pending requests are looked up by. */
  readonly hex: string;

  constructor(readonly bytes: Buffer) {
    this.hex = bytes.toString('hex');
  }

  static random(): CorrelationKey {
    return new CorrelationKey(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'));
  }

  /** UUID form for 16 bytes (as Spring's `toString()`), else the hex. */
  toString(): string {
    const h = this.hex;
    return this.bytes.length === 16 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
  }
}
