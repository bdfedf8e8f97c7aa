import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { closeRawConnections, kafkajsClient, openWire, startKafka, stopKafkas } from '../../support/broker-harness.js';

// Topic config values the definitions refuse answer INVALID_CONFIG (40) through CreateTopics and
// AlterConfigs (kafkajs) and IncrementalAlterConfigs; nothing is created or changed. kafkajs shows
// its own text for an error code and has no IncrementalAlterConfigs, so Kafka's message and that
// request are checked with the wire client. Also the values on which the
// storage layer's own table and the definitions used to disagree.

let kafka: EmbeddedKafka;
let admin: Admin;
let wire: KafkaConnection;
const TOPIC = 2;

beforeAll(async () => {
  kafka = await startKafka();
  admin = kafkajsClient(kafka.bootstrapServers[0]!, 'invalid-topic-configs').admin();
  await admin.connect();
  wire = await openWire(kafka.bootstrapServers[0]!, 'invalid-topic-configs-wire');
  await admin.createTopics({ topics: [{ topic: 'existing', numPartitions: 1 }], waitForLeaders: true });
});
afterAll(async () => {
  await admin.disconnect();
  closeRawConnections();
  await stopKafkas();
});

/** The error types kafkajs reports for a refused request. */
async function refusal(action: () => Promise<unknown>): Promise<string[]> {
  const error = await action().then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (e: unknown) => e as { type?: string; errors?: Array<{ type?: string }> },
  );
  return (error.errors ?? [error]).map((e) => e.type ?? '');
}

async function wireCreate(topic: string, name: string, value: string) {
  const response = await wire.request(ApiKeys.CreateTopics, 5, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name, value }] }], timeoutMs: 10_000, validateOnly: false });
  return response.topics[0]!;
}

async function describeTopic(topic: string, names: string[]): Promise<Record<string, string>> {
  const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }], includeSynonyms: false });
  return Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
}

async function incrementalSet(topic: string, name: string, value: string) {
  const response = await wire.request(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType: TOPIC, resourceName: topic, configs: [{ name, configOperation: 0, value }] }], validateOnly: false });
  return response.responses[0]!;
}

describe('invalid topic config values', () => {
  it.each([
    ['retention.ms', '-2', 'Invalid value -2 for configuration retention.ms: Value must be at least -1'],
    ['segment.bytes', '13', 'Invalid value 13 for configuration segment.bytes: Value must be at least 14'],
    ['min.cleanable.dirty.ratio', '1.5', 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
    ['cleanup.policy', 'compact,forever', 'Invalid value compact,forever for configuration cleanup.policy: String must be one of: compact, delete'],
    ['segment.index.bytes', '3', 'Invalid value 3 for configuration segment.index.bytes: Value must be at least 4'],
  ])('CreateTopics with %s=%s is INVALID_CONFIG and creates nothing', async (name, value, message) => {
    const topic = `bad-${name.replaceAll('.', '-')}`;
    expect(await refusal(() => admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name, value }] }] }))).toEqual(['INVALID_CONFIG']);
    const answer = await wireCreate(topic, name, value);
    expect(answer.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(answer.errorMessage).toBe(message);
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('AlterConfigs with a bad value is INVALID_CONFIG and leaves the topic as it was', async () => {
    expect(await refusal(() => admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'existing', configEntries: [{ name: 'retention.ms', value: '-2' }] }] }))).toEqual(['INVALID_CONFIG']);
    expect((await describeTopic('existing', ['retention.ms']))['retention.ms']).toBe('604800000');
  });

  it('IncrementalAlterConfigs with a bad value is INVALID_CONFIG with Kafka\'s message and leaves the topic as it was', async () => {
    const result = await incrementalSet('existing', 'min.cleanable.dirty.ratio', '2');
    expect(result.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(result.errorMessage).toBe('Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
    expect((await describeTopic('existing', ['min.cleanable.dirty.ratio']))['min.cleanable.dirty.ratio']).toBe('0.5');
  });

  it('accepts what Kafka accepts where the two tables disagreed, and the log runs with it', async () => {
    await admin.createTopics({ topics: [{ topic: 'small-index', numPartitions: 1, configEntries: [{ name: 'segment.index.bytes', value: '4' }, { name: 'streamwright.fsync.on.append', value: 'TRUE' }] }], waitForLeaders: true });
    expect(await describeTopic('small-index', ['segment.index.bytes', 'streamwright.fsync.on.append'])).toEqual({ 'segment.index.bytes': '4', 'streamwright.fsync.on.append': 'true' });
    const log = kafka.broker().instance.replicaManager.partition('small-index', 0)!.log;
    expect(log.config.segmentIndexBytes).toBe(4);
    expect(log.config.fsyncOnAppend).toBe(true);
    expect((await incrementalSet('small-index', 'cleanup.policy', 'delete, compact')).errorCode).toBe(ErrorCode.NONE);
    expect((await describeTopic('small-index', ['cleanup.policy']))['cleanup.policy']).toBe('delete,compact');
    expect(log.config.cleanupPolicy).toBe('compact,delete');
  });
});
