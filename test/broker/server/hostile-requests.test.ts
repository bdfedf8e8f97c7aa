import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import type { KafkaBroker } from '../../../src/broker/kafka-broker.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, closeRawConnections, kafkajsClient, openRaw, startKafka, stopKafkas, type RawConnection } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// Requests that parse but ask for unbounded work (issue 13): each gets Kafka's error code
// before the broker allocates anything for it, and the broker still serves a kafkajs
// produce and consume afterwards.

const TOPIC = 'hostile';
/** Small caps, so that reaching them is quick; the defaults are 10,000 and 4,000. */
const MAX_PARTITIONS_PER_REQUEST = 100;
const MAX_PARTITIONS = 60;
const OFFSETS_PARTITIONS = 5;
const FETCH_MAX_BYTES = 3000;
const MAX_GROUPS = 30;
const MAX_TRANSACTIONAL_IDS = 3;

let kafka: EmbeddedKafka;
let broker: KafkaBroker;
let bootstrap: string;
let client: Kafka;
let raw: RawConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka({
    config: {
      'streamwright.max.partitions.per.request': MAX_PARTITIONS_PER_REQUEST,
      'streamwright.max.partitions': MAX_PARTITIONS,
      'offsets.topic.num.partitions': OFFSETS_PARTITIONS,
      'fetch.max.bytes': FETCH_MAX_BYTES,
      'streamwright.max.groups': MAX_GROUPS,
      'streamwright.max.transactional.ids': MAX_TRANSACTIONAL_IDS,
      'transaction.state.log.num.partitions': 3,
    },
  });
  broker = kafka.broker().instance;
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'hostile-requests-test');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});
afterEach(async () => {
  await cleanup.run();
  closeRawConnections();
});
afterAll(() => stopKafkas());

async function connect(): Promise<RawConnection> {
  raw = await openRaw(bootstrap, 'hostile');
  return raw;
}

function partitionReplicas(): number {
  let count = 0;
  for (const topic of broker.metadata.topics) for (const p of topic.partitions) count += p.replicas.length;
  return count;
}

let roundTrips = 0;
/** The broker still works: kafkajs produces a record and a kafkajs consumer group reads it back. */
async function expectBrokerServes(): Promise<void> {
  const value = `still serving ${++roundTrips}`;
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  const [sent] = await producer.send({ topic: TOPIC, messages: [{ partition: 0, key: 'rt', value }] });
  const consumer = client.consumer({ groupId: `hostile-check-${roundTrips}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  cleanup.add(() => consumer.disconnect());
  let seen: string | undefined;
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.offset === sent!.baseOffset) seen = message.value?.toString();
    },
  });
  await waitFor(() => seen, { what: `kafkajs reads offset ${sent!.baseOffset} back` });
  expect(seen).toBe(value);
}

const createTopic = (name: string, numPartitions: number, replicationFactor = 1) => ({ name, numPartitions, replicationFactor, assignments: [], configs: [] });

describe('hostile CreateTopics and CreatePartitions', () => {
  it('refuses a topic of 2^31-1 partitions with POLICY_VIOLATION, validateOnly or not, and creates nothing', async () => {
    const conn = await connect();
    const before = partitionReplicas();
    for (const validateOnly of [false, true]) {
      const response = await conn.request(ApiKeys.CreateTopics, 7, { topics: [createTopic('huge', 2 ** 31 - 1)], timeoutMs: 5000, validateOnly });
      expect(response.topics[0]).toMatchObject({ name: 'huge', errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Excessively large number of partitions per request.' });
    }
    expect(broker.metadata.topic('huge')).toBeUndefined();
    expect(partitionReplicas()).toBe(before);
    await expectBrokerServes();
  });

  it('fails the whole request when its topics ask for more partitions in all than a request may create', async () => {
    const conn = await connect();
    const half = MAX_PARTITIONS_PER_REQUEST / 2;
    const response = await conn.request(ApiKeys.CreateTopics, 7, {
      topics: [createTopic('sum-a', half), createTopic('sum-b', half), createTopic('sum-c', 1)],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(response.topics.map((t) => t.errorCode)).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
    expect(['sum-a', 'sum-b', 'sum-c'].map((name) => broker.metadata.topic(name))).toEqual([undefined, undefined, undefined]);
  });

  it('counts explicit replica assignments as partitions', async () => {
    const conn = await connect();
    const assignments = Array.from({ length: MAX_PARTITIONS_PER_REQUEST + 1 }, (_, partitionIndex) => ({ partitionIndex, brokerIds: [broker.nodeId] }));
    const response = await conn.request(ApiKeys.CreateTopics, 7, {
      topics: [{ name: 'assigned', numPartitions: -1, replicationFactor: -1, assignments, configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(response.topics[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    expect(broker.metadata.topic('assigned')).toBeUndefined();
  });

  it('answers impossible counts and names with Kafka codes', async () => {
    const conn = await connect();
    const response = await conn.request(ApiKeys.CreateTopics, 7, {
      topics: [
        createTopic('zero', 0),
        createTopic('negative', -7),
        createTopic('wide', 1, 32767),
        createTopic('x'.repeat(250), 1),
        createTopic('x'.repeat(30_000), 1),
        createTopic('bad/name', 1),
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(response.topics.map((t) => t.errorCode)).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.INVALID_REPLICATION_FACTOR,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    ]);
    await expectBrokerServes();
  });

  it('refuses CreatePartitions to 2^31-1 partitions with POLICY_VIOLATION', async () => {
    const conn = await connect();
    const response = await conn.request(ApiKeys.CreatePartitions, 3, { topics: [{ name: TOPIC, count: 2 ** 31 - 1, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(response.results[0]).toMatchObject({ name: TOPIC, errorCode: ErrorCode.POLICY_VIOLATION });
    expect(broker.metadata.topic(TOPIC)!.partitions).toHaveLength(1);
    await expectBrokerServes();
  });

  it('refuses topics past streamwright.max.partitions, from CreateTopics and from Metadata auto-creation', async () => {
    const conn = await connect();
    // Fill the cluster up to the cap (a request may create this many: MAX_PARTITIONS < MAX_PARTITIONS_PER_REQUEST).
    const room = MAX_PARTITIONS - partitionReplicas();
    expect(room).toBeGreaterThan(0);
    const filled = await conn.request(ApiKeys.CreateTopics, 7, { topics: [createTopic('filler', room)], timeoutMs: 5000, validateOnly: false });
    expect(filled.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    cleanup.add(async () => {
      const deleted = await conn.request(ApiKeys.DeleteTopics, 6, { topics: [{ name: 'filler', topicId: '00000000-0000-0000-0000-000000000000' }], timeoutMs: 5000 });
      expect(deleted.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    });

    const created = await conn.request(ApiKeys.CreateTopics, 7, { topics: [createTopic('one-more', 1)], timeoutMs: 5000, validateOnly: false });
    expect(created.topics[0]).toMatchObject({ errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: expect.stringContaining('streamwright.max.partitions') });
    const metadata = await conn.request(ApiKeys.Metadata, 12, { topics: [{ name: 'auto-created' }], allowAutoTopicCreation: true });
    expect(metadata.topics[0]).toMatchObject({ name: 'auto-created', errorCode: ErrorCode.POLICY_VIOLATION });
    expect(broker.metadata.topic('auto-created')).toBeUndefined();
    expect(partitionReplicas()).toBe(MAX_PARTITIONS);
  });
});

describe('answers bounded by the distinct things asked for', () => {
  it('answers a Metadata request naming one topic 100,000 times with one entry', async () => {
    const conn = await connect();
    const response = await conn.request(ApiKeys.Metadata, 12, { topics: Array.from({ length: 100_000 }, () => ({ name: TOPIC })), allowAutoTopicCreation: false });
    expect(response.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([[TOPIC, ErrorCode.NONE, 1]]);
  });

  it('answers a DescribeConfigs request naming one topic 100,000 times with one entry', async () => {
    const conn = await connect();
    const resources = Array.from({ length: 100_000 }, () => ({ resourceType: 2, resourceName: TOPIC, configurationKeys: null }));
    const response = await conn.request(ApiKeys.DescribeConfigs, 4, { resources, includeSynonyms: true, includeDocumentation: false });
    expect(response.results).toHaveLength(1);
    expect(response.results[0]).toMatchObject({ resourceName: TOPIC, errorCode: ErrorCode.NONE });
    expect(response.results[0]!.configs.length).toBeGreaterThan(10);
  });

  it('bounds a fetch asking for 2^31-1 bytes by fetch.max.bytes', async () => {
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanup.add(() => producer.disconnect());
    const value = 'v'.repeat(FETCH_MAX_BYTES / 2);
    const first = await producer.send({ topic: TOPIC, messages: [{ partition: 0, value }] });
    for (let i = 0; i < 4; i++) await producer.send({ topic: TOPIC, messages: [{ partition: 0, value }] });
    const conn = await connect();
    const topicId = broker.metadata.topic(TOPIC)!.topicId;
    const response = await conn.request(ApiKeys.Fetch, 13, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 2 ** 31 - 1,
      isolationLevel: 0,
      topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: BigInt(first[0]!.baseOffset!), partitionMaxBytes: 2 ** 31 - 1 }] }],
    });
    const records = response.responses[0]!.partitions[0]!.records!;
    // Five batches of ~1,570 bytes were written: the answer holds two, not all five.
    expect(records.length).toBeGreaterThan(FETCH_MAX_BYTES / 2);
    expect(records.length).toBeLessThanOrEqual(FETCH_MAX_BYTES);
    await expectBrokerServes();
  });
});

describe('groups and offsets', () => {
  const commit = (conn: RawConnection, groupId: string, topics: Array<{ name: string; partitions: number[] }>) =>
    conn.request(ApiKeys.OffsetCommit, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null })) })),
    });

  it('commits offsets only for partitions that exist', async () => {
    const conn = await connect();
    const response = await commit(conn, 'hostile-offsets', [{ name: TOPIC, partitions: [0, 1, 2 ** 31 - 1] }, { name: 'no-such-topic', partitions: [0] }]);
    expect(response.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([
      [TOPIC, [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      ['no-such-topic', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    ]);
    // Asked 100,000 times for all its offsets, the group is answered once.
    const fetched = await conn.request(ApiKeys.OffsetFetch, 8, { groups: Array.from({ length: 100_000 }, () => ({ groupId: 'hostile-offsets', topics: null })), requireStable: false });
    expect(fetched.groups).toHaveLength(1);
    expect(fetched.groups[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([[TOPIC, [0]]]);
  });

  it('refuses new groups past streamwright.max.groups with POLICY_VIOLATION, from JoinGroup and OffsetCommit', async () => {
    const conn = await connect();
    const existing = (await conn.request(ApiKeys.ListGroups, 4, { statesFilter: [] })).groups.length;
    const fillers = Array.from({ length: MAX_GROUPS - existing }, (_, i) => `filler-${i}`);
    for (const groupId of fillers) expect((await commit(conn, groupId, [{ name: TOPIC, partitions: [0] }])).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);

    expect((await commit(conn, 'one-group-too-many', [{ name: TOPIC, partitions: [0] }])).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    const joined = await conn.request(ApiKeys.JoinGroup, 9, {
      groupId: 'one-group-too-many',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      reason: null,
    });
    expect(joined.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    expect((await conn.request(ApiKeys.ListGroups, 4, { statesFilter: [] })).groups.map((g) => g.groupId)).not.toContain('one-group-too-many');

    // Room again once groups go: the consumer group of the round trip can form.
    const deleted = await conn.request(ApiKeys.DeleteGroups, 2, { groupsNames: fillers });
    expect(deleted.results.map((r) => r.errorCode)).toEqual(fillers.map(() => ErrorCode.NONE));
    await expectBrokerServes();
  });
});

describe('transactional ids', () => {
  it('refuses new transactional ids past streamwright.max.transactional.ids with POLICY_VIOLATION', async () => {
    const conn = await connect();
    const init = (transactionalId: string) =>
      conn.request(ApiKeys.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 10_000, producerId: -1n, producerEpoch: -1 });
    // The first one waits for the transaction log to be created and loaded.
    await waitFor(async () => (await init('txn-0')).errorCode === ErrorCode.NONE, { what: 'the coordinator answers' });
    for (let i = 1; i < MAX_TRANSACTIONAL_IDS; i++) expect((await init(`txn-${i}`)).errorCode).toBe(ErrorCode.NONE);
    expect((await init('one-id-too-many')).errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    // Ids it has already keep working.
    expect((await init('txn-0')).errorCode).toBe(ErrorCode.NONE);
    await expectBrokerServes();
  });
});

describe('nothing kept for a closed connection', () => {
  it('drops a fetch waiting 2^31-1 ms when its client disconnects', async () => {
    const conn = await connect();
    const topicId = broker.metadata.topic(TOPIC)!.topicId;
    const end = (await conn.request(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] })).topics[0]!.partitions[0]!.offset;
    const parked = broker.replicaManager.fetchPurgatory.size;
    await conn.write(conn.encode(ApiKeys.Fetch, 13, {
      replicaId: -1,
      maxWaitMs: 2 ** 31 - 1,
      minBytes: 2 ** 31 - 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: end, partitionMaxBytes: 1 << 20 }] }],
    }));
    await waitFor(() => broker.replicaManager.fetchPurgatory.size === parked + 1, { what: 'the fetch is parked' });
    conn.destroy();
    await waitFor(() => broker.replicaManager.fetchPurgatory.size === parked, { what: 'the parked fetch is dropped' });
    await expectBrokerServes();
  });
});
