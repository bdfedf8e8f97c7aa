import kafkajs, { type Admin } from 'kafkajs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { Cleanup, removeTempDirs, startKafka, stopKafka, stopKafkas, tempDir } from '../../support/broker-harness.js';
import { assignment, clusterClient } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// Dynamic broker configs in a cluster, as KRaft has them: a change to the cluster-wide default
// (BROKER resource "") is a metadata record every broker applies, whichever broker took the
// request: DescribeConfigs on any broker reports it (DYNAMIC_DEFAULT_BROKER_CONFIG) and it
// governs every broker's partitions. A per-broker change (BROKER resource "1") applies to that
// broker only (DYNAMIC_BROKER_CONFIG). Both survive a restart of the whole cluster, and
// deleting them (IncrementalAlterConfigs DELETE) reverts every broker.
//
// kafkajs refuses an empty resource name and has no IncrementalAlterConfigs, so those requests
// go through the project's wire client, to a chosen broker.

// kafkajs's ESM named exports lack ConfigResourceTypes.
const { ConfigResourceTypes } = kafkajs;
const BROKER = ConfigResourceTypes.BROKER;
const TOPIC = ConfigResourceTypes.TOPIC;
const Source = { DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, DEFAULT_CONFIG: 5 } as const;
const OpType = { SET: 0, DELETE: 1 } as const;
const KAFKA_MESSAGE_MAX_BYTES = '1048588';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

/** A wire connection to one broker (requests go exactly there). */
async function connectTo(kafka: EmbeddedKafka, nodeId: number): Promise<KafkaConnection> {
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: kafka.broker(nodeId).port, clientId: `configs-test-${nodeId}` });
  cleanup.add(() => connection.close());
  return connection;
}

async function connectedAdmin(kafka: EmbeddedKafka): Promise<Admin> {
  const admin = clusterClient(kafka, 'cluster-configs-admin').admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  return admin;
}

/** AlterConfigs (replaces the resource's whole set) sent to `nodeId`; returns the resource's error code. */
async function alterBrokerConfigs(kafka: EmbeddedKafka, nodeId: number, resourceName: string, configs: Record<string, string>): Promise<number> {
  const connection = await connectTo(kafka, nodeId);
  const response = await connection.request(ApiKeys.AlterConfigs, connection.versionFor(ApiKeys.AlterConfigs), {
    resources: [{ resourceType: BROKER, resourceName, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    validateOnly: false,
  });
  return response.responses[0]!.errorCode;
}

/** IncrementalAlterConfigs DELETE of `names` sent to `nodeId`; returns the resource's error code. */
async function deleteBrokerConfigs(kafka: EmbeddedKafka, nodeId: number, resourceName: string, names: string[]): Promise<number> {
  const connection = await connectTo(kafka, nodeId);
  const response = await connection.request(ApiKeys.IncrementalAlterConfigs, connection.versionFor(ApiKeys.IncrementalAlterConfigs), {
    resources: [{ resourceType: BROKER, resourceName, configs: names.map((name) => ({ name, configOperation: OpType.DELETE, value: null })) }],
    validateOnly: false,
  });
  return response.responses[0]!.errorCode;
}

/** What broker `nodeId` reports for its own configs, through kafkajs (which sends a broker resource to that broker). */
async function describeBroker(admin: Admin, nodeId: number, names: string[]): Promise<Map<string, { configValue: string; configSource: number }>> {
  const result = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER, name: String(nodeId), configNames: names }] });
  expect(result.resources[0]!.errorCode).toBe(0);
  return new Map(result.resources[0]!.configEntries.map((e) => [e.configName, { configValue: e.configValue, configSource: e.configSource }]));
}

/** Produces one batch with a record of `size` bytes straight to `nodeId`; returns the partition's error code. */
async function produceTo(kafka: EmbeddedKafka, nodeId: number, topic: string, size: number): Promise<number> {
  const connection = await connectTo(kafka, nodeId);
  const response = await connection.request(ApiKeys.Produce, connection.versionFor(ApiKeys.Produce), {
    transactionalId: null,
    acks: 1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatchSync({ records: [{ value: Buffer.alloc(size, 'x') }] }) }] }],
  });
  return response.responses[0]!.partitionResponses[0]!.errorCode;
}

async function createTopicLedBy(admin: Admin, topic: string, leader: number): Promise<void> {
  const replicas = [leader, ...[0, 1, 2].filter((id) => id !== leader)];
  await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }] }], waitForLeaders: true });
}

describe('dynamic broker configs in a cluster', () => {
  it('applies a cluster-wide default sent to one broker on every broker, and a per-broker one on that broker only; both survive a restart; DELETE reverts', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('streamwright-cluster-configs-');
    const kafka = await startKafka({ brokers: 3, dataDir });
    let admin = await connectedAdmin(kafka);
    const topic = 'led-by-2';
    await createTopicLedBy(admin, topic, 2);
    expect(assignment(kafka, topic).leaderId).toBe(2);
    // A 4 KiB record is fine under Kafka's default limit.
    expect(await produceTo(kafka, 2, topic, 4096)).toBe(ErrorCode.NONE);

    // Cluster-wide, through broker 0.
    expect(await alterBrokerConfigs(kafka, 0, '', { 'message.max.bytes': '2048', 'log.retention.ms': '3600000' })).toBe(ErrorCode.NONE);
    for (const id of [0, 1, 2]) {
      expect((await describeBroker(admin, id, ['message.max.bytes'])).get('message.max.bytes')).toEqual({ configValue: '2048', configSource: Source.DYNAMIC_DEFAULT_BROKER_CONFIG });
    }
    // Topics without an override inherit it...
    const topicConfigs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: topic, configNames: ['max.message.bytes', 'retention.ms'] }] });
    expect(topicConfigs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue, e.configSource]).sort()).toEqual([
      ['max.message.bytes', '2048', Source.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['retention.ms', '3600000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ]);
    // ...and every broker's replicas apply it: broker 2 refuses the same record now.
    expect(await produceTo(kafka, 2, topic, 4096)).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(await produceTo(kafka, 2, topic, 100)).toBe(ErrorCode.NONE);
    for (const id of [0, 1, 2]) expect(kafka.broker(id).instance.replicaManager.partition(topic, 0)!.log.config.retentionMs).toBe(3_600_000);

    // The "" resource describes the cluster defaults only, on any broker.
    const defaults = await (await connectTo(kafka, 1)).request(ApiKeys.DescribeConfigs, 4, {
      resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(defaults.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(defaults.results[0]!.configs.map((c) => [c.name, c.value, c.configSource, c.synonyms.map((s) => s.source)])).toEqual([
      ['log.retention.ms', '3600000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG, [Source.DYNAMIC_DEFAULT_BROKER_CONFIG]],
      ['message.max.bytes', '2048', Source.DYNAMIC_DEFAULT_BROKER_CONFIG, [Source.DYNAMIC_DEFAULT_BROKER_CONFIG]],
    ]);

    // Per broker: broker 1's own config, through broker 1 (kafkajs sends a broker resource to that broker).
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '1', configEntries: [{ name: 'message.max.bytes', value: '8192' }] }] });
    expect((await describeBroker(admin, 1, ['message.max.bytes'])).get('message.max.bytes')).toEqual({ configValue: '8192', configSource: Source.DYNAMIC_BROKER_CONFIG });
    for (const id of [0, 2]) expect((await describeBroker(admin, id, ['message.max.bytes'])).get('message.max.bytes')!.configValue).toBe('2048');
    // As in Kafka since 3.2, a broker's own configs go through that broker: broker 0 refuses to change broker 2's.
    expect(await alterBrokerConfigs(kafka, 0, '2', { 'message.max.bytes': '16384' })).toBe(ErrorCode.INVALID_REQUEST);
    expect((await describeBroker(admin, 2, ['message.max.bytes'])).get('message.max.bytes')!.configValue).toBe('2048');

    // The whole cluster restarts from its metadata log: the values are still there.
    await admin.disconnect();
    await stopKafka(kafka);
    const restarted = await startKafka({ brokers: 3, dataDir });
    await waitFor(() => assignment(restarted, topic).leaderId >= 0, { what: 'a leader for the topic' });
    admin = await connectedAdmin(restarted);
    expect((await describeBroker(admin, 1, ['message.max.bytes'])).get('message.max.bytes')).toEqual({ configValue: '8192', configSource: Source.DYNAMIC_BROKER_CONFIG });
    for (const id of [0, 2]) {
      expect((await describeBroker(admin, id, ['message.max.bytes', 'log.retention.ms']))).toEqual(new Map([
        ['message.max.bytes', { configValue: '2048', configSource: Source.DYNAMIC_DEFAULT_BROKER_CONFIG }],
        ['log.retention.ms', { configValue: '3600000', configSource: Source.DYNAMIC_DEFAULT_BROKER_CONFIG }],
      ]));
    }
    // The leader applies its own limit: 8192 on broker 1, the cluster's 2048 elsewhere.
    const leader = assignment(restarted, topic).leaderId;
    expect(await produceTo(restarted, leader, topic, 4096)).toBe(leader === 1 ? ErrorCode.NONE : ErrorCode.MESSAGE_TOO_LARGE);

    // DELETE, sent to broker 2 for the cluster default and to broker 1 for its own: every broker is back to Kafka's default.
    expect(await deleteBrokerConfigs(restarted, 2, '', ['message.max.bytes', 'log.retention.ms'])).toBe(ErrorCode.NONE);
    expect(await deleteBrokerConfigs(restarted, 1, '1', ['message.max.bytes'])).toBe(ErrorCode.NONE);
    for (const id of [0, 1, 2]) {
      expect((await describeBroker(admin, id, ['message.max.bytes'])).get('message.max.bytes')).toEqual({ configValue: KAFKA_MESSAGE_MAX_BYTES, configSource: Source.DEFAULT_CONFIG });
      expect(restarted.broker(id).instance.replicaManager.partition(topic, 0)!.log.config.retentionMs).toBe(604_800_000);
    }
    expect(await produceTo(restarted, assignment(restarted, topic).leaderId, topic, 4096)).toBe(ErrorCode.NONE);
  });

  it('leaves an isolated broker with the configs it had until it is healed', { timeout: 60_000 }, async () => {
    const kafka = await startKafka({ brokers: 3, dataDir: tempDir('streamwright-cluster-configs-isolated-') });
    const admin = await connectedAdmin(kafka);
    await createTopicLedBy(admin, 'isolated-configs', 2);
    kafka.faults.isolate(2, { clients: false });
    expect(await alterBrokerConfigs(kafka, 0, '', { 'message.max.bytes': '2048' })).toBe(ErrorCode.NONE);
    expect(kafka.broker(1).instance.config.string('message.max.bytes')).toBe('2048');
    // Clients still reach broker 2, which got no metadata update: it takes the record.
    expect(kafka.broker(2).instance.config.string('message.max.bytes')).toBe(KAFKA_MESSAGE_MAX_BYTES);
    expect(await produceTo(kafka, 2, 'isolated-configs', 4096)).toBe(ErrorCode.NONE);
    // Healed, it registers again and catches up with the metadata, configs included.
    kafka.faults.heal();
    await waitFor(() => kafka.broker(2).instance.config.string('message.max.bytes') === '2048', { what: 'broker 2 applying the missed config' });
    expect((await describeBroker(admin, 2, ['message.max.bytes'])).get('message.max.bytes')).toEqual({ configValue: '2048', configSource: Source.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(kafka.broker(2).instance.replicaManager.partition('isolated-configs', 0)!.settings.log.maxMessageBytes).toBe(2048);
  });
});
