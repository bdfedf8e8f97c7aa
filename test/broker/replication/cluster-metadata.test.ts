import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { ZERO_UUID } from '../../../src/protocol/schema/uuid.js';
import { closeRawConnections, openWire, removeTempDirs, stopKafka, stopKafkas, tempDir, testLogger } from '../../support/broker-harness.js';
import { cli, killChildren, lines, startBrokerProcess } from '../../cli/cli-process.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// The controller's view as clients see it: every broker serves the same Metadata (brokers,
// a live controller, leaders, replicas, ISR, offline replicas) and routes clients to leaders
// (NOT_LEADER_OR_FOLLOWER elsewhere); the cluster metadata survives a restart of the cluster.

afterEach(() => {
  closeRawConnections();
  killChildren();
});
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

describe('cluster metadata', () => {
  it('answers Metadata the same on every broker and refuses produce and fetch on followers', { timeout: 60_000 }, async () => {
    const kafka = await startCluster();
    const topic = 'routed';
    const admin = clusterClient(kafka, 'routing-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const answers = [];
    for (const address of kafka.bootstrapServers) {
      const raw = await openWire(address);
      const response = await raw.request(ApiKeys.Metadata, 12, { topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      answers.push(response);
      const versions = await raw.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
      expect(versions.apiKeys.length).toBeGreaterThan(30);
    }
    for (const answer of answers) {
      expect(answer.brokers.map((b) => b.nodeId).sort()).toEqual([0, 1, 2]);
      expect(answer.controllerId).toBe(0);
      expect(answer.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId, [...p.replicaNodes], [...p.isrNodes]])).toEqual(answers[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId, [...p.replicaNodes], [...p.isrNodes]]));
    }
    // Kafka's placement: the leaders are spread over the brokers.
    expect(new Set(answers[0]!.topics[0]!.partitions.map((p) => p.leaderId)).size).toBe(3);

    const leader = assignment(kafka, topic, 0).leaderId;
    const follower = kafka.nodeIds.find((id) => id !== leader)!;
    const raw = await openWire(`${kafka.broker(follower).instance.host}:${kafka.broker(follower).instance.port}`);
    const produced = await raw.request(ApiKeys.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatchSync({ records: [{ value: 'x' }] }) }] }],
    });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const fetched = await raw.request(ApiKeys.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1024 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

    // A stopped broker: it leaves the broker list and shows as an offline replica; the controller is a live broker.
    await kafka.broker(0).stop();
    const after = await raw.request(ApiKeys.Metadata, 12, { topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(after.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
    expect(after.controllerId).toBe(1);
    for (const p of after.topics[0]!.partitions) {
      expect(p.leaderId).not.toBe(0);
      expect([...p.offlineReplicas]).toEqual([0]);
      expect([...p.isrNodes]).not.toContain(0);
    }
  });

  it('comes back with the same topics, leaders and epochs after the whole cluster restarts', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('streamwright-cluster-restart-');
    const first = await EmbeddedKafka.start({ brokers: 3, dataDir, logger: testLogger });
    const admin = clusterClient(first, 'restart-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 2, replicationFactor: 3 }], waitForLeaders: true });
    const producer = clusterClient(first, 'restart-producer').producer();
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }] });
    await producer.disconnect();
    await admin.disconnect();
    const topicId = first.controller!.metadata.topic('kept')!.topicId;
    await first.stop();
    // The metadata log: JSON records, one per line, replayed on start; a torn last line (a crash mid-append) is ignored.
    const logFile = join(dataDir, '__cluster_metadata', 'metadata.log');
    const records = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(records[0]!.type).toBe('Cluster');
    expect(records.map((r) => r.type)).toEqual(expect.arrayContaining(['Topic', 'PartitionChange', 'ProducerIds']));
    appendFileSync(logFile, '{"type":"RemoveTopic","na');

    const second = await EmbeddedKafka.start({ brokers: 3, dataDir, logger: testLogger });
    try {
      expect(second.controller!.metadata.topic('kept')!.topicId).toBe(topicId);
      await waitFor(() => second.controller!.metadata.topic('kept')!.partitions.every((p) => p.leaderId >= 0 && p.isr.length === 3), { what: 'leaders and full ISRs' });
      const consumer = clusterClient(second, 'restart-consumer').admin();
      await consumer.connect();
      const offsets = await consumer.fetchTopicOffsets('kept');
      await consumer.disconnect();
      expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(3);
    } finally {
      await second.stop();
    }
  });

  it('`streamwright broker --brokers 3` prints one "listening on" line per broker', { timeout: 60_000 }, async () => {
    const broker = await startBrokerProcess(['--brokers', '3', '--node-ids', '4,5,6', '--port', '0', '--data-dir', tempDir('streamwright-cli-cluster-'), '--log-level', 'warn']);
    await waitFor(() => lines(broker.stdout()).length === 3, { what: 'three listening lines' });
    const addresses = lines(broker.stdout()).map((l) => /^listening on (\S+)$/.exec(l)![1]!);
    expect(new Set(addresses).size).toBe(3);
    const created = await cli(['topics', '--bootstrap-server', addresses[1]!, '--create', '--topic', 'cli-replicated', '--partitions', '3', '--replication-factor', '3']);
    expect(created.code, created.stderr).toBe(0);
    const described = await cli(['topics', '--bootstrap-server', addresses[2]!, '--describe', '--topic', 'cli-replicated']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Replicas: (4|5|6),(4|5|6),(4|5|6)/);
    expect(await broker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('keeps EmbeddedKafka.start() without `brokers` a single plain broker', { timeout: 30_000 }, async () => {
    const kafka = await EmbeddedKafka.start({ logger: testLogger });
    try {
      expect(kafka.controller).toBeNull();
      expect(kafka.bootstrapServers).toHaveLength(1);
      // A cluster of one: the broker runs the cluster's controller itself, alone in it.
      expect(kafka.broker().instance.cluster.liveBrokers().map((b) => b.nodeId)).toEqual([kafka.nodeIds[0]]);
    } finally {
      await stopKafka(kafka);
      await kafka.stop();
    }
  });
});
