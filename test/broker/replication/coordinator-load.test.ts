import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';
import { commitOffsets, connectTo, fetchOffsets, findGroupCoordinator, heartbeat, joinGroup, syncGroup } from './support/group-requests.js';
import { waitFor } from '../../support/wait-for.js';

// A broker that becomes the leader of a `__consumer_offsets` partition loads its groups before
// it serves them. kafka.faults.delayCoordinatorLoad makes that take a while, as a large
// partition does in Kafka: meanwhile the group's requests get COORDINATOR_LOAD_IN_PROGRESS
// (Heartbeat a blind NONE and SyncGroup REBALANCE_IN_PROGRESS, as Kafka answers them).

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

const OFFSETS_TOPIC = '__consumer_offsets';

/** The group's partition of `__consumer_offsets` and its current leader. */
function offsetsPartitionOf(kafka: EmbeddedKafka, groupId: string): number {
  return kafka.broker(0).instance.groupCoordinator.groupManager.partitionFor(groupId);
}

/** Creates a topic of `partitions` partitions with 10 records each, through kafkajs. */
async function topicWithRecords(kafka: EmbeddedKafka, topic: string, partitions: number): Promise<void> {
  const client = clusterClient(kafka, `${topic}-setup`);
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }], waitForLeaders: true });
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  for (let p = 0; p < partitions; p++) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, value: `${p}-${i}` })) });
  }
}

/** Commits `offsets` for the group as a simple consumer (no generation) at its coordinator; returns the coordinator. */
async function commitAtCoordinator(kafka: EmbeddedKafka, groupId: string, topic: string, offsets: Record<number, number>): Promise<number> {
  const first = await connectTo(kafka, 0, cleanup);
  const found = await waitFor(async () => {
    const answer = await findGroupCoordinator(first, groupId);
    return answer.errorCode === ErrorCode.NONE ? answer : undefined;
  }, { what: 'the group coordinator' });
  const errors = await commitOffsets(await connectTo(kafka, found.nodeId, cleanup), groupId, '', -1, topic, offsets);
  expect(errors).toEqual(Object.keys(offsets).map(() => ErrorCode.NONE));
  return found.nodeId;
}

it('the new coordinator answers COORDINATOR_LOAD_IN_PROGRESS until it has loaded the group, then serves it; a kafkajs consumer rides through', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const topic = 'loading-orders';
  const groupId = 'loading-group';
  const offsetsPartition = offsetsPartitionOf(kafka, groupId);
  await topicWithRecords(kafka, topic, 2);
  const coordinator = await commitAtCoordinator(kafka, groupId, topic, { 0: 4, 1: 6 });

  kafka.faults.delayCoordinatorLoad({ coordinator: 'group', ms: 8_000 });
  await kafka.broker(coordinator).kill();
  await waitFor(() => ![coordinator, -1].includes(assignment(kafka, OFFSETS_TOPIC, offsetsPartition).leaderId), { timeoutMs: 30_000, what: 'a new leader' });
  const successor = assignment(kafka, OFFSETS_TOPIC, offsetsPartition).leaderId;
  const other = kafka.nodeIds.find((id) => id !== coordinator && id !== successor)!;
  expect(kafka.broker(successor).instance.groupCoordinator.offsetsTopic.isLoading(offsetsPartition)).toBe(true);

  // Every live broker names the successor, which is loading.
  const loading = await connectTo(kafka, successor, cleanup);
  const elsewhere = await connectTo(kafka, other, cleanup);
  expect(await findGroupCoordinator(loading, groupId)).toEqual({ errorCode: ErrorCode.NONE, nodeId: successor });
  expect(await findGroupCoordinator(elsewhere, groupId)).toEqual({ errorCode: ErrorCode.NONE, nodeId: successor });

  const LOADING = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  expect((await joinGroup(loading, groupId, [topic])).errorCode).toBe(LOADING);
  // The rebalance a SyncGroup belongs to is lost with the old coordinator: back to JoinGroup.
  expect((await syncGroup(loading, groupId, 'some-member', 3)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  // Heartbeats are answered blindly while the group loads.
  expect(await heartbeat(loading, groupId, 'some-member', 3)).toBe(ErrorCode.NONE);
  const left = await loading.request(ApiKeys.LeaveGroup, 3, { groupId, memberId: '', members: [{ memberId: 'some-member', groupInstanceId: null, reason: null }] });
  expect(left.errorCode).toBe(LOADING);
  expect(await commitOffsets(loading, groupId, '', -1, topic, { 0: 9, 1: 9 })).toEqual([LOADING, LOADING]);
  expect((await fetchOffsets(loading, groupId, topic, [0, 1])).errorCode).toBe(LOADING);
  const described = await loading.request(ApiKeys.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
  expect(described.groups[0]!.errorCode).toBe(LOADING);
  const listed = await loading.request(ApiKeys.ListGroups, 4, { statesFilter: [], typesFilter: [] });
  expect(listed.errorCode).toBe(LOADING);
  const deleted = await loading.request(ApiKeys.DeleteGroups, 2, { groupsNames: [groupId] });
  expect(deleted.results).toEqual([{ groupId, errorCode: LOADING }]);
  const offsetDelete = await loading.request(ApiKeys.OffsetDelete, 0, { groupId, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }] }] });
  expect(offsetDelete.errorCode).toBe(LOADING);
  const txnCommit = await loading.request(ApiKeys.TxnOffsetCommit, 3, {
    transactionalId: 'loading-txn', groupId, producerId: 1n, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  expect(txnCommit.topics[0]!.partitions[0]!.errorCode).toBe(LOADING);
  // The broker that does not lead the partition sends clients to the one that does.
  expect((await fetchOffsets(elsewhere, groupId, topic, [0, 1])).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  expect((await joinGroup(elsewhere, groupId, [topic])).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

  // A kafkajs consumer that starts now meets the load: its JoinGroup fails with the retriable
  // COORDINATOR_LOAD_IN_PROGRESS, it restarts itself, and joins once the group is loaded.
  const consumer = new Kafka({ clientId: 'rides-through', brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } })
    .consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 1_000 });
  const crashes: Array<{ type: string | undefined; restart: boolean }> = [];
  consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push({ type: (payload.error as { type?: string }).type, restart: payload.restart }));
  cleanup.add(() => consumer.disconnect());
  const delivered: Array<{ partition: number; offset: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void delivered.push({ partition, offset: Number(message.offset) }) });

  // The load ends: the committed offsets are served, and the consumer resumes from them.
  await waitFor(async () => (await fetchOffsets(loading, groupId, topic, [0, 1])).errorCode === ErrorCode.NONE, { timeoutMs: 30_000, what: 'the end of the load' });
  await waitFor(() => delivered.length >= 4 + 6, { timeoutMs: 60_000, what: 'the records past the committed offsets' });
  expect(delivered.filter((d) => d.partition === 0).map((d) => d.offset)).toEqual([4, 5, 6, 7, 8, 9]);
  expect(delivered.filter((d) => d.partition === 1).map((d) => d.offset)).toEqual([6, 7, 8, 9]);
  expect(crashes.some((c) => c.type === 'GROUP_LOAD_IN_PROGRESS' && c.restart)).toBe(true);
  await waitFor(async () => {
    const { offsets } = await fetchOffsets(loading, groupId, topic, [0, 1]);
    return offsets[0] === 10 && offsets[1] === 10;
  }, { timeoutMs: 30_000, what: 'the consumer\'s commits' });
});

it('a leadership loss during a load cancels it', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const topic = 'cancelled-orders';
  const groupId = 'cancelled-group';
  const offsetsPartition = offsetsPartitionOf(kafka, groupId);
  await topicWithRecords(kafka, topic, 1);
  const coordinator = await commitAtCoordinator(kafka, groupId, topic, { 0: 3 });
  // The first replica leads; the next one in the ISR takes over when it dies.
  const { replicas } = assignment(kafka, OFFSETS_TOPIC, offsetsPartition);
  expect(replicas[0]).toBe(coordinator);
  const successor = replicas[1]!;

  // Only the successor loads slowly, long enough that only a leadership change can end its load.
  kafka.faults.delayCoordinatorLoad({ broker: successor, coordinator: 'group', ms: 600_000 });
  await kafka.broker(coordinator).kill();
  await waitFor(() => assignment(kafka, OFFSETS_TOPIC, offsetsPartition).leaderId === successor, { timeoutMs: 30_000, what: 'the successor leading' });
  const loader = kafka.broker(successor).instance.groupCoordinator.offsetsTopic;
  expect(loader.isLoading(offsetsPartition)).toBe(true);

  // The old coordinator comes back, catches up, and is elected again as the preferred leader.
  await kafka.broker(coordinator).restart();
  await waitFor(() => assignment(kafka, OFFSETS_TOPIC, offsetsPartition).isr.includes(coordinator), { timeoutMs: 30_000, what: 'the old coordinator back in the ISR' });
  expect(kafka.controller!.electLeaders(0, [{ topic: OFFSETS_TOPIC, partition: offsetsPartition }])).toEqual([{ topic: OFFSETS_TOPIC, partition: offsetsPartition, errorCode: ErrorCode.NONE }]);

  // The successor gave its load up and sends clients away; the old coordinator loaded the group.
  expect(loader.isLoading(offsetsPartition)).toBe(false);
  expect(kafka.broker(successor).instance.groupCoordinator.group(groupId)).toBeUndefined();
  const atSuccessor = await connectTo(kafka, successor, cleanup);
  expect((await fetchOffsets(atSuccessor, groupId, topic, [0])).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  expect(await findGroupCoordinator(atSuccessor, groupId)).toEqual({ errorCode: ErrorCode.NONE, nodeId: coordinator });
  expect(await fetchOffsets(await connectTo(kafka, coordinator, cleanup), groupId, topic, [0])).toEqual({ errorCode: ErrorCode.NONE, offsets: { 0: 3 } });
});
