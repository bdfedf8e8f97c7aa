import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, removeTempDirs, stopKafka, stopKafkas } from '../../support/broker-harness.js';
import { consumeUntil, rawFetch, type RawFetch } from '../transactions/support/helpers.js';
import { assignment, clusterClient, logEndOf, startCluster } from './support/cluster-harness.js';
import { connectWire } from '../../support/wire-client.js';
import { waitFor } from '../../support/wait-for.js';

// Transactions on a 3-broker cluster: the coordinator of a transactional id is the leader of
// its __transaction_state partition, the partitions of a transaction are led by other brokers,
// and the markers reach them with WriteTxnMarkers over the Kafka protocol. When the
// coordinator's broker dies, the new leader of the partition loads the ids (answering
// COORDINATOR_LOAD_IN_PROGRESS meanwhile) and completes what its predecessor left prepared.

const TXN_STATE = '__transaction_state';
const CLUSTER_CONFIG = { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

/** Creates the topic (RF 3, min.insync.replicas 2) and, while all three brokers are up, `__consumer_offsets` (RF 3). */
async function createTopic(kafka: EmbeddedKafka, topic: string, numPartitions = 3): Promise<void> {
  const admin = clusterClient(kafka, 'txn-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await admin.fetchOffsets({ groupId: 'creates-the-offsets-topic', topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

async function transactionalProducer(client: Kafka, transactionalId: string): Promise<Producer> {
  const producer = client.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  return producer;
}

/** The node leading the transactional id's __transaction_state partition: its coordinator. */
function coordinatorOf(kafka: EmbeddedKafka, transactionalId: string): { partition: number; nodeId: number } {
  const live = kafka.nodeIds.find((id) => kafka.broker(id).isRunning)!;
  const partition = kafka.broker(live).instance.transactionCoordinator.stateManager.partitionFor(transactionalId);
  return { partition, nodeId: assignment(kafka, TXN_STATE, partition).leaderId };
}

async function connectTo(kafka: EmbeddedKafka, nodeId: number): Promise<KafkaConnection> {
  const broker = kafka.broker(nodeId).instance;
  const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port, clientId: 'txn-raw' });
  cleanup.add(() => connection.close());
  return connection;
}

/** Every batch of a partition as its leader serves it to a read_uncommitted reader. */
async function leaderLog(kafka: EmbeddedKafka, topic: string, partition: number): Promise<RawFetch> {
  const broker = kafka.broker(assignment(kafka, topic, partition).leaderId).instance;
  const raw = await connectWire(`${broker.host}:${broker.port}`);
  try {
    return await rawFetch(raw, topic, partition, 0, 0);
  } finally {
    raw.close();
  }
}

const shape = (log: RawFetch) => log.batches.map((b) => (b.isControl ? 'marker' : b.values.join(',')));

describe('a transaction whose partitions are led by other brokers than its coordinator', () => {
  let kafka: EmbeddedKafka;
  const topic = 'cross-brokers';

  beforeAll(async () => {
    kafka = await startCluster(CLUSTER_CONFIG);
    await createTopic(kafka, topic);
  }, 60_000);
  afterAll(() => stopKafka(kafka));

  it('commits: the markers reach every partition leader and read_committed readers see the records', { timeout: 90_000 }, async () => {
    const client = clusterClient(kafka, 'cross-commit');
    const producer = await transactionalProducer(client, 'cross-commit-tx');
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, key: `k${partition}`, value: `committed-${partition}` })) });
    const coordinator = coordinatorOf(kafka, 'cross-commit-tx').nodeId;
    const elsewhere = [0, 1, 2].filter((p) => assignment(kafka, topic, p).leaderId !== coordinator);
    expect(elsewhere.length).toBeGreaterThanOrEqual(2);
    await txn.commit();

    const seen = await consumeUntil(client, topic, (s) => s.length >= 3);
    expect(seen.map((s) => s.value).sort()).toEqual(['committed-0', 'committed-1', 'committed-2']);
    const state = await waitFor(() => {
      const d = kafka.broker(coordinator).instance.transactionCoordinator.describeTransactions(['cross-commit-tx'])[0]!;
      return d.state === 'CompleteCommit' ? d : undefined;
    }, { what: 'CompleteCommit' });
    expect(state.topics).toEqual([]);
    for (const partition of [0, 1, 2]) {
      const log = await leaderLog(kafka, topic, partition);
      expect(shape(log)).toEqual([`committed-${partition}`, 'marker']);
      expect(log.lastStableOffset).toBe(log.highWatermark);
      // acks=-1: the marker is on every replica.
      await waitFor(() => kafka.nodeIds.every((id) => logEndOf(kafka, id, topic, partition) === 2), { what: `the marker of ${topic}-${partition} on every replica` });
    }
  });

  it('aborts: the aborted records stay invisible to read_committed readers on every partition', { timeout: 90_000 }, async () => {
    const client = clusterClient(kafka, 'cross-abort');
    const topicB = 'cross-brokers-abort';
    await createTopic(kafka, topicB);
    const producer = await transactionalProducer(client, 'cross-abort-tx');
    const aborted = await producer.transaction();
    await aborted.send({ topic: topicB, messages: [0, 1, 2].map((partition) => ({ partition, value: `aborted-${partition}` })) });
    const coordinator = coordinatorOf(kafka, 'cross-abort-tx').nodeId;
    expect([0, 1, 2].filter((p) => assignment(kafka, topicB, p).leaderId !== coordinator).length).toBeGreaterThanOrEqual(2);
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic: topicB, messages: [0, 1, 2].map((partition) => ({ partition, value: `after-${partition}` })) });
    await committed.commit();

    // Read in offset order: the records after the aborted ones prove those were filtered out.
    const seen = await consumeUntil(client, topicB, (s) => s.length >= 3);
    expect(seen.map((s) => s.value).sort()).toEqual(['after-0', 'after-1', 'after-2']);
    for (const partition of [0, 1, 2]) {
      const log = await leaderLog(kafka, topicB, partition);
      expect(shape(log)).toEqual([`aborted-${partition}`, 'marker', `after-${partition}`, 'marker']);
      const broker = kafka.broker(assignment(kafka, topicB, partition).leaderId).instance;
      const raw = await connectWire(`${broker.host}:${broker.port}`);
      try {
        const readCommitted = await rawFetch(raw, topicB, partition, 0, 1);
        expect(readCommitted.abortedTransactions).toEqual([{ producerId: log.batches[0]!.producerId, firstOffset: 0 }]);
      } finally {
        raw.close();
      }
    }
  });

  it('answers WriteTxnMarkers (v0-1) per partition: NOT_LEADER_OR_FOLLOWER on a follower, the marker written with acks=-1 on the leader, nonsense refused', { timeout: 60_000 }, async () => {
    const topicC = 'cross-brokers-raw';
    await createTopic(kafka, topicC, 1);
    const leader = assignment(kafka, topicC).leaderId;
    const follower = assignment(kafka, topicC).replicas.find((id) => id !== leader)!;
    const markers = (partitionIndexes: number[], name = topicC) => ({
      markers: [{ producerId: 4242n, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, topics: [{ name, partitionIndexes }] }],
    });
    const codes = (response: { markers: Array<{ topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> }> }) =>
      response.markers.flatMap((m) => m.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode])));

    const toFollower = await connectTo(kafka, follower);
    expect(toFollower.brokerRange(ApiKeys.WriteTxnMarkers)).toEqual({ min: 0, max: 1 });
    for (const version of [0, 1]) {
      expect(codes(await toFollower.request(ApiKeys.WriteTxnMarkers, version, markers([0])))).toEqual([[topicC, 0, ErrorCode.NOT_LEADER_OR_FOLLOWER]]);
    }
    expect(logEndOf(kafka, follower, topicC)).toBe(0);

    const toLeader = await connectTo(kafka, leader);
    const nonsense = { ...markers([0]).markers[0]!, producerId: -1n };
    const answered = codes(await toLeader.request(ApiKeys.WriteTxnMarkers, 1, { markers: [...markers([0]).markers, ...markers([0], 'no-such-topic').markers, nonsense] }));
    expect(answered).toEqual([[topicC, 0, ErrorCode.NONE], ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [topicC, 0, ErrorCode.INVALID_REQUEST]]);
    // Answered once the ISR had it: every replica holds the ABORT marker.
    expect(kafka.nodeIds.map((id) => logEndOf(kafka, id, topicC))).toEqual([1, 1, 1]);
    expect(shape(await leaderLog(kafka, topicC, 0))).toEqual(['marker']);
  });
});

it('a new coordinator completes a transaction its predecessor left in PrepareCommit', { timeout: 120_000 }, async () => {
  const kafka = await startCluster(CLUSTER_CONFIG);
  const topic = 'in-doubt';
  await createTopic(kafka, topic);
  const client = clusterClient(kafka, 'in-doubt');
  const producer = await transactionalProducer(client, 'in-doubt-tx');
  const txn = await producer.transaction();
  await txn.send({ topic, messages: [0, 1, 2].map((p) => ({ partition: p, value: `in-doubt-${p}` })) });
  const { partition, nodeId: coordinator } = coordinatorOf(kafka, 'in-doubt-tx');
  // The coordinator writes PrepareCommit, answers EndTxn and then dies before any marker is out.
  kafka.broker(coordinator).instance.transactionCoordinator.markerChannel = { send: () => new Promise(() => {}) };
  await txn.commit();
  expect(kafka.broker(coordinator).instance.transactionCoordinator.describeTransactions(['in-doubt-tx'])[0]!.state).toBe('PrepareCommit');
  await kafka.broker(coordinator).kill();

  await waitFor(() => assignment(kafka, TXN_STATE, partition).leaderId >= 0 && assignment(kafka, TXN_STATE, partition).leaderId !== coordinator, { timeoutMs: 30_000, what: 'a new coordinator' });
  const successor = assignment(kafka, TXN_STATE, partition).leaderId;
  await waitFor(() => kafka.broker(successor).instance.transactionCoordinator.describeTransactions(['in-doubt-tx'])[0]!.state === 'CompleteCommit', { timeoutMs: 30_000, what: 'CompleteCommit on the new coordinator' });
  const seen = await consumeUntil(client, topic, (s) => s.length >= 3);
  expect(seen.map((s) => s.value).sort()).toEqual(['in-doubt-0', 'in-doubt-1', 'in-doubt-2']);
  for (const p of [0, 1, 2]) expect(shape(await leaderLog(kafka, topic, p))).toEqual([`in-doubt-${p}`, 'marker']);
  await stopKafka(kafka);
});

it('answers COORDINATOR_LOAD_IN_PROGRESS while the new coordinator loads, and kafkajs carries on after it', { timeout: 120_000 }, async () => {
  const kafka = await startCluster(CLUSTER_CONFIG);
  const topic = 'load-delay';
  const transactionalId = 'load-delay-tx';
  await createTopic(kafka, topic);
  const client = clusterClient(kafka, 'load-delay');
  const first = await transactionalProducer(client, transactionalId);
  const before = await first.transaction();
  await before.send({ topic, messages: [{ partition: 0, value: 'before' }] });
  await before.commit();
  const { partition, nodeId: coordinator } = coordinatorOf(kafka, transactionalId);
  const loaded = await waitFor(() => {
    const d = kafka.broker(coordinator).instance.transactionCoordinator.describeTransactions([transactionalId])[0]!;
    return d.state === 'CompleteCommit' ? d : undefined;
  }, { what: 'the first transaction complete' });

  kafka.faults.delayCoordinatorLoad({ coordinator: 'transaction', ms: 8_000 });
  await first.disconnect();
  await kafka.broker(coordinator).kill();
  await waitFor(() => ![-1, coordinator].includes(assignment(kafka, TXN_STATE, partition).leaderId), { timeoutMs: 30_000, what: 'a new leader of the id\'s partition' });
  const successor = assignment(kafka, TXN_STATE, partition).leaderId;

  // FindCoordinator, asked anywhere, names the new leader at once; the new leader is still loading.
  const other = kafka.nodeIds.find((id) => id !== coordinator && id !== successor)!;
  const found = await (await connectTo(kafka, other)).request(ApiKeys.FindCoordinator, 3, { key: transactionalId, keyType: 1 });
  expect(found).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: successor });
  const toSuccessor = await connectTo(kafka, successor);
  const init = await toSuccessor.request(ApiKeys.InitProducerId, 3, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  expect(init.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  const end = await toSuccessor.request(ApiKeys.EndTxn, 3, { transactionalId, producerId: BigInt(loaded.producerId), producerEpoch: loaded.producerEpoch, committed: true });
  expect(end.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);

  // kafkajs retries InitProducerId through the load, then the id works on its new coordinator.
  const second = await transactionalProducer(client, transactionalId);
  const after = await second.transaction();
  await after.send({ topic, messages: [{ partition: 1, value: 'after' }] });
  await after.commit();
  const state = await waitFor(() => {
    const d = kafka.broker(successor).instance.transactionCoordinator.describeTransactions([transactionalId])[0]!;
    return d.state === 'CompleteCommit' ? d : undefined;
  }, { what: 'the transaction complete on the new coordinator' });
  expect(state.producerId).toBe(loaded.producerId);
  expect(state.producerEpoch).toBeGreaterThan(loaded.producerEpoch);
  const seen = await consumeUntil(client, topic, (s) => s.length >= 2);
  expect(seen.map((s) => s.value).sort()).toEqual(['after', 'before']);
  await stopKafka(kafka);
});
