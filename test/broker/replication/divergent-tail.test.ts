import { Partitioners } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, logEndOf, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// KIP-101/279: a leader that appended records no follower fetched, then crashed, comes back
// as a follower of the new leader and truncates its divergent tail (found with
// OffsetForLeaderEpoch) before it fetches, so both logs end up byte for byte the same.

afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

it('truncates a follower with a divergent tail to the new leader\'s log', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({}, 2);
  const topic = 'divergent';
  const admin = clusterClient(kafka, 'divergent-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [0, 1] }], configEntries: [{ name: 'min.insync.replicas', value: '1' }] }], waitForLeaders: true });
  await admin.disconnect();
  expect(assignment(kafka, topic).leaderId).toBe(0);

  const producer = clusterClient(kafka, 'divergent').producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `common-${i}` })) });
  await waitFor(() => logEndOf(kafka, 1, topic) === logEndOf(kafka, 0, topic), { what: 'the follower caught up' });
  const commonEnd = logEndOf(kafka, 0, topic);

  // The leader appends and crashes in the same tick: the follower never sees these records.
  const leader = kafka.broker(0).instance.replicaManager.partition(topic, 0)!;
  leader.appendRecordsAsLeader(encodeRecordBatchSync({ records: Array.from({ length: 5 }, (_, i) => ({ value: `divergent-${i}` })) }), null, 'client');
  const divergentEnd = leader.logEndOffset;
  void kafka.broker(0).kill();
  expect(divergentEnd).toBe(commonEnd + 5);

  // Broker 1 takes over (it was in the ISR) and writes at the new epoch.
  await waitFor(() => assignment(kafka, topic).leaderId === 1, { timeoutMs: 30_000, what: 'broker 1 leading' });
  await producer.send({ topic, acks: 1, messages: Array.from({ length: 3 }, (_, i) => ({ value: `new-${i}` })) });
  expect(logEndOf(kafka, 1, topic)).toBe(commonEnd + 3);

  // Broker 0 returns with the divergent tail still in its log, truncates it and copies the leader's.
  await kafka.broker(0).restart();
  await waitFor(() => assignment(kafka, topic).isr.includes(0) && logEndOf(kafka, 0, topic) === commonEnd + 3, { timeoutMs: 30_000, what: 'broker 0 truncated and caught up' });
  const read = (nodeId: number) => kafka.broker(nodeId).instance.replicaManager.partition(topic, 0)!.log.read(0, 10 * 1024 * 1024).records;
  expect(read(0).equals(read(1))).toBe(true);
  expect(read(0).toString('latin1')).not.toContain('divergent-');
  await producer.disconnect();
});
