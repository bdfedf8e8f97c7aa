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

  /** A random UUID as its 36-character text, for responders that read headers as text (NestJS). */
  static randomText(): CorrelationKey {
    return new CorrelationKey(Buffer.from(randomUUID(), 'utf8'));
  }

  /** UUID form for 16 bytes (as Spring's `toString()`), the text of printable ASCII ids, else the hex. */
  toString(): string {
    const h = this.hex;
    if (this.bytes.length !== 16 && this.bytes.every((b) => b >= 0x20 && b < 0x7f)) return this.bytes.toString('latin1');
    return this.bytes.length === 16 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
  }
}
