/**
 * Kafka uuids travel as 16 raw bytes; like Kafka's `Uuid.toString()` we show them as 22
 * characters of url-safe base64 without padding, so topic ids read the same as in Kafka's tools.
 */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToString(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function uuidToBytes(uuid: string): Buffer {
  const bytes = Buffer.from(uuid, 'base64url');
  if (bytes.length !== 16) throw new RangeError(`not a Kafka uuid: "${uuid}"`);
  return bytes;
}

/** A random version-4 uuid that, like Kafka's, never collides with the reserved zero and metadata ids. */
export function randomUuid(): string {
  for (;;) {
    const bytes = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const text = uuidToString(bytes);
    // Kafka reserves ids whose string starts with '-' (they break command-line tools).
    if (!text.startsWith('-') && text !== ZERO_UUID) return text;
  }
}
