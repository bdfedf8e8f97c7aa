import { Partitioners, type Consumer } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Cleanup, removeTempDirs, stopKafkas, waitFor } from '../../support/broker-harness.js';
import { assignment, clusterClient, logEndOf, startCluster } from './support/cluster-harness.js';

// The group coordinator moves with the leader of the group's `__consumer_offsets` partition:
// when the coordinator's broker dies, the new leader loads the group and its committed offsets
// from its replica of the log and serves them.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

it('the new leader of the group\'s __consumer_offsets partition takes over the group and its committed offsets', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const topic = 'orders';
  const groupId = 'order-processors';
  const client = clusterClient(kafka, 'coordinator-failover');
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });

  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

  const received: string[] = [];
  const consumer: Consumer = client.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
  await consumer.connect();
  cleanup.add(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
  await waitFor(() => received.length >= 30, { timeoutMs: 30_000, what: 'the first 30 records' });
  const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  await waitFor(async () => (await committed()) === 30, { timeoutMs: 30_000, what: '30 committed offsets' });

  const coordinatorPartition = kafka.broker().instance.groupCoordinator.groupManager.partitionFor(groupId);
  const coordinator = assignment(kafka, '__consumer_offsets', coordinatorPartition).leaderId;
  const leos = () => kafka.nodeIds.map((id) => logEndOf(kafka, id, '__consumer_offsets', coordinatorPartition));
  await waitFor(() => new Set(leos()).size === 1, { timeoutMs: 20_000, what: `replicated commits ${JSON.stringify(leos())}` });
  await kafka.broker(coordinator).kill();
  await waitFor(() => assignment(kafka, '__consumer_offsets', coordinatorPartition).leaderId !== coordinator, { timeoutMs: 30_000, what: 'a new coordinator' });
  const successor = assignment(kafka, '__consumer_offsets', coordinatorPartition).leaderId;
  expect(kafka.broker(successor).instance.groupCoordinator.group(groupId)).toBeDefined();

  // The new coordinator answers OffsetFetch with the offsets committed before the failover.
  await consumer.stop();
  const fresh = clusterClient(kafka, 'coordinator-failover-after').admin();
  await fresh.connect();
  cleanup.add(() => fresh.disconnect());
  const after = await fresh.fetchOffsets({ groupId, topics: [topic] });
  expect(after[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)).toBe(30);
  // TODO(issue 9, phase 2): a running kafkajs consumer does not yet rejoin the new coordinator in
  // time (its session expires there); once it does, assert it carries on without re-reading.
});
