import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { javaStringHashCode, partitionForKey } from '../../../src/broker/coordinator/group/java-string-hash.js';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { KafkaBroker } from '../../../src/broker/kafka-broker.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { assignment, commit, commitErrors, heartbeat, join as joinGroup, subscription, sync } from './support/group-protocol.js';
import { readOffsetsTopic } from './support/offsets-topic.js';
import { produce } from './support/produce.js';
import { systemClock } from '../../../src/broker/clock.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// Groups and offsets live in the compacted __consumer_offsets topic, in Kafka's formats:
// they survive a restart on the same data dir, deleted groups leave tombstones, and
// offsets.retention.minutes expires what nobody uses.

const dirs: string[] = [];
const clients: KafkaConnection[] = [];
let running: Array<{ stop(): Promise<void> }> = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamwright-groups-'));
  dirs.push(dir);
  return dir;
}
async function client(bootstrap: string): Promise<KafkaConnection> {
  const c = await connectWire(bootstrap);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.allSettled(running.map((b) => b.stop()));
  running = [];
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('places groups by Java String.hashCode like Kafka', () => {
  // Well-known Java values, including the one string that hashes to Integer.MIN_VALUE.
  expect(javaStringHashCode('hello')).toBe(99162322);
  expect(javaStringHashCode('Hello World')).toBe(-862545276);
  expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  expect(partitionForKey('polygenelubricants', 50)).toBe(0);
  expect(partitionForKey('Hello World', 50)).toBe(22);
  expect(partitionForKey('test-group', 50)).toBe(12);
});

it('keeps groups, members and committed offsets across a restart, and consumers resume from them', async () => {
  const dir = dataDir();
  const config = { 'group.min.session.timeout.ms': 500 };
  let kafka = await EmbeddedKafka.start({ dataDir: dir, logger: consoleLogger('silent'), config });
  running.push(kafka);
  let bootstrap = kafka.bootstrapServers[0]!;
  kafka.broker().instance.controller.createTopic({ name: 'durable', numPartitions: 3, replicationFactor: 1 });
  await produce(bootstrap, 'durable', 30, 'before');

  // A kafkajs group consumes everything, then leaves: the group is Empty with its offsets.
  const consumeWithKafkajs = async (expected: number) => {
    const seen: Array<{ partition: number; offset: number }> = [];
    const consumer = new Kafka({ clientId: 'durable', brokers: [bootstrap], logLevel: logLevel.NOTHING })
      .consumer({ groupId: 'durable-group', sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'durable', fromBeginning: true });
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, offset: Number(message.offset) });
        if (seen.length === expected) done();
      },
    });
    await all;
    await consumer.disconnect();
    return seen;
  };
  expect((await consumeWithKafkajs(30)).length).toBe(30);

  // A simple commit, a live member, and a group that is deleted.
  const c = await client(bootstrap);
  expect(commitErrors(await commit(c, 'simple-durable', '', -1, [{ topic: 'durable', partition: 1, offset: 7, metadata: 'meta' }], 8))).toEqual([0]);
  const live = await joinGroup(c, { groupId: 'live-group', sessionTimeoutMs: 20_000, protocols: [{ name: 'range', metadata: subscription(['durable']) }] });
  await sync(c, 'live-group', live.memberId, live.generationId, [{ memberId: live.memberId, assignment: assignment({ durable: [0, 1, 2] }) }]);
  expect(commitErrors(await commit(c, 'doomed', '', -1, [{ topic: 'durable', partition: 0, offset: 1 }]))).toEqual([0]);
  const deleted = await c.request(ApiKeys.DeleteGroups, 0, { groupsNames: ['doomed'] });
  expect(deleted.results[0]!.errorCode).toBe(ErrorCode.NONE);

  // What is on disk is Kafka's format.
  const records = readOffsetsTopic(kafka.broker().instance);
  const durableCommits = records.commits.filter((r) => r.group === 'durable-group');
  expect(durableCommits.length).toBeGreaterThan(0);
  expect(new Set(durableCommits.map((r) => r.valueVersion))).toEqual(new Set([3]));
  expect(records.groups.filter((g) => g.group === 'durable-group').at(-1)).toMatchObject({ protocolType: 'consumer' });
  expect(records.commits.filter((r) => r.group === 'doomed').map((r) => r.offset)).toEqual([1, null]);
  expect(kafka.broker().instance.replicaManager.settingsOf('__consumer_offsets').log.cleanupPolicy).toContain('compact');
  const before = kafka.broker().instance.groupCoordinator.group('durable-group')!;
  const generation = before.generationId;
  const committed = [0, 1, 2].map((p) => before.offset('durable', p)!.offset);
  expect(committed.reduce((a, b) => a + b, 0)).toBe(30);
  c.close();

  await kafka.stop();
  running = [];
  kafka = await EmbeddedKafka.start({ dataDir: dir, logger: consoleLogger('silent'), config });
  running.push(kafka);
  bootstrap = kafka.bootstrapServers[0]!;

  const after = kafka.broker().instance.groupCoordinator.group('durable-group')!;
  expect([after.state, after.generationId, after.protocolType]).toEqual(['Empty', generation, 'consumer']);
  expect([0, 1, 2].map((p) => after.offset('durable', p)!.offset)).toEqual(committed);
  const simple = kafka.broker().instance.groupCoordinator.group('simple-durable')!.offset('durable', 1)!;
  expect([simple.offset, simple.metadata]).toEqual([7, 'meta']);
  expect(kafka.broker().instance.groupCoordinator.group('doomed')).toBeUndefined();

  // The live member carries on with its generation.
  const again = await client(bootstrap);
  expect((await heartbeat(again, 'live-group', live.memberId, live.generationId)).errorCode).toBe(ErrorCode.NONE);
  const resync = await sync(again, 'live-group', live.memberId, live.generationId);
  expect(resync.assignment).toEqual(assignment({ durable: [0, 1, 2] }));

  await produce(bootstrap, 'durable', 6, 'after');
  const resumed = await consumeWithKafkajs(6);
  expect(resumed.every((r) => r.offset >= committed[r.partition]!)).toBe(true);
}, 60_000);

it('expires offsets after offsets.retention.minutes and drops groups left with nothing', async () => {
  let clock = Date.now();
  const broker = await KafkaBroker.start({
    dataDir: dataDir(),
    logger: consoleLogger('silent'),
    clock: { ...systemClock, now: () => clock },
    config: {
      'offsets.topic.replication.factor': 1, 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0,
      'offsets.retention.minutes': 1, 'group.min.session.timeout.ms': 500,
    },
  });
  running.push(broker);
  broker.controller.createTopic({ name: 'kept', numPartitions: 1, replicationFactor: 1 });
  broker.controller.createTopic({ name: 'dropped', numPartitions: 1, replicationFactor: 1 });
  const c = await client(`${broker.host}:${broker.port}`);

  expect(commitErrors(await commit(c, 'simple', '', -1, [{ topic: 'kept', partition: 0, offset: 3 }]))).toEqual([0]);
  const member = await joinGroup(c, { groupId: 'active', sessionTimeoutMs: 60_000, protocols: [{ name: 'range', metadata: subscription(['kept']) }] });
  await sync(c, 'active', member.memberId, member.generationId, [{ memberId: member.memberId, assignment: assignment({ kept: [0] }) }]);
  expect(commitErrors(await commit(c, 'active', member.memberId, member.generationId, [{ topic: 'kept', partition: 0, offset: 5 }, { topic: 'dropped', partition: 0, offset: 9 }]))).toEqual([0, 0]);

  // Offsets of a deleted topic go at the next check, whatever their age.
  broker.controller.createTopic({ name: 'gone', numPartitions: 1, replicationFactor: 1 });
  expect(commitErrors(await commit(c, 'simple-gone', '', -1, [{ topic: 'gone', partition: 0, offset: 1 }]))).toEqual([0]);
  broker.controller.deleteTopic('gone');

  clock += 30_000;
  broker.groupCoordinator.offsets.cleanupExpiredOffsets();
  expect(broker.groupCoordinator.group('simple')?.offset('kept', 0)?.offset).toBe(3);
  expect(broker.groupCoordinator.group('simple-gone')).toBeUndefined();

  clock += 60_000;
  broker.groupCoordinator.offsets.cleanupExpiredOffsets();
  expect(broker.groupCoordinator.group('simple')).toBeUndefined();
  const active = broker.groupCoordinator.group('active')!;
  // A Stable consumer group keeps the offsets of the topics it subscribes to.
  expect(active.offset('kept', 0)?.offset).toBe(5);
  expect(active.offset('dropped', 0)).toBeUndefined();
  const tombstones = readOffsetsTopic(broker).commits.filter((r) => r.offset === null).map((r) => `${r.group}/${r.topic}`);
  expect(tombstones.sort()).toEqual(['active/dropped', 'simple-gone/gone', 'simple/kept']);

  // Once Empty, all its offsets expire a retention period later, and the group goes.
  await c.request(ApiKeys.LeaveGroup, 3, { groupId: 'active', members: [{ memberId: member.memberId, groupInstanceId: null }] });
  expect(broker.groupCoordinator.group('active')?.state).toBe('Empty');
  clock += 61_000;
  broker.groupCoordinator.offsets.cleanupExpiredOffsets();
  expect(broker.groupCoordinator.group('active')).toBeUndefined();
  expect(readOffsetsTopic(broker).groups.filter((g) => g.group === 'active').at(-1)).toEqual({ group: 'active', protocolType: null, generation: null });
}, 30_000);
