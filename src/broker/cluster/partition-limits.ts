import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from './cluster-metadata.js';

/**
 * How many partitions a CreateTopics or CreatePartitions request may create in all. Kafka's
 * controller has the same bound as a constant (MAX_PARTITIONS_PER_BATCH, 10,000); here it is
 * the config `streamwright.max.partitions.per.request`.
 */
export const MAX_PARTITIONS_PER_REQUEST_CONFIG = 'streamwright.max.partitions.per.request';
/**
 * How many partition replicas the cluster may hold in all, internal topics included (Kafka has
 * no such cap). Each replica is a directory and three open files, so this also bounds the file
 * descriptors requests can make the broker hold.
 */
export const MAX_PARTITIONS_CONFIG = 'streamwright.max.partitions';

/** Kafka's message for a CreateTopics over its batch bound (ReplicationControlManager). */
export const EXCESSIVE_PARTITIONS_MESSAGE = 'Excessively large number of partitions per request.';

export function excessivePartitionsPerRequest(): KafkaProtocolError {
  return new KafkaProtocolError(ErrorCode.POLICY_VIOLATION, EXCESSIVE_PARTITIONS_MESSAGE);
}

/** The partitions one CreateTopics entry asks for, counted as Kafka's controller counts them (nothing for an invalid count). */
export function requestedPartitions(numPartitions: number, assignmentCount: number, defaultPartitions: number): number {
  if (assignmentCount > 0) return assignmentCount;
  if (numPartitions === -1) return defaultPartitions;
  return numPartitions > 0 ? numPartitions : 0;
}

/**
 * Checks, before anything is allocated, that adding `partitions` partitions of
 * `replicationFactor` replicas stays within both caps; throws POLICY_VIOLATION otherwise.
 */
export function checkPartitionLimits(config: BrokerConfig, metadata: ClusterMetadata, partitions: number, replicationFactor: number): void {
  if (partitions > config.int(MAX_PARTITIONS_PER_REQUEST_CONFIG)) throw excessivePartitionsPerRequest();
  const cap = config.int(MAX_PARTITIONS_CONFIG);
  let existing = 0;
  for (const topic of metadata.topics) for (const partition of topic.partitions) existing += partition.replicas.length;
  const after = existing + partitions * replicationFactor;
  if (after > cap) {
    throw new KafkaProtocolError(
      ErrorCode.POLICY_VIOLATION,
      `Creating ${partitions} partition(s) of ${replicationFactor} replica(s) would take the cluster to ${after} partition replicas, over ${MAX_PARTITIONS_CONFIG}=${cap}.`,
    );
  }
}
