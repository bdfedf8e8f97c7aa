import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/index.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';
import { cli, killChildren } from '../../cli/cli-process.js';
import { closeRawConnections, openWire, removeTempDirs, startKafka, stopKafkas, tempDir, testLogger } from '../../support/broker-harness.js';

// Client quotas against the embedded broker on a manual clock: rates are measured on the
// broker's clock, so a test knows exactly what is over quota, and a throttled connection stays
// muted until the test moves time on (no timing in the assertions).

let kafka: EmbeddedKafka;
let address: string;
const dataDir = tempDir('streamwright-quota-');

beforeAll(async () => {
  kafka = await startKafka({ logger: testLogger, clock: 'manual', dataDir, topics: ['produced', 'fetched'] });
  address = kafka.bootstrapServers[0]!;
});

afterAll(async () => {
  killChildren();
  closeRawConnections();
  await stopKafkas();
  removeTempDirs();
});

type Entity = Array<{ entityType: string; entityName: string | null }>;
const user = (name: string | null) => ({ entityType: 'user', entityName: name });
const client = (name: string | null) => ({ entityType: 'client-id', entityName: name });

async function alter(connection: KafkaConnection, entries: Array<{ entity: Entity; ops: Array<{ key: string; value: number; remove?: boolean }> }>, validateOnly = false) {
  return connection.request(ApiKeys.AlterClientQuotas, 1, { entries: entries.map((e) => ({ entity: e.entity, ops: e.ops.map((o) => ({ remove: false, ...o })) })), validateOnly });
}

async function describeQuotas(connection: KafkaConnection, components: Array<{ entityType: string; matchType: number; match: string | null }>, strict = false) {
  const response = await connection.request(ApiKeys.DescribeClientQuotas, 1, { components, strict });
  const entries = (response.entries ?? []).map((e) => ({ entity: e.entity.map((c) => `${c.entityType}=${c.entityName ?? '<default>'}`).join(','), values: Object.fromEntries(e.values.map((v) => [v.key, v.value])) }));
  return { errorCode: response.errorCode, errorMessage: response.errorMessage, entries: entries.sort((a, b) => a.entity.localeCompare(b.entity)) };
}

function produceBody(topic: string, valueBytes: number) {
  return { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatchSync({ records: [{ key: 'k', value: Buffer.alloc(valueBytes, 7) }] }) }] }] };
}

/** Whether a promise settles before the other work (a round trip on another connection) is done. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

describe('AlterClientQuotas and DescribeClientQuotas', () => {
  it('stores quotas per entity, validate_only changes nothing, and the three match types filter them', async () => {
    const admin = await openWire(address, 'quota-admin');
    const set = await alter(admin, [
      { entity: [user('alice')], ops: [{ key: 'producer_byte_rate', value: 1024 }] },
      { entity: [client('app'), user('alice')], ops: [{ key: 'consumer_byte_rate', value: 2048 }, { key: 'request_percentage', value: 12.5 }] },
      { entity: [user(null)], ops: [{ key: 'producer_byte_rate', value: 4096 }] },
      { entity: [client(null)], ops: [{ key: 'consumer_byte_rate', value: 8192 }] },
    ]);
    expect(set.entries.map((e) => e.errorCode)).toEqual([0, 0, 0, 0]);
    // The entity is echoed as sent.
    expect(set.entries[1]!.entity).toEqual([client('app'), user('alice')]);

    const dryRun = await alter(admin, [{ entity: [user('bob')], ops: [{ key: 'producer_byte_rate', value: 1 }] }], true);
    expect(dryRun.entries[0]!.errorCode).toBe(ErrorCode.NONE);

    expect((await describeQuotas(admin, [{ entityType: 'user', matchType: 0, match: 'alice' }])).entries).toEqual([
      { entity: 'user=alice', values: { producer_byte_rate: 1024 } },
      { entity: 'user=alice,client-id=app', values: { consumer_byte_rate: 2048, request_percentage: 12.5 } },
    ]);
    // strict: only entities made of exactly the filtered types.
    expect((await describeQuotas(admin, [{ entityType: 'user', matchType: 0, match: 'alice' }], true)).entries).toEqual([{ entity: 'user=alice', values: { producer_byte_rate: 1024 } }]);
    expect((await describeQuotas(admin, [{ entityType: 'user', matchType: 1, match: null }])).entries).toEqual([{ entity: 'user=<default>', values: { producer_byte_rate: 4096 } }]);
    expect((await describeQuotas(admin, [{ entityType: 'user', matchType: 2, match: null }], true)).entries.map((e) => e.entity)).toEqual(['user=alice']);
    expect((await describeQuotas(admin, [{ entityType: 'client-id', matchType: 2, match: null }])).entries.map((e) => e.entity)).toEqual(['user=alice,client-id=app']);
    expect((await describeQuotas(admin, [{ entityType: 'user', matchType: 0, match: 'bob' }])).entries).toEqual([]);

    // Removing the last value removes the entity.
    await alter(admin, [{ entity: [user(null)], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] }, { entity: [client(null)], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] }]);
    expect((await describeQuotas(admin, [{ entityType: 'user', matchType: 1, match: null }])).entries).toEqual([]);
    await alter(admin, [{ entity: [user('alice')], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] }, { entity: [user('alice'), client('app')], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }, { key: 'request_percentage', value: 0, remove: true }] }]);
    expect((await describeQuotas(admin, [])).entries).toEqual([]);
  });

  it('refuses bad entities, keys and values with INVALID_REQUEST and Kafka\'s messages, entry by entry', async () => {
    const admin = await openWire(address, 'quota-admin');
    const response = await alter(admin, [
      { entity: [], ops: [{ key: 'producer_byte_rate', value: 1 }] },
      { entity: [user('a'), user('b')], ops: [{ key: 'producer_byte_rate', value: 1 }] },
      { entity: [{ entityType: 'group', entityName: 'g' }], ops: [{ key: 'producer_byte_rate', value: 1 }] },
      { entity: [user('')], ops: [{ key: 'producer_byte_rate', value: 1 }] },
      { entity: [user('a')], ops: [{ key: 'fetch_rate', value: 1 }] },
      { entity: [user('a')], ops: [{ key: 'producer_byte_rate', value: 0 }] },
      { entity: [user('a')], ops: [{ key: 'consumer_byte_rate', value: 10.5 }] },
      { entity: [user('a')], ops: [{ key: 'controller_mutation_rate', value: 10 }] },
      { entity: [{ entityType: 'ip', entityName: '10.0.0.1' }], ops: [{ key: 'connection_creation_rate', value: 10 }] },
      { entity: [user('ok')], ops: [{ key: 'request_percentage', value: 0.5 }] },
    ]);
    expect(response.entries.map((e) => [e.errorCode, e.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity'],
      [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity, duplicate entity entry user'],
      [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: group'],
      [ErrorCode.INVALID_REQUEST, 'Empty user not supported'],
      [ErrorCode.INVALID_REQUEST, 'Invalid configuration key fetch_rate'],
      [ErrorCode.INVALID_REQUEST, 'Quota producer_byte_rate must be greater than 0'],
      [ErrorCode.INVALID_REQUEST, 'consumer_byte_rate cannot be a fractional value.'],
      [ErrorCode.INVALID_REQUEST, 'Quota controller_mutation_rate is not enforced by this broker'],
      [ErrorCode.INVALID_REQUEST, 'IP quotas (connection_creation_rate) are not enforced by this broker'],
      [ErrorCode.NONE, null],
    ]);
    expect((await describeQuotas(admin, [])).entries).toEqual([{ entity: 'user=ok', values: { request_percentage: 0.5 } }]);
    await alter(admin, [{ entity: [user('ok')], ops: [{ key: 'request_percentage', value: 0, remove: true }] }]);

    const badFilters: Array<[Array<{ entityType: string; matchType: number; match: string | null }>, number, string]> = [
      [[{ entityType: 'user', matchType: 0, match: null }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null'],
      [[{ entityType: 'user', matchType: 1, match: 'x' }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string'],
      [[{ entityType: 'user', matchType: 2, match: 'x' }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string'],
      [[{ entityType: 'user', matchType: 7, match: null }], ErrorCode.UNSUPPORTED_VERSION, 'Unsupported match type 7'],
      [[{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], ErrorCode.INVALID_REQUEST, 'Entity type user cannot appear more than once in the filter.'],
      [[{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], ErrorCode.INVALID_REQUEST, 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.'],
    ];
    for (const [components, code, message] of badFilters) {
      const result = await describeQuotas(admin, components);
      expect([result.errorCode, result.errorMessage]).toEqual([code, message]);
    }
  });

  it('the configs command sets, describes and deletes quotas like kafka-configs.sh', async () => {
    const base = ['configs', '--bootstrap-server', address];
    const forUser = await cli([...base, '--alter', '--add-config', 'producer_byte_rate=1048576,request_percentage=25.5', '--entity-type', 'users', '--entity-name', 'carol']);
    expect(forUser.stderr).toBe('');
    expect(forUser.stdout).toBe('Completed updating config for user carol.\n');
    const userClient = await cli([...base, '--alter', '--add-config', 'consumer_byte_rate=20000000', '--entity-type', 'users', '--entity-name', 'carol', '--entity-type', 'clients', '--entity-default']);
    expect(userClient.stdout).toBe('Completed updating config for user carol.\n');
    const defaults = await cli([...base, '--alter', '--add-config', 'producer_byte_rate=2048', '--entity-type', 'clients', '--entity-default']);
    expect(defaults.stdout).toBe('Completed updating default config for clients in the cluster.\n');

    const described = await cli([...base, '--describe', '--entity-type', 'users', '--entity-name', 'carol']);
    expect(described.stdout).toBe("Quota configs for user-principal 'carol' are producer_byte_rate=1048576.0, request_percentage=25.5\n");
    const both = await cli([...base, '--describe', '--entity-type', 'users', '--entity-name', 'carol', '--entity-type', 'clients', '--entity-default']);
    expect(both.stdout).toBe("Quota configs for user-principal 'carol', the default client-id are consumer_byte_rate=2.0E7\n");
    const clients = await cli([...base, '--describe', '--entity-type', 'clients', '--entity-default']);
    expect(clients.stdout).toBe('Quota configs for the default client-id are producer_byte_rate=2048.0\n');

    const deleted = await cli([...base, '--alter', '--delete-config', 'request_percentage', '--entity-type', 'users', '--entity-name', 'carol']);
    expect(deleted.code).toBe(0);
    expect((await cli([...base, '--describe', '--entity-type', 'users', '--entity-name', 'carol'])).stdout).toBe("Quota configs for user-principal 'carol' are producer_byte_rate=1048576.0\n");

    const refused = await cli([...base, '--alter', '--add-config', 'producer_byte_rate=0.5', '--entity-type', 'clients', '--entity-name', 'x']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('producer_byte_rate cannot be a fractional value.');
    const unknownKey = await cli([...base, '--alter', '--add-config', 'producer_byte_rate=5,bogus=1', '--entity-type', 'clients', '--entity-name', 'x']);
    expect(unknownKey.code).toBe(2);

    // Restarted on the same data dir, the broker still has them.
    await kafka.broker().restart();
    expect((await cli([...base, '--describe', '--entity-type', 'clients', '--entity-default'])).stdout).toBe('Quota configs for the default client-id are producer_byte_rate=2048.0\n');
    const admin = await openWire(address, 'quota-admin');
    expect((await describeQuotas(admin, [])).entries).toEqual([
      { entity: 'client-id=<default>', values: { producer_byte_rate: 2048 } },
      { entity: 'user=carol', values: { producer_byte_rate: 1048576 } },
      { entity: 'user=carol,client-id=<default>', values: { consumer_byte_rate: 20000000 } },
    ]);
    await alter(admin, [
      { entity: [client(null)], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] },
      { entity: [user('carol')], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] },
      { entity: [user('carol'), client(null)], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] },
    ]);
  });
});

describe('throttling (KIP-219)', () => {
  it('a producer over producer_byte_rate gets throttle_time_ms and its connection waits that long; another client id is not throttled', async () => {
    const admin = await openWire(address, 'quota-admin');
    // The plaintext principal is User:ANONYMOUS: the most specific entity wins over the client default.
    await alter(admin, [
      { entity: [user('ANONYMOUS'), client('slow-producer')], ops: [{ key: 'producer_byte_rate', value: 1000 }] },
      { entity: [client(null)], ops: [{ key: 'producer_byte_rate', value: 1_000_000 }] },
    ]);
    const slow = await openWire(address, 'slow-producer');
    const fast = await openWire(address, 'fast-producer');
    // The first 10 s window holds 10 000 bytes at 1000 B/s: 4 KB is within, 12 KB is not.
    const first = await slow.request(ApiKeys.Produce, 9, produceBody('produced', 4000));
    expect(first.throttleTimeMs).toBe(0);
    const second = await slow.request(ApiKeys.Produce, 9, produceBody('produced', 8000));
    expect(second.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE); // appended all the same
    expect(second.throttleTimeMs).toBeGreaterThan(1000);

    // The slow connection is muted: its next request is not taken up until the throttle time passes.
    const waiting = tracked(slow.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
    const other = await fast.request(ApiKeys.Produce, 9, produceBody('produced', 12000));
    expect(other.throttleTimeMs).toBe(0);
    await fast.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(waiting.settled()).toBe(false);
    await kafka.clock.advance(second.throttleTimeMs - 1);
    await fast.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(waiting.settled()).toBe(false);
    await kafka.clock.advance(1);
    const metadata = await waiting.promise;
    expect(metadata.topics.map((t) => t.name)).toContain('produced');

    // acks=0 gets no response, but its bytes count and the connection is muted all the same.
    await kafka.clock.advance(20_000);
    await slow.request(ApiKeys.Produce, 9, { ...produceBody('produced', 12000), acks: 0 }, { noResponse: true });
    const afterAcks0 = tracked(slow.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }));
    await fast.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(afterAcks0.settled()).toBe(false);
    await kafka.clock.advance(20_000);
    await afterAcks0.promise;
    await alter(admin, [
      { entity: [user('ANONYMOUS'), client('slow-producer')], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] },
      { entity: [client(null)], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] },
    ]);
  });

  it('a consumer over consumer_byte_rate gets an empty Fetch response with throttle_time_ms, and its data once the window has room', async () => {
    const admin = await openWire(address, 'quota-admin');
    const producer = await openWire(address, 'fill');
    for (let i = 0; i < 2; i++) expect((await producer.request(ApiKeys.Produce, 9, produceBody('fetched', 1000))).throttleTimeMs).toBe(0);
    await alter(admin, [{ entity: [client('slow-consumer')], ops: [{ key: 'consumer_byte_rate', value: 150 }] }]);
    const consumer = await openWire(address, 'slow-consumer');
    const topicId = (await consumer.request(ApiKeys.Metadata, 12, { topics: [{ name: 'fetched', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0]!.topicId;
    const fetchAt = (offset: bigint) => consumer.request(ApiKeys.Fetch, 13, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1_000_000, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1100 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    // 10 s of 150 B/s is 1500 bytes: the first batch fits, the second does not.
    const first = await fetchAt(0n);
    expect(first.throttleTimeMs).toBe(0);
    expect(first.responses[0]!.partitions[0]!.records?.length).toBeGreaterThan(1000);
    const second = await fetchAt(1n);
    expect(second.throttleTimeMs).toBeGreaterThan(0);
    expect(second.responses).toEqual([]);
    // Its bytes were taken back: once the first batch has left the window, the same fetch is answered.
    await kafka.clock.advance(11_000);
    const third = await fetchAt(1n);
    expect(third.throttleTimeMs).toBe(0);
    expect(third.responses[0]!.partitions[0]!.records?.length).toBeGreaterThan(1000);
    await alter(admin, [{ entity: [client('slow-consumer')], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] }]);
  });

  it('request_percentage throttles on handling time, at most one window', async () => {
    const admin = await openWire(address, 'quota-admin');
    // Connected first: its ApiVersions would be throttled too, and muted until the clock moves.
    const busy = await openWire(address, 'busy');
    await alter(admin, [{ entity: [client('busy')], ops: [{ key: 'request_percentage', value: 0.000001 }] }]);
    const response = await busy.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(response.throttleTimeMs).toBeGreaterThan(0);
    expect(response.throttleTimeMs).toBeLessThanOrEqual(1000);
    const idle = await openWire(address, 'not-busy');
    expect((await idle.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).throttleTimeMs).toBe(0);
    await alter(admin, [{ entity: [client('busy')], ops: [{ key: 'request_percentage', value: 0, remove: true }] }]);
    await kafka.clock.advance(1000);
  });
});
