import { systemClock, type Clock } from './clock.js';
import { GroupCoordinator } from './coordinator/group/group-coordinator.js';
import type { CoordinatorContext, CoordinatorDeps, CoordinatorMetadataView } from './coordinator/runtime/coordinator-context.js';
import { CoordinatorRuntime } from './coordinator/runtime/coordinator-runtime.js';
import { InterBrokerConnections } from './coordinator/transaction/inter-broker-connections.js';
import { TransactionCoordinator } from './coordinator/transaction/transaction-coordinator.js';
import type { KafkaBroker } from './kafka-broker.js';
import { ReplicaManager } from './replica-manager.js';
import { ReplicaFetcherManager } from './replication/replica-fetcher-manager.js';

/**
 * The composition root's wiring of the replica manager and the coordinators: the one place
 * that turns the broker into the narrow collaborators they are built with (they never see
 * the broker itself).
 */

/** The broker's clock: real timers, and the broker's `now` (which tests may replace). */
export function brokerClock(broker: KafkaBroker): Clock {
  return { ...systemClock, now: () => broker.now() };
}

export function createReplicaManager(broker: KafkaBroker, onLeadershipChange: (topic: string, index: number, isLeader: boolean) => void): ReplicaManager {
  return new ReplicaManager({
    nodeId: broker.nodeId,
    dataDir: broker.dataDir,
    config: broker.config,
    logger: broker.logger,
    clock: brokerClock(broker),
    metadata: broker.metadata,
    isrChannel: broker.cluster ?? null,
    fetchers: new ReplicaFetcherManager(broker),
    leadership: { onLeadershipChange },
  });
}

function coordinatorContext(broker: KafkaBroker): CoordinatorContext {
  return { nodeId: broker.nodeId, config: broker.config, logger: broker.logger, clock: brokerClock(broker) };
}

/** The metadata as the coordinators read it; a single broker leads every partition it hosts. */
function coordinatorMetadata(broker: KafkaBroker): CoordinatorMetadataView {
  return {
    clustered: broker.cluster !== undefined,
    topic: (name) => broker.metadata.topic(name),
    leaderOf: (topic, partition) => {
      const assignment = broker.metadata.topic(topic)?.partitions[partition];
      if (!assignment) return -1;
      return broker.cluster ? assignment.leaderId : broker.nodeId;
    },
    isLive: (nodeId) => broker.isLive(nodeId),
    liveBrokerCount: () => broker.liveBrokers().length,
  };
}

export function createCoordinatorRuntime(broker: KafkaBroker): CoordinatorRuntime {
  return new CoordinatorRuntime({
    context: coordinatorContext(broker),
    metadata: coordinatorMetadata(broker),
    partitions: broker.replicaManager,
    topics: { createTopic: (spec) => void broker.controller.createTopic(spec) },
    faults: { loadDelayMs: (kind) => broker.faults?.coordinatorLoadDelayMs(broker.nodeId, kind) ?? 0 },
  });
}

function coordinatorDeps(broker: KafkaBroker, runtime: CoordinatorRuntime): CoordinatorDeps {
  return { context: coordinatorContext(broker), metadata: coordinatorMetadata(broker), partitions: broker.replicaManager, runtime };
}

export function createGroupCoordinator(broker: KafkaBroker, runtime: CoordinatorRuntime): GroupCoordinator {
  return new GroupCoordinator(coordinatorDeps(broker, runtime));
}

export function createTransactionCoordinator(broker: KafkaBroker, runtime: CoordinatorRuntime, groups: GroupCoordinator): TransactionCoordinator {
  const connections = new InterBrokerConnections({
    localId: broker.nodeId,
    endpoint: (nodeId) => broker.cluster?.endpoint(nodeId),
    canReach: (nodeId) => broker.faults?.canReach(broker.nodeId, nodeId) ?? true,
    tls: () => broker.interBrokerTls,
  });
  return new TransactionCoordinator({
    ...coordinatorDeps(broker, runtime),
    allocateProducerIdBlock: (size) => broker.metadata.allocateProducerIdBlock(size),
    connections,
    groupOffsets: groups,
  });
}
