import type { ConsumerRetryAuthReason, ConsumerStoppedReason } from '../event/consumer-lifecycle-events.js';
import type { TopicPartition } from '../support/topic-partition.js';

/** Kafka's authentication and authorization failures (error names as kafkajs reports them). */
const AUTH_TYPES = new Set(['SASL_AUTHENTICATION_FAILED', 'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'DELEGATION_TOKEN_AUTHORIZATION_FAILED']);
const AUTH_ERROR_NAMES = new Set(['KafkaJSSASLAuthenticationError']);
/** The consumer (or the producer of its transaction) was fenced by a newer instance. */
const FENCED_TYPES = new Set(['FENCED_INSTANCE_ID', 'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/**
 * Why a consumer stopped after a failure kafkajs does not recover from, as Spring's
 * `ConsumerStoppedEvent.Reason`: AUTH for authentication/authorization failures, FENCED for
 * fencing, ERROR otherwise. The whole cause chain is looked at.
 */
export function stopReasonOf(error: unknown): ConsumerStoppedReason {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const type = (current as { type?: unknown }).type;
    if (AUTH_ERROR_NAMES.has(current.name) || (typeof type === 'string' && AUTH_TYPES.has(type))) return 'AUTH';
    if (typeof type === 'string' && FENCED_TYPES.has(type)) return 'FENCED';
  }
  return 'ERROR';
}

/** AUTHENTICATION for a failed SASL handshake, AUTHORIZATION for a refused operation; undefined for any other failure. */
export function authFailureOf(error: unknown): ConsumerRetryAuthReason | undefined {
  if (stopReasonOf(error) !== 'AUTH') return undefined;
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')) return 'AUTHORIZATION';
  }
  return 'AUTHENTICATION';
}

/**
 * Kafka's `auto.offset.reset=none`: a consumer assigned a partition with no committed offset
 * stops (Spring's `NoOffsetForPartitionException`, reason NO_OFFSET). Resolves the partitions
 * without one.
 */
export async function partitionsWithoutOffset(partitions: readonly TopicPartition[], committed: (partition: TopicPartition) => Promise<number | undefined>): Promise<TopicPartition[]> {
  const missing: TopicPartition[] = [];
  for (const partition of partitions) if ((await committed(partition)) === undefined) missing.push(partition);
  return missing;
}
