import { join } from 'node:path';
import { Partitioners, type Consumer, type Kafka } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, logEndOf, startCluster } from './support/cluster-harness.js';
import { killAll, start } from '../groups/support/processes.js';
import { consumedRecords } from '../groups/support/produce.js';
import { assignment as assignmentBytes, commitOffsets, connectTo, fetchOffsets, findGroupCoordinator, heartbeat, joinGroup, syncGroup } from './support/group-requests.js';
import { waitFor } from '../../support/wait-for.js';

// The group coordinator moves with the leader of the group's `__consumer_offsets` partition:
// when the coordinator's broker dies, the new leader loads the group and its committed offsets
// from its replica of the log, and running consumers carry on with it.

const cleanup = new Cleanup();
afterEach(async () => {
  killAll();
  await cleanup.run();
});
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

/** The group's partition of `__consumer_offsets` (ask while broker 0 runs). */
function offsetsPartitionOf(kafka: EmbeddedKafka, groupId: string): number {
  return kafka.broker(0).instance.groupCoordinator.groupManager.partitionFor(groupId);
}

/** The group's coordinator: the controller's leader of that partition. */
function coordinatorOf(kafka: EmbeddedKafka, offsetsPartition: number): number {
  return assignment(kafka, '__consumer_offsets', offsetsPartition).leaderId;
}

/**
 * A kafkajs 2.2.4 consumer as one would configure it to ride out a broker failure. kafkajs does
 * not look for a new coordinator when the connection to its coordinator fails: heartbeats and
 * commits keep going to the dead broker, the fetch loop retries (`retry.retries`, each attempt
 * lasting up to `maxWaitTimeInMs` when idle) and then the consumer crashes and restarts itself
 * (`retry.restartOnFailure`, on by default), which runs FindCoordinator and joins the new
 * coordinator as a new member. A short `maxWaitTimeInMs` and a few retries make that seconds
 * rather than minutes; the old member's session (10 s, fresh from the load) then ends.
 */
function failoverReadyConsumer(client: Kafka, groupId: string): Consumer {
  return client.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 1_000, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 } });
}

interface Delivery {
  consumer: string;
  value: string;
  partition: number;
  offset: number;
  afterKill: boolean;
}

it('a running consumer group carries on when the broker of its coordinator is killed, and re-reads nothing it had committed', { timeout: 180_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const topic = 'orders';
  const partitions = [0, 1, 2, 3];
  const groupId = 'order-processors';
  const offsetsPartition = offsetsPartitionOf(kafka, groupId);
  const admin = clusterClient(kafka, 'failover-admin').admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions.length, replicationFactor: 3 }], waitForLeaders: true });

  // Two consumers of the group, each recording what it is handed. One record ('held') blocks its
  // consumer until the coordinator is dead, so that it has records processed but not committed.
  const deliveries: Delivery[] = [];
  let killed = false;
  let releaseHeld!: () => void;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let heldReached = false;
  const consumers = ['c0', 'c1'].map((name) => {
    const consumer = failoverReadyConsumer(clusterClient(kafka, name), groupId);
    cleanup.add(() => consumer.disconnect());
    return { name, consumer };
  });
  for (const { name, consumer } of consumers) {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value!.toString();
        deliveries.push({ consumer: name, value, partition, offset: Number(message.offset), afterKill: killed });
        if (value === 'held-5' && !killed) {
          heldReached = true;
          await held;
        }
      },
    });
  }
  const coordinatorGroup = () => kafka.broker(coordinatorOf(kafka, offsetsPartition)).instance.groupCoordinator.group(groupId);
  await waitFor(() => coordinatorGroup()?.is('Stable') && coordinatorGroup()!.size === 2, { timeoutMs: 60_000, what: 'a stable group of two' });

  const producer = clusterClient(kafka, 'failover-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });
  const committedHere = (p: number) => coordinatorGroup()?.offset(topic, p)?.offset ?? 0;
  await waitFor(() => partitions.every((p) => committedHere(p) === logEndOf(kafka, coordinatorOf(kafka, offsetsPartition), topic, p)), { timeoutMs: 60_000, what: 'the first records consumed and committed' });
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, key: 'held', value: `held-${i}` })) });
  await waitFor(() => heldReached, { timeoutMs: 30_000, what: 'the held record' });

  // An acknowledged commit is in the ISR, so this is what the group has committed.
  const coordinator = coordinatorOf(kafka, offsetsPartition);
  const committedAtKill = Object.fromEntries(partitions.map((p) => [p, committedHere(p)]));
  killed = true;
  await kafka.broker(coordinator).kill();
  releaseHeld();

  await waitFor(() => coordinatorOf(kafka, offsetsPartition) !== coordinator, { timeoutMs: 30_000, what: 'a new coordinator' });
  const successor = coordinatorOf(kafka, offsetsPartition);
  const loaded = kafka.broker(successor).instance.groupCoordinator.group(groupId)!;
  expect(loaded.is('Stable')).toBe(true);
  for (const p of partitions) expect(loaded.offset(topic, p)?.offset ?? 0).toBeGreaterThanOrEqual(committedAtKill[p]!);

  // A producer that starts now (kafkajs 2.2.4's producer can skip a partition whose leader moved
  // to a broker that already answered the same send).
  const later = clusterClient(kafka, 'failover-producer-2').producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await later.connect();
  cleanup.add(() => later.disconnect());
  await later.send({ topic, acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `after-${i}` })) });

  const delivered = (value: string) => deliveries.some((d) => d.value === value);
  const expected = [...Array.from({ length: 40 }, (_, i) => `after-${i}`), ...Array.from({ length: 10 }, (_, i) => `held-${i}`)];
  await waitFor(() => expected.every(delivered), { timeoutMs: 90_000, what: `every record produced after the kill (missing ${expected.filter((v) => !delivered(v)).join(',')})` });
  const successorGroup = () => kafka.broker(successor).instance.groupCoordinator.group(groupId);
  await waitFor(() => partitions.every((p) => (successorGroup()?.offset(topic, p)?.offset ?? 0) === logEndOf(kafka, successor, topic, p)), { timeoutMs: 60_000, what: 'everything committed at the new coordinator' });

  // The same two consumers carry on: the group is theirs, and they consumed what came after the kill.
  await waitFor(() => successorGroup()?.is('Stable') && successorGroup()!.size === 2, { timeoutMs: 60_000, what: 'a stable group of two at the new coordinator' });
  expect(new Set([...successorGroup()!.members.values()].map((m) => m.clientId))).toEqual(new Set(['c0', 'c1']));
  // Nothing committed before the kill is handed out again: only records at or past the
  // committed offsets come after it, so re-deliveries are bounded by what was not committed.
  const rereadCommitted = deliveries.filter((d) => d.afterKill && d.offset < committedAtKill[d.partition]!);
  expect(rereadCommitted).toEqual([]);
  const seenBefore = new Set(deliveries.filter((d) => !d.afterKill).map((d) => `${d.partition}@${d.offset}`));
  const redelivered = deliveries.filter((d) => d.afterKill && seenBefore.has(`${d.partition}@${d.offset}`));
  for (const d of redelivered) expect(d.offset).toBeGreaterThanOrEqual(committedAtKill[d.partition]!);
  // Every record is in the log once and was handed out at least once.
  expect(new Set(deliveries.map((d) => d.value)).size).toBe(40 + 10 + 40);
});

it('the new coordinator serves the members it loaded, and every broker names it', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const topic = 'raw-orders';
  const groupId = 'raw-processors';
  const offsetsPartition = offsetsPartitionOf(kafka, groupId);
  kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 2, replicationFactor: 3 });

  // Every broker names the leader of the group's partition (creating __consumer_offsets first).
  const first = await connectTo(kafka, kafka.nodeIds[0]!, cleanup);
  await waitFor(async () => (await findGroupCoordinator(first, groupId)).errorCode === ErrorCode.NONE, { what: '__consumer_offsets' });
  const coordinator = coordinatorOf(kafka, offsetsPartition);
  for (const id of kafka.nodeIds) expect(await findGroupCoordinator(await connectTo(kafka, id, cleanup), groupId)).toEqual({ errorCode: ErrorCode.NONE, nodeId: coordinator });

  // Members A (leader) and B join through the coordinator; B has partition 1, A partition 0.
  const a = await connectTo(kafka, coordinator, cleanup, 'member-a');
  const b = await connectTo(kafka, coordinator, cleanup, 'member-b');
  const joinA = await joinGroup(a, groupId, [topic]);
  await syncGroup(a, groupId, joinA.memberId, joinA.generationId, [{ memberId: joinA.memberId, assignment: assignmentBytes({ [topic]: [0, 1] }) }]);
  const joiningB = joinGroup(b, groupId, [topic]);
  await waitFor(async () => (await heartbeat(a, groupId, joinA.memberId, joinA.generationId)) === ErrorCode.REBALANCE_IN_PROGRESS, { what: 'the rebalance for B' });
  const [rejoinA, joinB] = await Promise.all([joinGroup(a, groupId, [topic], joinA.memberId), joiningB]);
  const generation = rejoinA.generationId;
  expect(joinB.generationId).toBe(generation);
  const leader = rejoinA.leader === rejoinA.memberId ? a : b;
  const leaderId = rejoinA.leader;
  const followerId = leaderId === rejoinA.memberId ? joinB.memberId : rejoinA.memberId;
  const follower = leader === a ? b : a;
  await Promise.all([
    syncGroup(leader, groupId, leaderId, generation, [
      { memberId: leaderId, assignment: assignmentBytes({ [topic]: [0] }) },
      { memberId: followerId, assignment: assignmentBytes({ [topic]: [1] }) },
    ]),
    syncGroup(follower, groupId, followerId, generation),
  ]);
  expect(await commitOffsets(leader, groupId, leaderId, generation, topic, { 0: 7 })).toEqual([ErrorCode.NONE]);
  expect(await commitOffsets(follower, groupId, followerId, generation, topic, { 1: 3 })).toEqual([ErrorCode.NONE]);

  await kafka.broker(coordinator).kill();
  await waitFor(() => coordinatorOf(kafka, offsetsPartition) !== coordinator, { timeoutMs: 30_000, what: 'a new coordinator' });
  const successor = coordinatorOf(kafka, offsetsPartition);
  const other = kafka.nodeIds.find((id) => id !== coordinator && id !== successor)!;

  // The other live broker names the successor, and sends the group's requests there (NOT_COORDINATOR).
  const atOther = await connectTo(kafka, other, cleanup);
  expect(await findGroupCoordinator(atOther, groupId)).toEqual({ errorCode: ErrorCode.NONE, nodeId: successor });
  expect(await heartbeat(atOther, groupId, leaderId, generation)).toBe(ErrorCode.NOT_COORDINATOR);
  expect((await fetchOffsets(atOther, groupId, topic, [0, 1])).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

  // The successor has the Stable group, its members (with fresh sessions) and its offsets.
  const leaderThere = await connectTo(kafka, successor, cleanup, 'member-leader');
  const followerThere = await connectTo(kafka, successor, cleanup, 'member-follower');
  expect(await heartbeat(leaderThere, groupId, leaderId, generation)).toBe(ErrorCode.NONE);
  expect(await heartbeat(followerThere, groupId, followerId, generation)).toBe(ErrorCode.NONE);
  expect(await heartbeat(followerThere, groupId, followerId, generation - 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
  expect(await heartbeat(followerThere, groupId, 'nobody', generation)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  expect(await fetchOffsets(followerThere, groupId, topic, [0, 1])).toEqual({ errorCode: ErrorCode.NONE, offsets: { 0: 7, 1: 3 } });
  expect(await commitOffsets(followerThere, groupId, followerId, generation, topic, { 1: 5 })).toEqual([ErrorCode.NONE]);
  expect(await commitOffsets(followerThere, groupId, followerId, generation - 1, topic, { 1: 6 })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
  // A follower that rejoins with the same subscription gets the current generation back, and its assignment.
  const rejoined = await joinGroup(followerThere, groupId, [topic], followerId);
  expect(rejoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generation, leader: leaderId });
  const synced = await syncGroup(followerThere, groupId, followerId, generation);
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  expect(synced.assignment).toEqual(assignmentBytes({ [topic]: [1] }));
  const described = await leaderThere.request(ApiKeys.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
  expect(described.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Stable' });
  expect(described.groups[0]!.members.map((m) => m.memberId).sort()).toEqual([leaderId, followerId].sort());
  expect(await fetchOffsets(leaderThere, groupId, topic, [0, 1])).toEqual({ errorCode: ErrorCode.NONE, offsets: { 0: 7, 1: 5 } });
});

it('FindCoordinator answers COORDINATOR_NOT_AVAILABLE while the group\'s partition has no live leader', { timeout: 120_000 }, async () => {
  // One replica per __consumer_offsets partition: killing its broker leaves the partition offline.
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3, 'offsets.topic.replication.factor': 1 });
  const groupId = 'offline-group';
  const offsetsPartition = offsetsPartitionOf(kafka, groupId);
  const topic = 'offline-orders';
  kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 1, replicationFactor: 3 });
  const first = await connectTo(kafka, kafka.nodeIds[0]!, cleanup);
  await waitFor(async () => (await findGroupCoordinator(first, groupId)).errorCode === ErrorCode.NONE, { what: '__consumer_offsets' });
  const coordinator = coordinatorOf(kafka, offsetsPartition);
  expect(await commitOffsets(await connectTo(kafka, coordinator, cleanup), groupId, '', -1, topic, { 0: 4 })).toEqual([ErrorCode.NONE]);

  await kafka.broker(coordinator).kill();
  await waitFor(() => assignment(kafka, '__consumer_offsets', offsetsPartition).leaderId === -1, { timeoutMs: 30_000, what: 'the partition offline' });
  for (const id of kafka.nodeIds.filter((n) => n !== coordinator)) {
    const connection = await connectTo(kafka, id, cleanup);
    expect(await findGroupCoordinator(connection, groupId)).toEqual({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 });
    const single = await connection.request(ApiKeys.FindCoordinator, 3, { key: groupId, keyType: 0 });
    expect(single.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  // Its only replica comes back, leads again and still has the group's offsets.
  await kafka.broker(coordinator).restart();
  const back = await connectTo(kafka, kafka.nodeIds.find((n) => n !== coordinator)!, cleanup);
  await waitFor(async () => (await findGroupCoordinator(back, groupId)).nodeId === coordinator, { timeoutMs: 30_000, what: 'the coordinator back' });
  expect(await fetchOffsets(await connectTo(kafka, coordinator, cleanup), groupId, topic, [0])).toEqual({ errorCode: ErrorCode.NONE, offsets: { 0: 4 } });
});

it('a librdkafka consumer finds the new coordinator and carries on with its member id and generation', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const topic = 'rd-orders';
  const groupId = 'rd-processors';
  const offsetsPartition = offsetsPartitionOf(kafka, groupId);
  kafka.broker(0).instance.controller.createTopic({ name: topic, numPartitions: 2, replicationFactor: 3 });
  const producer = clusterClient(kafka, 'rd-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

  // confluent-kafka-python: commits each record synchronously, prints {"p","o"} per record.
  const consumer = start('/usr/bin/python3', [join(import.meta.dirname, '..', 'groups', 'support', 'confluent_consumer.py')], {
    BOOTSTRAP: kafka.bootstrapServers.join(','), GROUP: groupId, TOPIC: topic, SESSION_TIMEOUT: '10000', HEARTBEAT_INTERVAL: '500', CLIENT_ID: 'rd-consumer',
  });
  await waitFor(() => consumedRecords(consumer.lines).length === 20, { timeoutMs: 60_000, what: `the first records (stderr: ${consumer.stderr().slice(-500)})` });
  const coordinator = coordinatorOf(kafka, offsetsPartition);
  const before = kafka.broker(coordinator).instance.groupCoordinator.group(groupId)!;
  await waitFor(() => before.offset(topic, 0)?.offset === logEndOf(kafka, coordinator, topic, 0) && before.offset(topic, 1)?.offset === logEndOf(kafka, coordinator, topic, 1), { what: 'the first records committed' });
  const memberId = [...before.members.keys()][0]!;
  const generation = before.generationId;

  await kafka.broker(coordinator).kill();
  await waitFor(() => coordinatorOf(kafka, offsetsPartition) !== coordinator, { timeoutMs: 30_000, what: 'a new coordinator' });
  const successor = coordinatorOf(kafka, offsetsPartition);
  const later = clusterClient(kafka, 'rd-producer-2').producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await later.connect();
  cleanup.add(() => later.disconnect());
  await later.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `after-${i}` })) });

  // It consumes the new records and commits them at the new coordinator, as the same member of
  // the same generation: no rebalance, nothing read twice.
  const group = () => kafka.broker(successor).instance.groupCoordinator.group(groupId);
  await waitFor(() => [0, 1].every((p) => group()?.offset(topic, p)?.offset === logEndOf(kafka, successor, topic, p)), { timeoutMs: 60_000, what: `the new records committed (stderr: ${consumer.stderr().slice(-500)})` });
  expect([...group()!.members.keys()]).toEqual([memberId]);
  expect(group()!.generationId).toBe(generation);
  const records = consumedRecords(consumer.lines);
  expect(records).toHaveLength(40);
  expect(new Set(records.map((r) => `${r.p}@${r.o}`)).size).toBe(40);
});
