import { Partitioners } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, closeRawConnections, kcatReadAll, openWire, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// unclean.leader.election.enable as a topic config, changed on a running cluster: the ISR
// shrinks to one broker that then dies while the out-of-sync replica is alive. With false the
// partition stays without a leader; set to true on the topic, the out-of-sync replica leads at
// once and clients produce and consume again (losing what only the dead broker had).

const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;

/** IncrementalAlterConfigs SET of one config; returns the resource's error code. */
async function setConfig(connection: KafkaConnection, resourceType: number, resourceName: string, name: string, value: string): Promise<number> {
  const response = await connection.request(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType, resourceName, configs: [{ name, configOperation: 0, value }] }], validateOnly: false });
  return response.responses[0]!.errorCode;
}

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
  removeTempDirs();
});

it('a leaderless partition gets its out-of-sync replica as leader when the topic allows unclean election', { timeout: 90_000 }, async () => {
  const kafka = await startCluster();
  const topic = 'unclean';
  const client = clusterClient(kafka, 'unclean-test');
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  // Leader 1, follower 2; broker 0 holds no replica and stays up throughout.
  await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2] }] }], waitForLeaders: true });
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: [{ value: 'both-have-it' }] });
  await waitFor(() => kafka.broker(2).instance.replicaManager.partition(topic, 0)!.logEndOffset === 1, { what: 'the follower to replicate' });

  // The follower goes away: the ISR shrinks to the leader, which takes one more record alone.
  await kafka.broker(2).stop();
  await waitFor(() => assignment(kafka, topic).isr.join() === '1', { what: 'the ISR to shrink to broker 1' });
  await producer.send({ topic, acks: -1, messages: [{ value: 'only-broker-1-has-it' }] });
  // Then the leader dies and the out-of-sync replica comes back.
  await kafka.broker(1).kill();
  await waitFor(() => assignment(kafka, topic).leaderId === -1, { what: 'the partition to lose its leader' });
  await kafka.broker(2).restart();
  expect(assignment(kafka, topic).leaderId).toBe(-1);

  const bystander = await openWire(kafka.bootstrapServers[0]!);
  const leaderOf = async () => (await bystander.request(ApiKeys.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false })).topics[0]!.partitions[0]!;
  const offline = await leaderOf();
  expect(offline.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
  expect(offline.leaderId).toBe(-1);

  // (kafkajs's admin refreshes the topic's metadata first and gives up on LEADER_NOT_AVAILABLE.)
  expect(await setConfig(bystander, TOPIC_RESOURCE, topic, 'unclean.leader.election.enable', 'true')).toBe(ErrorCode.NONE);
  expect(assignment(kafka, topic).leaderId).toBe(2);
  expect(assignment(kafka, topic).isr).toEqual([2]);
  await waitFor(async () => (await leaderOf()).leaderId === 2, { what: 'Metadata to show broker 2 leading' });

  await producer.send({ topic, acks: -1, messages: [{ value: 'after-the-unclean-election' }] });
  const live = [0, 2].map((id) => `${kafka.broker(id).instance.host}:${kafka.broker(id).instance.port}`).join(',');
  expect(await kcatReadAll(live, topic, '%o %s\\n')).toEqual(['0 both-have-it', '1 after-the-unclean-election']);

  const consumer = client.consumer({ groupId: 'unclean-readers' });
  await consumer.connect();
  cleanup.add(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await waitFor(() => seen.length === 2, { what: 'the kafkajs consumer to read both records' });
  expect(seen).toEqual(['both-have-it', 'after-the-unclean-election']);
});

it('the dynamic cluster-wide default enables it too, and a topic set to false overrides it', { timeout: 90_000 }, async () => {
  const kafka = await startCluster();
  const client = clusterClient(kafka, 'unclean-default-test');
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({
    topics: [
      { topic: 'follows-default', replicaAssignment: [{ partition: 0, replicas: [1, 2] }] },
      { topic: 'stays-clean', replicaAssignment: [{ partition: 0, replicas: [1, 2] }], configEntries: [{ name: 'unclean.leader.election.enable', value: 'false' }] },
    ],
    waitForLeaders: true,
  });
  await kafka.broker(2).stop();
  await waitFor(() => assignment(kafka, 'follows-default').isr.join() === '1' && assignment(kafka, 'stays-clean').isr.join() === '1', { what: 'the ISRs to shrink' });
  await kafka.broker(1).kill();
  await waitFor(() => assignment(kafka, 'follows-default').leaderId === -1, { what: 'the partitions to lose their leader' });
  await kafka.broker(2).restart();

  // The cluster-wide dynamic default: the BROKER resource named "".
  const connection = await openWire(kafka.bootstrapServers[0]!);
  expect(await setConfig(connection, BROKER_RESOURCE, '', 'unclean.leader.election.enable', 'true')).toBe(ErrorCode.NONE);
  expect(assignment(kafka, 'follows-default').leaderId).toBe(2);
  expect(assignment(kafka, 'stays-clean').leaderId).toBe(-1);
});
