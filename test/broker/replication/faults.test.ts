import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, logEndOf, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// kafka.faults (src/broker/faults.ts): lost and delayed responses, and a broker cut off from
// the rest of the cluster, then healed.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

async function connect(address: string): Promise<KafkaConnection> {
  const [host, port] = address.split(':');
  const connection = await KafkaConnection.connect({ host: host!, port: Number(port), requestTimeoutMs: 2_000 });
  cleanup.add(() => connection.close());
  return connection;
}

const metadataRequest = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

it('drops the next matching responses, then answers again; delays keep responses in request order', { timeout: 60_000 }, async () => {
  const kafka = await startCluster();
  kafka.faults.dropResponses({ broker: 1, apiKey: ApiKeys.Metadata, count: 1 });

  const other = await connect(kafka.bootstrapServers[0]!);
  expect((await other.request(ApiKeys.Metadata, 12, metadataRequest)).brokers).toHaveLength(3);

  const first = await connect(kafka.bootstrapServers[1]!);
  const lost = await first.request(ApiKeys.Metadata, 12, metadataRequest, { timeoutMs: 1_000 }).then(() => null, (error: unknown) => error);
  expect(lost).toBeInstanceOf(Error);
  const second = await connect(kafka.bootstrapServers[1]!);
  expect((await second.request(ApiKeys.Metadata, 12, metadataRequest)).brokers).toHaveLength(3);

  kafka.faults.delayResponses({ broker: 2, apiKey: ApiKeys.Metadata, ms: 300 });
  const delayed = await connect(kafka.bootstrapServers[2]!);
  const order: string[] = [];
  await Promise.all([
    delayed.request(ApiKeys.Metadata, 12, metadataRequest).then(() => order.push('metadata')),
    delayed.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }).then(() => order.push('api-versions')),
  ]);
  expect(order).toEqual(['metadata', 'api-versions']);
  kafka.faults.heal();
});

it('a leader isolated from the other brokers (clients still reach it) loses its partitions and comes back as a follower when healed', { timeout: 90_000 }, async () => {
  const kafka = await startCluster();
  const topic = 'isolated';
  const admin = clusterClient(kafka, 'isolate-admin').admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  const producer = clusterClient(kafka, 'isolate-producer').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });

  const isolated = assignment(kafka, topic).leaderId;
  kafka.faults.isolate(isolated, { clients: false });
  await waitFor(() => assignment(kafka, topic).leaderId !== isolated && !assignment(kafka, topic).isr.includes(isolated), { timeoutMs: 30_000, what: 'a new leader without the isolated broker' });
  // The isolated broker still thinks it leads (its metadata image is stale, so it also tells
  // clients so): an acks=-1 write there cannot complete and times out.
  const zombieAddress = kafka.bootstrapServers[kafka.nodeIds.indexOf(isolated)]!;
  const zombie = new Kafka({ clientId: 'zombie-producer', brokers: [zombieAddress], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await zombie.connect();
  cleanup.add(() => zombie.disconnect());
  await expect(zombie.send({ topic, acks: -1, timeout: 1_000, messages: [{ value: 'lost' }] })).rejects.toThrow();
  // A client that asks the rest of the cluster writes to the new leader.
  const healthy = new Kafka({ clientId: 'healthy-producer', brokers: kafka.bootstrapServers.filter((a) => a !== zombieAddress), logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await healthy.connect();
  cleanup.add(() => healthy.disconnect());
  await healthy.send({ topic, acks: -1, messages: [{ value: 'during' }] });

  kafka.faults.heal();
  await waitFor(() => assignment(kafka, topic).isr.length === 3, { timeoutMs: 30_000, what: 'the healed broker back in the ISR' });
  const leader = assignment(kafka, topic).leaderId;
  await waitFor(() => logEndOf(kafka, isolated, topic) === logEndOf(kafka, leader, topic), { timeoutMs: 30_000, what: 'the healed broker caught up' });
  expect(kafka.broker(isolated).instance.replicaManager.partition(topic, 0)!.isLeader).toBe(false);
});

it('isolate() cuts the broker off from clients too: connections close, new ones are refused, producers go on with the new leader; heal() lets them back', { timeout: 90_000 }, async () => {
  const kafka = await startCluster();
  const topic = 'cut-off';
  const admin = clusterClient(kafka, 'cut-off-admin').admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  const producer = clusterClient(kafka, 'cut-off-producer').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });

  const isolated = assignment(kafka, topic).leaderId;
  const address = kafka.bootstrapServers[kafka.nodeIds.indexOf(isolated)]!;
  const open = await connect(address);
  kafka.faults.isolate(isolated);
  expect(kafka.faults.acceptsConnections(isolated)).toBe(false);
  await expect(open.request(ApiKeys.Metadata, 12, metadataRequest)).rejects.toBeInstanceOf(Error);
  await expect(connect(address).then((c) => c.request(ApiKeys.Metadata, 12, metadataRequest))).rejects.toBeInstanceOf(Error);

  await waitFor(() => assignment(kafka, topic).leaderId !== isolated, { timeoutMs: 30_000, what: 'a new leader' });
  await producer.send({ topic, acks: -1, messages: [{ value: 'during' }] });
  const leader = assignment(kafka, topic).leaderId;
  expect(logEndOf(kafka, leader, topic)).toBe(2);

  kafka.faults.heal();
  const again = await connect(address);
  expect((await again.request(ApiKeys.Metadata, 12, metadataRequest)).brokers).toHaveLength(3);
  await waitFor(() => assignment(kafka, topic).isr.length === 3 && logEndOf(kafka, isolated, topic) === 2, { timeoutMs: 30_000, what: 'the healed broker caught up and back in the ISR' });
});
