import type { Clock } from '../../clock.js';
import type { CoordinatorRuntime } from './coordinator-runtime.js';
import type { TopicMetadata } from '../../cluster/cluster-metadata.js';
import type { Partition } from '../../cluster/partition.js';
import type { CoordinatorKind } from '../../faults.js';
import type { BrokerLogger } from '../../logger.js';

/**
 * What the coordinators are given instead of the broker (the composition root builds these;
 * tests build fakes). Each interface is as narrow as the coordinators' use of it.
 */

/** How long a coordinator write waits for the ISR: Kafka's request.timeout.ms default, which its coordinators use. */
export const COORDINATOR_WRITE_TIMEOUT_MS = 30_000;

/** The broker configs the coordinators read (by Kafka's names; dynamic changes show on the next read). */
export interface CoordinatorConfig {
  int(name: string): number;
  boolean(name: string): boolean;
}

/** Who the coordinators run on, and their logger and clock. */
export interface CoordinatorContext {
  readonly nodeId: number;
  readonly config: CoordinatorConfig;
  readonly logger: BrokerLogger;
  readonly clock: Clock;
}

/** The cluster metadata as this broker last received it (read-only). */
export interface CoordinatorMetadataView {
  topic(name: string): TopicMetadata | undefined;
  /** The leader of a partition as the metadata names it (-1: none, or no such partition). */
  leaderOf(topic: string, partition: number): number;
  isLive(nodeId: number): boolean;
  /** How many brokers are live (internal topics' replication factor is capped by it). */
  liveBrokerCount(): number;
}

/** The partitions this broker hosts, and the replica manager's acks=-1 append as their leader. */
export interface CoordinatorPartitions {
  partition(topic: string, index: number): Partition | undefined;
  partitionsOf(topic: string): readonly Partition[];
  /**
   * Appends `records` as the partition's leader with acks=-1, the way Kafka's coordinators
   * write (appendRecords with requiredAcks -1), and calls `done` with the error code once the
   * ISR has them (synchronously when it already does, as on a single broker).
   */
  appendCoordinatorRecords(partition: Partition, records: Buffer, timeoutMs: number, done: (errorCode: number) => void): void;
}

/** Creates an internal topic (the controller); throws a KafkaProtocolError when it cannot now. */
export interface InternalTopicCreator {
  createTopic(spec: { name: string; numPartitions: number; replicationFactor: number; configs: Record<string, string> }): void;
}

/** Fault injection the coordinators honour (nothing without it). */
export interface CoordinatorFaults {
  /** How long loading a coordinator partition takes (0: at once). */
  loadDelayMs(kind: CoordinatorKind): number;
}

export const NO_FAULTS: CoordinatorFaults = { loadDelayMs: () => 0 };

/** What every coordinator is built with: the above, and the runtime that runs its internal topic. */
export interface CoordinatorDeps {
  readonly context: CoordinatorContext;
  readonly metadata: CoordinatorMetadataView;
  readonly partitions: CoordinatorPartitions;
  readonly runtime: CoordinatorRuntime;
}
