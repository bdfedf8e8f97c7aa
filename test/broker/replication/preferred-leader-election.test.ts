import { afterAll, afterEach, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { closeRawConnections, openWire, removeTempDirs, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// After a broker returns, leadership goes back to the preferred (first) replicas: on request
// (ElectLeaders) or by the controller's imbalance check (auto.leader.rebalance.enable).

afterEach(() => closeRawConnections());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

async function createTopic(kafka: EmbeddedKafka, topic: string): Promise<void> {
  const admin = clusterClient(kafka, 'preferred-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  await admin.disconnect();
}

/** The partition broker 0 prefers, after broker 0 went away and came back into its ISR. */
async function bounceBrokerZero(kafka: EmbeddedKafka, topic: string): Promise<number> {
  const partition = [0, 1, 2].find((p) => assignment(kafka, topic, p).replicas[0] === 0)!;
  expect(assignment(kafka, topic, partition).leaderId).toBe(0);
  await kafka.broker(0).stop();
  expect(assignment(kafka, topic, partition).leaderId).not.toBe(0);
  await kafka.broker(0).restart();
  await waitFor(() => assignment(kafka, topic, partition).isr.includes(0), { timeoutMs: 30_000, what: 'broker 0 back in the ISR' });
  return partition;
}

it('ElectLeaders moves leadership back to the preferred replica', { timeout: 60_000 }, async () => {
  const kafka = await startCluster();
  const topic = 'preferred';
  await createTopic(kafka, topic);
  const raw = await openWire(kafka.bootstrapServers[1]!);

  const partition = [0, 1, 2].find((p) => assignment(kafka, topic, p).replicas[0] === 0)!;
  await kafka.broker(0).stop();
  const whileDown = await raw.request(ApiKeys.ElectLeaders, 1, { electionType: 0, topicPartitions: [{ topic, partitions: [partition] }], timeoutMs: 5000 });
  expect(whileDown.replicaElectionResults[0]!.partitionResult[0]!.errorCode).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);

  await kafka.broker(0).restart();
  await waitFor(() => assignment(kafka, topic, partition).isr.includes(0), { timeoutMs: 30_000, what: 'broker 0 back in the ISR' });
  const epoch = assignment(kafka, topic, partition).leaderEpoch;
  const elected = await raw.request(ApiKeys.ElectLeaders, 1, { electionType: 0, topicPartitions: [{ topic, partitions: [partition] }], timeoutMs: 5000 });
  expect(elected.replicaElectionResults[0]!.partitionResult[0]!.errorCode).toBe(ErrorCode.NONE);
  expect(assignment(kafka, topic, partition).leaderId).toBe(0);
  expect(assignment(kafka, topic, partition).leaderEpoch).toBe(epoch + 1);

  const again = await raw.request(ApiKeys.ElectLeaders, 2, { electionType: 0, topicPartitions: null, timeoutMs: 5000 });
  const results = again.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => p.errorCode));
  expect(results).toEqual([ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED]);

  // The new leader serves the clients.
  const producer = clusterClient(kafka, 'preferred-producer').producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value: 'after-election', partition }] });
  await producer.disconnect();
});

it('the controller rebalances leadership on its own (auto.leader.rebalance.enable)', { timeout: 60_000 }, async () => {
  const kafka = await startCluster({ 'leader.imbalance.check.interval.seconds': 1 });
  const topic = 'auto-preferred';
  await createTopic(kafka, topic);
  const partition = await bounceBrokerZero(kafka, topic);
  await waitFor(() => assignment(kafka, topic, partition).leaderId === 0, { timeoutMs: 30_000, what: 'broker 0 leading again' });
});

it('a single broker answers ElectLeaders with ELECTION_NOT_NEEDED', async () => {
  const kafka = await startKafka();
  kafka.broker().instance.controller.createTopic({ name: 'single', numPartitions: 2, replicationFactor: 1 });
  const raw = await openWire(kafka.bootstrapServers[0]!);
  const response = await raw.request(ApiKeys.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: 'single', partitions: [0, 1] }, { topic: 'missing', partitions: [0] }], timeoutMs: 5000 });
  expect(response.replicaElectionResults.map((t) => [t.topic, t.partitionResult.map((p) => p.errorCode)])).toEqual([
    ['single', [ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED]],
    ['missing', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
  ]);
});
