import type { SaslCredentials } from '../client/sasl-authenticator.js';
import type { Clock } from './clock.js';
import { GroupCoordinator } from './coordinator/group/group-coordinator.js';
import type { CoordinatorContext, CoordinatorDeps, CoordinatorMetadataView } from './coordinator/runtime/coordinator-context.js';
import { CoordinatorRuntime } from './coordinator/runtime/coordinator-runtime.js';
import { InterBrokerConnections } from './coordinator/transaction/inter-broker-connections.js';
import { TransactionCoordinator } from './coordinator/transaction/transaction-coordinator.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { MetadataImage } from './cluster/metadata-image.js';
import type { Controller } from './cluster/controller.js';
import type { Faults } from './faults.js';
import type { BrokerLogger } from './logger.js';
import type { ClusterController } from './replication/cluster-controller.js';
import type { BrokerEndpoint } from './cluster/broker-endpoint.js';
import type { ReplicaFetcherHost } from './replication/replica-fetcher-manager.js';
import { ReplicaManager } from './replica-manager.js';
import { ReplicaFetcherManager } from './replication/replica-fetcher-manager.js';

/**
 * What the wiring reads from the broker being built (KafkaBroker has it; naming the class here
 * would close an import circle through kafka-broker.ts).
 */
export interface WiredBroker extends ReplicaFetcherHost {
  readonly nodeId: number;
  readonly dataDir: string;
  readonly config: BrokerConfig;
  readonly logger: BrokerLogger;
  /** The broker's own image of the cluster metadata. */
  readonly metadata: MetadataImage;
  /** The cluster's controller (the broker's own when it runs alone). */
  readonly cluster: ClusterController;
  readonly faults: Faults | undefined;
  readonly controller: Controller;
  readonly replicaManager: ReplicaManager;
  readonly interBrokerTls: { ca?: string; cert: string; key: string; passphrase?: string } | null;
  readonly interBrokerSasl: SaslCredentials | null;
  readonly clock: Clock;
  isLive(nodeId: number): boolean;
  liveBrokers(): BrokerEndpoint[];
}

/**
 * The composition root's wiring of the replica manager and the coordinators: the one place
 * that turns the broker into the narrow collaborators they are built with (they never see
 * the broker itself).
 */

export function createReplicaManager(broker: WiredBroker, onLeadershipChange: (topic: string, index: number, isLeader: boolean) => void): ReplicaManager {
  return new ReplicaManager({
    nodeId: broker.nodeId,
    dataDir: broker.dataDir,
    config: broker.config,
    logger: broker.logger,
    clock: broker.clock,
    metadata: broker.metadata,
    isrChannel: broker.cluster,
    fetchers: new ReplicaFetcherManager(broker),
    leadership: { onLeadershipChange },
  });
}

function coordinatorContext(broker: WiredBroker): CoordinatorContext {
  return { nodeId: broker.nodeId, config: broker.config, logger: broker.logger, clock: broker.clock };
}

/** The metadata as the coordinators read it: the broker's own image. */
function coordinatorMetadata(broker: WiredBroker): CoordinatorMetadataView {
  return {
    topic: (name) => broker.metadata.topic(name),
    leaderOf: (topic, partition) => broker.metadata.topic(topic)?.partitions[partition]?.leaderId ?? -1,
    isLive: (nodeId) => broker.isLive(nodeId),
    liveBrokerCount: () => broker.liveBrokers().length,
  };
}

export function createCoordinatorRuntime(broker: WiredBroker): CoordinatorRuntime {
  return new CoordinatorRuntime({
    context: coordinatorContext(broker),
    metadata: coordinatorMetadata(broker),
    partitions: broker.replicaManager,
    topics: { createTopic: (spec) => void broker.controller.createTopic(spec) },
    faults: { loadDelayMs: (kind) => broker.faults?.coordinatorLoadDelayMs(broker.nodeId, kind) ?? 0 },
  });
}

function coordinatorDeps(broker: WiredBroker, runtime: CoordinatorRuntime): CoordinatorDeps {
  return { context: coordinatorContext(broker), metadata: coordinatorMetadata(broker), partitions: broker.replicaManager, runtime };
}

export function createGroupCoordinator(broker: WiredBroker, runtime: CoordinatorRuntime): GroupCoordinator {
  return new GroupCoordinator(coordinatorDeps(broker, runtime));
}

export function createTransactionCoordinator(broker: WiredBroker, runtime: CoordinatorRuntime, groups: GroupCoordinator): TransactionCoordinator {
  const connections = new InterBrokerConnections({
    localId: broker.nodeId,
    endpoint: (nodeId) => broker.metadata.endpoint(nodeId),
    canReach: (nodeId) => broker.faults?.canReach(broker.nodeId, nodeId) ?? true,
    tls: () => broker.interBrokerTls,
    sasl: () => broker.interBrokerSasl,
  });
  return new TransactionCoordinator({
    ...coordinatorDeps(broker, runtime),
    allocateProducerIdBlock: (size) => broker.cluster.metadata.allocateProducerIdBlock(size),
    connections,
    groupOffsets: groups,
  });
}
