import { ProtocolDecodeError } from '../../../protocol/errors.js';
import { ConsumerProtocolSubscription } from '../../../protocol/generated/specs.js';
import { decodeMessage } from '../../../protocol/schema/compile.js';

/** The protocol type of groups formed by consumers (as opposed to Connect workers, etc.). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * The topics of a consumer's subscription metadata (int16 version + ConsumerProtocolSubscription).
 * Read as version 0, the prefix of every version, so future versions parse too, as Kafka's
 * coordinator does. Null when the bytes are not a subscription.
 */
export function subscriptionTopics(metadata: Buffer): string[] | null {
  if (metadata.length < 2 || metadata.readInt16BE(0) < 0) return null;
  try {
    const subscription = decodeMessage<{ topics: string[] }>(ConsumerProtocolSubscription, 0, metadata.subarray(2), true);
    return subscription.topics;
  } catch (error) {
    if (error instanceof ProtocolDecodeError) return null;
    throw error;
  }
}
