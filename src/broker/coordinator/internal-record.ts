import { encodeMessage } from '../../protocol/schema/compile.js';
import type { MessageSpec } from '../../protocol/schema/spec.js';

/**
 * A key or value of an internal topic (`__consumer_offsets`, `__transaction_state`) as Kafka
 * writes it: an int16 schema version, then the struct in that version.
 */
export function versionedRecord(spec: MessageSpec, version: number, value: unknown): Buffer {
  const body = encodeMessage(spec, version, value);
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}
