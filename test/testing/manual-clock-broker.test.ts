// EmbeddedKafka.start({ clock: 'manual' }): the broker's time moves only on kafka.clock.advance(ms),
// so session timeouts, time-based segment rolls, retention, transaction timeouts and delayed fetches
// happen exactly when the test says. Observations go through admin and wire requests, which
// answer from the broker's state; the clients' own timers stay real.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/kafka-connection.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { EmbeddedKafka, ManualClock } from '../../src/testing/index.js';
import { heartbeat, join as joinGroup, sync } from '../broker/groups/support/group-protocol.js';
import { rawFetch } from '../broker/transactions/support/helpers.js';
import { connectWire } from '../support/wire-client.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let client: Kafka;
let admin: Admin;
const connections: KafkaConnection[] = [];

async function wire(): Promise<KafkaConnection> {
  const connection = await connectWire(kafka.bootstrapServers[0]!);
  connections.push(connection);
  return connection;
}

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    clock: 'manual',
    config: {
      'log.retention.check.interval.ms': 1_000,
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1_000,
      'group.min.session.timeout.ms': 1_000,
    },
  });
  client = new Kafka({ clientId: 'manual-clock', brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
  admin = client.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const connection of connections) connection.close();
  await admin?.disconnect();
  await kafka?.stop();
});

describe('a manual-clock EmbeddedKafka', () => {
  it('stands still from the time it starts at; a system-clock broker has no manual clock to advance', async () => {
    const before = kafka.clock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(kafka.clock.now()).toBe(before);
    const real = await EmbeddedKafka.start();
    const chosen = await EmbeddedKafka.start({ clock: new ManualClock(5_000) });
    try {
      expect(() => real.clock).toThrow(/clock: 'manual'/);
      expect(chosen.clock.now()).toBe(5_000);
    } finally {
      await real.stop();
      await chosen.stop();
    }
  });

  it('expires a group member whose session timeout passes; the group rebalances without it', async () => {
    const groupId = 'expiring-member';
    const [a, b] = [await wire(), await wire()];
    const sessionTimeoutMs = 10_000;
    const protocols = [{ name: 'range', metadata: Buffer.alloc(0) }];
    const options = { groupId, sessionTimeoutMs, rebalanceTimeoutMs: 5_000, protocols };
    // Both join the first generation (the initial rebalance delay is 0: it ends without an advance).
    const first = await joinGroup(a, options);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    await sync(a, groupId, first.memberId, first.generationId);
    // B's join starts a rebalance that waits for A to rejoin, up to the rebalance timeout.
    const joiningB = joinGroup(b, options);
    await waitFor(async () => (await admin.describeGroups([groupId])).groups[0]!.state === 'PreparingRebalance', { what: 'the rebalance B starts' });
    const rejoinA = joinGroup(a, { ...options, memberId: first.memberId });
    const [joinedA, joinedB] = await Promise.all([rejoinA, joiningB]);
    expect(joinedB.generationId).toBe(joinedA.generationId);
    await Promise.all([sync(a, groupId, joinedA.memberId, joinedA.generationId), sync(b, groupId, joinedB.memberId, joinedB.generationId)]);

    // B heartbeats halfway through its session; A never does again.
    await kafka.clock.advance(sessionTimeoutMs / 2);
    expect((await heartbeat(b, groupId, joinedB.memberId, joinedB.generationId)).errorCode).toBe(ErrorCode.NONE);
    expect(await members(groupId)).toHaveLength(2);
    await kafka.clock.advance(sessionTimeoutMs / 2);
    // A's session is over: it is gone and the group waits for B to rejoin.
    expect((await heartbeat(b, groupId, joinedB.memberId, joinedB.generationId)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoinedB = await joinGroup(b, { ...options, memberId: joinedB.memberId });
    expect(rejoinedB.generationId).toBe(joinedB.generationId + 1);
    expect(rejoinedB.members.map((m) => m.memberId)).toEqual([joinedB.memberId]);
    expect((await sync(b, groupId, rejoinedB.memberId, rejoinedB.generationId)).errorCode).toBe(ErrorCode.NONE);
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]!.state).toBe('Stable');
    expect(described.groups[0]!.members.map((m) => m.memberId)).toEqual([joinedB.memberId]);
  });

  it('rolls a segment by segment.ms and deletes it by retention.ms, then removes its files after file.delete.delay.ms', async () => {
    const topic = 'retained-by-time';
    await admin.createTopics({
      topics: [{
        topic,
        numPartitions: 1,
        configEntries: [
          // The broker stamps the records, so their timestamps are the manual clock's.
          { name: 'message.timestamp.type', value: 'LogAppendTime' },
          { name: 'segment.ms', value: '60000' },
          { name: 'retention.ms', value: '120000' },
          { name: 'file.delete.delay.ms', value: '30000' },
        ],
      }],
    });
    const producer = client.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: 'old' }] });
      await kafka.clock.advance(60_001);
      // Older than segment.ms: this append rolls a new segment at offset 1.
      await producer.send({ topic, messages: [{ value: 'new' }] });
    } finally {
      await producer.disconnect();
    }
    const dir = join(kafka.dataDir, `${topic}-0`);
    const segmentFiles = (suffix: string) => readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
    expect(segmentFiles('.log')).toEqual(['00000000000000000000.log', '00000000000000000001.log']);
    expect((await admin.fetchTopicOffsets(topic))[0]!.low).toBe('0');

    // The first segment's newest record is 120 s + 1 ms old once the clock has moved this far.
    await kafka.clock.advance(59_999);
    expect((await admin.fetchTopicOffsets(topic))[0]!.low).toBe('0');
    await kafka.clock.advance(1_001);
    expect((await admin.fetchTopicOffsets(topic))[0]!.low).toBe('1');
    expect(segmentFiles('.log')).toEqual(['00000000000000000001.log']);
    expect(segmentFiles('.log.deleted')).toEqual(['00000000000000000000.log.deleted']);

    await kafka.clock.advance(30_000);
    expect(segmentFiles('.deleted')).toEqual([]);
    expect(existsSync(join(dir, '00000000000000000001.log'))).toBe(true);
  });

  it('aborts a transaction that outlives its timeout', async () => {
    const topic = 'timed-out-transactions';
    const transactionalId = 'slow-transaction';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = client.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 20_000 });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: [{ value: 'never committed' }] });
      const connection = await wire();
      const state = async () => (await connection.request(ApiKeys.DescribeTransactions, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!.transactionState;
      expect(await state()).toBe('Ongoing');
      await kafka.clock.advance(19_000);
      expect(await state()).toBe('Ongoing');
      // Past the timeout, the next check (every second) aborts it.
      await kafka.clock.advance(2_000);
      expect(await state()).not.toBe('Ongoing');
      // Its markers are written once the abort is decided; the state says when.
      await waitFor(async () => (await state()) === 'CompleteAbort', { what: 'the abort markers' });
      const fetched = await rawFetch(connection, topic, 0, 0, 1);
      expect(fetched.lastStableOffset).toBe(fetched.highWatermark);
      expect(fetched.abortedTransactions).toHaveLength(1);
      expect(fetched.batches.filter((batch) => !batch.isControl).flatMap((batch) => batch.values)).toEqual(['never committed']);
    } finally {
      await producer.disconnect();
    }
  });

  it('answers a fetch that finds no data at its max wait, not before', async () => {
    const topic = 'quiet-topic';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const connection = await wire();
    let answered = false;
    const fetch = connection
      .request(ApiKeys.Fetch, 11, {
        replicaId: -1,
        maxWaitMs: 5_000,
        minBytes: 1,
        maxBytes: 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
        forgottenTopicsData: [],
        rackId: '',
      })
      .then((response) => {
        answered = true;
        return response;
      });
    // Parked: its max wait is a timer on the manual clock.
    const due = kafka.clock.now() + 5_000;
    await waitFor(() => kafka.broker().instance.replicaManager.fetchPurgatory.size === 1, { what: 'the parked fetch' });
    await kafka.clock.advance(4_999);
    // A round trip on another connection: an answer sent by now would have arrived.
    await (await wire()).request(ApiKeys.ApiVersions, 0, {});
    expect(answered).toBe(false);
    expect(kafka.clock.now()).toBe(due - 1);
    await kafka.clock.advance(1);
    const response = await fetch;
    const partition = response.responses[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(ErrorCode.NONE);
    expect(partition.records?.length ?? 0).toBe(0);
  });
});

async function members(groupId: string): Promise<string[]> {
  const described = await admin.describeGroups([groupId]);
  return described.groups[0]!.members.map((m) => m.memberId);
}
