/**
 * Converts a header value to the declared type of an `@Header` parameter. Kafka headers are
 * bytes: `Buffer` keeps them, `string` (and undeclared types) decode UTF-8, `number` and
 * `boolean` parse the text (`number` also reads Spring's 4- and 8-byte big-endian ints). Values the framework computed (offsets, partitions, keys) are
 * converted the same way when the declared type differs.
 */
export function convertHeaderValue(value: unknown, target: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (target) {
    case Buffer:
    case Uint8Array:
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
    case String:
      return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case Number: {
      if (typeof value === 'number') return value;
      // Spring writes int headers (partition, delivery attempt) as 4-byte big-endian values.
      if (Buffer.isBuffer(value) && value.length === 4 && !isPrintable(value)) return value.readInt32BE(0);
      // ...and long headers (the dead-letter offset and timestamp) as 8-byte big-endian values.
      if (Buffer.isBuffer(value) && value.length === 8 && !isPrintable(value)) return Number(value.readBigInt64BE(0));
      return Number(Buffer.isBuffer(value) ? value.toString('utf8') : value);
    }
    case Boolean:
      return typeof value === 'boolean' ? value : String(Buffer.isBuffer(value) ? value.toString('utf8') : value) === 'true';
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
}

function isPrintable(bytes: Buffer): boolean {
  return bytes.every((b) => b >= 0x20 && b < 0x7f);
}
