import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { assignment, commit, commitErrors, decodeAssignment, heartbeat, join, subscription, sync } from './support/group-protocol.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { waitFor } from '../../support/wait-for.js';

// The coordinator's error paths, driven with raw requests encoded by the project's codec.

let kafka: EmbeddedKafka;
let bootstrap: string;
const clients: KafkaConnection[] = [];

async function client(clientId = 'raw-test-client'): Promise<KafkaConnection> {
  const c = await connectWire(bootstrap, clientId);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    logger: consoleLogger('silent'),
    config: { 'group.min.session.timeout.ms': 100, 'group.max.size': 3, 'offsets.topic.num.partitions': 7 },
  });
  bootstrap = kafka.bootstrapServers[0]!;
  kafka.broker().instance.controller.createTopic({ name: 't', numPartitions: 4, replicationFactor: 1 });
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await kafka?.stop();
});

/** Two members A (leader) and B in a Stable group at generation `generationId`. */
async function stableGroupOfTwo(groupId: string) {
  const a = await client('client-a');
  const b = await client('client-b');
  const first = await join(a, { groupId });
  expect(first.errorCode).toBe(ErrorCode.NONE);
  await sync(a, groupId, first.memberId, first.generationId, [{ memberId: first.memberId, assignment: assignment({ t: [0, 1, 2, 3] }) }]);
  const joinB = join(b, { groupId });
  // A learns about the rebalance from its heartbeat, and rejoins.
  await waitFor(async () => ((await heartbeat(a, groupId, first.memberId, first.generationId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
  const [rejoinA, joinedB] = await Promise.all([join(a, { groupId, memberId: first.memberId }), joinB]);
  expect(rejoinA.generationId).toBe(first.generationId + 1);
  expect(joinedB.generationId).toBe(rejoinA.generationId);
  return { a, b, memberA: rejoinA.memberId, memberB: joinedB.memberId, generationId: rejoinA.generationId, leader: rejoinA.leader };
}

describe('FindCoordinator', () => {
  it('answers every version, creates __consumer_offsets as a compacted topic, and batches keys from v4', async () => {
    const c = await client();
    for (let version = 0; version <= 3; version++) {
      const response = await c.request(ApiKeys.FindCoordinator, version, { key: 'some-group', keyType: 0 });
      expect(response.errorCode).toBe(ErrorCode.NONE);
      expect(response.nodeId).toBe(kafka.broker().instance.nodeId);
      expect(`${response.host}:${response.port}`).toBe(bootstrap);
    }
    const topic = kafka.broker().instance.metadata.topic('__consumer_offsets');
    // offsets.topic.num.partitions (neither Kafka's 50 nor EmbeddedKafka's 5).
    expect(topic?.partitions.length).toBe(7);
    expect(topic?.configs['cleanup.policy']).toBe('compact');

    for (let version = 4; version <= 6; version++) {
      const response = await c.request(ApiKeys.FindCoordinator, version, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
      expect(response.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port])).toEqual([
        ['g1', ErrorCode.NONE, kafka.broker().instance.nodeId, kafka.broker().instance.port],
        ['g2', ErrorCode.NONE, kafka.broker().instance.nodeId, kafka.broker().instance.port],
      ]);
    }
    // Transactional ids (key type 1) are coordinated by the leader of their __transaction_state partition.
    const txn = await c.request(ApiKeys.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx'] });
    expect(txn.coordinators.map((x) => [x.key, x.errorCode, x.nodeId])).toEqual([['tx', ErrorCode.NONE, kafka.broker().instance.nodeId]]);
  });
});

describe('JoinGroup and SyncGroup', () => {
  it('requires a member id from JoinGroup v4 on, and accepts the one it handed out', async () => {
    const c = await client();
    const first = await c.request(ApiKeys.JoinGroup, 5, {
      groupId: 'member-id-required', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null,
      protocolType: 'consumer', protocols: [{ name: 'RoundRobinAssigner', metadata: subscription(['t']) }],
    });
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^raw-test-client-/);
    const second = await join(c, { groupId: 'member-id-required', memberId: first.memberId, protocols: [{ name: 'RoundRobinAssigner', metadata: subscription(['t']) }] });
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.memberId).toBe(first.memberId);
    expect(second.leader).toBe(first.memberId);
    expect(second.protocolName).toBe('RoundRobinAssigner');
    expect(second.members.map((m) => m.memberId)).toEqual([first.memberId]);

    // Before v4 the first JoinGroup joins at once.
    const old = await join(await client(), { groupId: 'old-join', version: 3 });
    expect(old.errorCode).toBe(ErrorCode.NONE);
    expect(old.generationId).toBe(1);
  });

  it('gives a member the leader left out empty assignment bytes, not null', async () => {
    const { a, b, memberA, memberB, generationId, leader } = await stableGroupOfTwo('empty-assignment');
    expect(leader).toBe(memberA);
    const syncB = sync(b, 'empty-assignment', memberB, generationId);
    const syncA = await sync(a, 'empty-assignment', memberA, generationId, [{ memberId: memberA, assignment: assignment({ t: [0, 1, 2, 3] }) }]);
    expect(syncA.errorCode).toBe(ErrorCode.NONE);
    expect(decodeAssignment(syncA.assignment)).toEqual({ t: [0, 1, 2, 3] });
    const resultB = await syncB;
    expect(resultB.errorCode).toBe(ErrorCode.NONE);
    expect(Buffer.isBuffer(resultB.assignment)).toBe(true);
    expect(resultB.assignment.length).toBe(0);
  });

  it('checks the protocol type and name of SyncGroup v5', async () => {
    const c = await client();
    const joined = await join(c, { groupId: 'sync-v5', version: 7 });
    const wrong = await sync(c, 'sync-v5', joined.memberId, joined.generationId, [], { version: 5, protocolType: 'consumer', protocolName: 'roundrobin' });
    expect(wrong.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const right = await sync(c, 'sync-v5', joined.memberId, joined.generationId, [], { version: 5, protocolType: 'consumer', protocolName: 'range' });
    expect(right.errorCode).toBe(ErrorCode.NONE);
    expect(right.protocolName).toBe('range');
    expect(right.protocolType).toBe('consumer');
  });

  it('chooses a protocol every member supports, and rejects members with none in common', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const groupId = 'protocol-choice';
    const protocolsA = [{ name: 'cooperative-sticky', metadata: subscription(['t']) }, { name: 'range', metadata: subscription(['t']) }];
    const first = await join(a, { groupId, protocols: protocolsA });
    expect(first.protocolName).toBe('cooperative-sticky');
    await sync(a, groupId, first.memberId, first.generationId);
    const joinB = join(b, { groupId, protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }, { name: 'range', metadata: subscription(['t']) }] });
    await waitFor(async () => ((await heartbeat(a, groupId, first.memberId, first.generationId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
    const [rejoinA, joinedB] = await Promise.all([join(a, { groupId, memberId: first.memberId, protocols: protocolsA }), joinB]);
    expect(rejoinA.protocolName).toBe('range');
    expect(joinedB.protocolName).toBe('range');

    const inconsistent = await join(c, { groupId, protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }] });
    expect(inconsistent.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await join(c, { groupId, protocolType: 'connect', protocols: [{ name: 'range', metadata: subscription(['t']) }] });
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('rejects session timeouts outside the broker bounds and groups past group.max.size', async () => {
    const c = await client();
    const tooShort = await join(c, { groupId: 'bounds', sessionTimeoutMs: 10 });
    expect(tooShort.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const tooLong = await join(c, { groupId: 'bounds', sessionTimeoutMs: 1_800_001 });
    expect(tooLong.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);

    // Three members with the old JoinGroup v3 (no member id round trip) fill the group: the first
    // forms it, two more start a rebalance that completes when the first rejoins. (While a
    // rebalance is pending, Kafka counts only the members awaiting it, so the fourth is tested
    // against the Stable group of three.)
    const [first, second, third] = await Promise.all([client(), client(), client()]);
    const formed = await join(first, { groupId: 'full', version: 3 });
    const joining = [second, third].map((m) => join(m, { groupId: 'full', version: 3 }));
    await waitFor(() => (kafka.broker().instance.groupCoordinator.group('full')?.members.size === 3 ? true : undefined));
    const rejoined = await join(first, { groupId: 'full', version: 3, memberId: formed.memberId });
    const joined = [rejoined, ...(await Promise.all(joining))];
    expect(joined.map((j) => [j.errorCode, j.generationId])).toEqual(Array(3).fill([ErrorCode.NONE, formed.generationId + 1]));
    const fourth = await join(await client(), { groupId: 'full', version: 3 });
    expect(fourth.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
  });
});

describe('Heartbeat, OffsetCommit and LeaveGroup', () => {
  it('answers wrong generations, unknown members and commits during a rebalance as Kafka does', async () => {
    const groupId = 'errors';
    const { a, b, memberA, memberB, generationId } = await stableGroupOfTwo(groupId);
    await Promise.all([sync(a, groupId, memberA, generationId, [{ memberId: memberA, assignment: assignment({ t: [0, 1] }) }, { memberId: memberB, assignment: assignment({ t: [2, 3] }) }]), sync(b, groupId, memberB, generationId)]);

    expect((await heartbeat(a, groupId, memberA, generationId + 1)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await heartbeat(a, groupId, 'nobody', generationId)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await heartbeat(a, 'no-such-group', memberA, generationId)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commitErrors(await commit(a, groupId, memberA, generationId - 1, [{ topic: 't', partition: 0, offset: 5 }]))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(commitErrors(await commit(a, groupId, 'nobody', generationId, [{ topic: 't', partition: 0, offset: 5 }]))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // A simple commit (generation -1, no member) is refused while the group has members.
    expect(commitErrors(await commit(a, groupId, '', -1, [{ topic: 't', partition: 0, offset: 5 }]))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(commitErrors(await commit(a, groupId, memberA, generationId, [{ topic: 't', partition: 0, offset: 5 }, { topic: 'nope', partition: 0, offset: 1 }]))).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);

    // B rejoins with a new subscription: PreparingRebalance, where A may still commit.
    const rejoinB = join(b, { groupId, memberId: memberB, protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] });
    await waitFor(async () => ((await heartbeat(a, groupId, memberA, generationId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
    expect(commitErrors(await commit(a, groupId, memberA, generationId, [{ topic: 't', partition: 0, offset: 6 }]))).toEqual([ErrorCode.NONE]);
    expect((await sync(a, groupId, memberA, generationId)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    // A rejoins: the group completes the join and waits for the leader's SyncGroup.
    const [rejoinedA, rejoinedB] = await Promise.all([join(a, { groupId, memberId: memberA }), rejoinB]);
    expect(rejoinedA.generationId).toBe(generationId + 1);
    expect(rejoinedB.generationId).toBe(generationId + 1);
    expect(commitErrors(await commit(a, groupId, memberA, generationId + 1, [{ topic: 't', partition: 0, offset: 7 }]))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    expect(commitErrors(await commit(a, groupId, memberA, generationId, [{ topic: 't', partition: 0, offset: 7 }]))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect((await heartbeat(b, groupId, memberB, generationId + 1)).errorCode).toBe(ErrorCode.NONE);

    const fetched = await a.request(ApiKeys.OffsetFetch, 5, { groupId, topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: false });
    expect(fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)])).toEqual([[0, 6], [1, -1]]);

    // LeaveGroup v3 takes several members; unknown ones fail alone.
    const left = await a.request(ApiKeys.LeaveGroup, 3, { groupId, members: [{ memberId: memberA, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }, { memberId: memberB, groupInstanceId: null }] });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NONE]);
    await waitFor(async () => {
      const described = await a.request(ApiKeys.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
      return described.groups[0]!.groupState === 'Empty' ? true : undefined;
    });
    const leaveV0 = await a.request(ApiKeys.LeaveGroup, 0, { groupId, memberId: memberA });
    expect(leaveV0.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('expires a member that stops heartbeating and rebalances the rest', async () => {
    const groupId = 'session-expiry';
    const a = await client();
    const b = await client();
    const first = await join(a, { groupId, sessionTimeoutMs: 1500 });
    await sync(a, groupId, first.memberId, first.generationId);
    const joinB = join(b, { groupId, sessionTimeoutMs: 300 });
    await waitFor(async () => ((await heartbeat(a, groupId, first.memberId, first.generationId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
    const [rejoinA, joinedB] = await Promise.all([join(a, { groupId, memberId: first.memberId, sessionTimeoutMs: 1500 }), joinB]);
    await Promise.all([sync(a, groupId, rejoinA.memberId, rejoinA.generationId), sync(b, groupId, joinedB.memberId, joinedB.generationId)]);

    // B goes silent; A keeps heartbeating until the coordinator asks it to rejoin.
    await waitFor(async () => ((await heartbeat(a, groupId, rejoinA.memberId, rejoinA.generationId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    const alone = await join(a, { groupId, memberId: rejoinA.memberId, sessionTimeoutMs: 1500 });
    expect(alone.generationId).toBe(rejoinA.generationId + 1);
    expect(alone.members.map((m) => m.memberId)).toEqual([rejoinA.memberId]);
    expect((await heartbeat(b, groupId, joinedB.memberId, joinedB.generationId)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('static membership', () => {
  it('lets a restarted static member take its place without a rebalance, and fences the old instance', async () => {
    const groupId = 'static';
    const before = await client();
    const joined = await join(before, { groupId, groupInstanceId: 'instance-1', version: 5 });
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const synced = await sync(before, groupId, joined.memberId, joined.generationId, [{ memberId: joined.memberId, assignment: assignment({ t: [0, 1, 2, 3] }) }], { groupInstanceId: 'instance-1' });
    expect(synced.errorCode).toBe(ErrorCode.NONE);

    const after = await client();
    const rejoined = await join(after, { groupId, groupInstanceId: 'instance-1', version: 5 });
    expect(rejoined.errorCode).toBe(ErrorCode.NONE);
    expect(rejoined.memberId).not.toBe(joined.memberId);
    expect(rejoined.generationId).toBe(joined.generationId);
    const resynced = await sync(after, groupId, rejoined.memberId, rejoined.generationId, [], { groupInstanceId: 'instance-1' });
    expect(decodeAssignment(resynced.assignment)).toEqual({ t: [0, 1, 2, 3] });

    expect((await heartbeat(before, groupId, joined.memberId, joined.generationId, 'instance-1')).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await heartbeat(after, groupId, rejoined.memberId, rejoined.generationId, 'instance-1')).errorCode).toBe(ErrorCode.NONE);
    expect((await heartbeat(after, groupId, rejoined.memberId, rejoined.generationId, 'instance-2')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // An administrator removes it by group.instance.id alone.
    const left = await after.request(ApiKeys.LeaveGroup, 4, { groupId, members: [{ memberId: '', groupInstanceId: 'instance-1' }] });
    expect(left.members[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await heartbeat(after, groupId, rejoined.memberId, rejoined.generationId, 'instance-1')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('flexible versions (as @platformatic/kafka sends them)', () => {
  it('runs a member through JoinGroup v9, SyncGroup v5, Heartbeat v4, OffsetCommit v9, LeaveGroup v5', async () => {
    const groupId = 'flexible';
    const c = await client('flexible-client');
    const joined = await join(c, { groupId, version: 9 });
    expect([joined.errorCode, joined.protocolType, joined.protocolName, joined.skipAssignment]).toEqual([ErrorCode.NONE, 'consumer', 'range', false]);
    const synced = await sync(c, groupId, joined.memberId, joined.generationId, [{ memberId: joined.memberId, assignment: assignment({ t: [0, 1] }) }], { version: 5, protocolType: 'consumer', protocolName: 'range' });
    expect(decodeAssignment(synced.assignment)).toEqual({ t: [0, 1] });
    expect((await heartbeat(c, groupId, joined.memberId, joined.generationId, null, 4)).errorCode).toBe(ErrorCode.NONE);
    expect(commitErrors(await commit(c, groupId, joined.memberId, joined.generationId, [{ topic: 't', partition: 1, offset: 2 }], 9))).toEqual([ErrorCode.NONE]);
    const left = await c.request(ApiKeys.LeaveGroup, 5, { groupId, members: [{ memberId: joined.memberId, groupInstanceId: null, reason: 'done' }] });
    expect(left.members.map((m) => [m.memberId, m.errorCode])).toEqual([[joined.memberId, ErrorCode.NONE]]);
  });

  it('tells a restarted static leader on JoinGroup v9 to skip the assignment', async () => {
    const groupId = 'static-v9';
    const first = await join(await client(), { groupId, groupInstanceId: 'leader-instance', version: 9 });
    await sync(clients.at(-1)!, groupId, first.memberId, first.generationId, [{ memberId: first.memberId, assignment: assignment({ t: [2] }) }], { groupInstanceId: 'leader-instance' });
    const restarted = await join(await client(), { groupId, groupInstanceId: 'leader-instance', version: 9 });
    expect(restarted.skipAssignment).toBe(true);
    expect(restarted.leader).toBe(restarted.memberId);
    expect(restarted.generationId).toBe(first.generationId);
    expect(restarted.members.map((m) => m.groupInstanceId)).toEqual(['leader-instance']);
  });
});

describe('describe, list and delete', () => {
  it('describes, lists with state filters, deletes only empty groups', async () => {
    const groupId = 'admin';
    const c = await client('describe-client');
    const joined = await join(c, { groupId });
    await sync(c, groupId, joined.memberId, joined.generationId, [{ memberId: joined.memberId, assignment: assignment({ t: [0] }) }]);

    const described = await c.request(ApiKeys.DescribeGroups, 5, { groups: [groupId, 'never-seen'], includeAuthorizedOperations: true });
    const group = described.groups[0]!;
    expect([group.groupState, group.protocolType, group.protocolData]).toEqual(['Stable', 'consumer', 'range']);
    expect(group.members.map((m) => [m.memberId, m.clientId, m.clientHost])).toEqual([[joined.memberId, 'describe-client', '/127.0.0.1']]);
    expect(decodeAssignment(group.members[0]!.memberAssignment)).toEqual({ t: [0] });
    expect(group.authorizedOperations).not.toBe(-2147483648);
    expect(described.groups[1]!.groupState).toBe('Dead');

    const stable = await c.request(ApiKeys.ListGroups, 4, { statesFilter: ['Stable'] });
    expect(stable.groups.map((g) => g.groupId)).toContain(groupId);
    expect(stable.groups.every((g) => g.groupState === 'Stable')).toBe(true);
    const empty = await c.request(ApiKeys.ListGroups, 5, { statesFilter: ['empty'], typesFilter: [] });
    expect(empty.groups.map((g) => g.groupId)).not.toContain(groupId);
    const all = await c.request(ApiKeys.ListGroups, 0, {});
    expect(all.groups.find((g) => g.groupId === groupId)?.protocolType).toBe('consumer');

    expect((await commit(c, groupId, joined.memberId, joined.generationId, [{ topic: 't', partition: 0, offset: 3 }])).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const notEmpty = await c.request(ApiKeys.DeleteGroups, 1, { groupsNames: [groupId, 'never-seen'] });
    expect(notEmpty.results.map((r) => r.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    const subscribed = await c.request(ApiKeys.OffsetDelete, 0, { groupId, topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(subscribed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);

    await c.request(ApiKeys.LeaveGroup, 1, { groupId, memberId: joined.memberId });
    const deleted = await c.request(ApiKeys.DeleteGroups, 2, { groupsNames: [groupId] });
    expect(deleted.results[0]!.errorCode).toBe(ErrorCode.NONE);
    const after = await c.request(ApiKeys.OffsetFetch, 8, { groups: [{ groupId, topics: null }], requireStable: false });
    expect(after.groups[0]!.topics).toEqual([]);
    expect((await c.request(ApiKeys.DescribeGroups, 0, { groups: [groupId] })).groups[0]!.groupState).toBe('Dead');
  });
});

describe('simple consumers and offsets', () => {
  it('stores commits without group management, checks metadata size, fetches by group, deletes offsets', async () => {
    const c = await client();
    const ok = await commit(c, 'simple', '', -1, [{ topic: 't', partition: 0, offset: 10, metadata: 'm0' }, { topic: 't', partition: 1, offset: 20 }], 2);
    expect(commitErrors(ok)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    const tooLarge = await commit(c, 'simple', '', -1, [{ topic: 't', partition: 2, offset: 1, metadata: 'x'.repeat(4097) }, { topic: 't', partition: 3, offset: 30 }], 8);
    expect(commitErrors(tooLarge)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    // A member of a generation of a group that does not exist.
    expect(commitErrors(await commit(c, 'ghost-group', 'm', 1, [{ topic: 't', partition: 0, offset: 1 }], 8))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(commitErrors(await commit(c, 'ghost-group', 'm', 1, [{ topic: 't', partition: 0, offset: 1 }], 9))).toEqual([ErrorCode.GROUP_ID_NOT_FOUND]);

    const v1 = await c.request(ApiKeys.OffsetFetch, 1, { groupId: 'simple', topics: [{ name: 't', partitionIndexes: [0, 2] }] });
    expect(v1.topics[0]!.partitions.map((p) => [Number(p.committedOffset), p.metadata, p.errorCode])).toEqual([[10, 'm0', 0], [-1, '', 0]]);
    const allOffsets = await c.request(ApiKeys.OffsetFetch, 3, { groupId: 'simple', topics: null });
    expect(allOffsets.topics[0]!.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)])).toEqual([[0, 10], [1, 20], [3, 30]]);
    const multi = await c.request(ApiKeys.OffsetFetch, 8, {
      groups: [{ groupId: 'simple', topics: [{ name: 't', partitionIndexes: [1] }] }, { groupId: 'unknown-group', topics: [{ name: 't', partitionIndexes: [1] }] }],
      requireStable: true,
    });
    expect(multi.groups.map((g) => [g.groupId, g.errorCode, Number(g.topics[0]!.partitions[0]!.committedOffset)])).toEqual([['simple', 0, 20], ['unknown-group', 0, -1]]);
    const v9 = await c.request(ApiKeys.OffsetFetch, 9, { groups: [{ groupId: 'simple', memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
    expect(v9.groups[0]!.topics[0]!.partitions.length).toBe(3);

    const deleted = await c.request(ApiKeys.OffsetDelete, 0, { groupId: 'simple', topics: [{ name: 't', partitions: [{ partitionIndex: 1 }] }, { name: 'nope', partitions: [{ partitionIndex: 0 }] }] });
    expect(deleted.errorCode).toBe(ErrorCode.NONE);
    expect(deleted.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const left = await c.request(ApiKeys.OffsetFetch, 3, { groupId: 'simple', topics: null });
    expect(left.topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0, 3]);
    expect((await c.request(ApiKeys.OffsetDelete, 0, { groupId: 'unknown-group', topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('group.initial.rebalance.delay.ms', () => {
  it('holds the first rebalance of a new group so that members starting together share generation 1', async () => {
    const delayed = await EmbeddedKafka.start({ logger: consoleLogger('silent'), config: { 'group.initial.rebalance.delay.ms': 1500 } });
    const members = await Promise.all([connectWire(delayed.bootstrapServers[0]!), connectWire(delayed.bootstrapServers[0]!)]);
    try {
      const first = join(members[0]!, { groupId: 'delayed' });
      await new Promise((r) => setTimeout(r, 100));
      const [a, b] = await Promise.all([first, join(members[1]!, { groupId: 'delayed' })]);
      expect([a.errorCode, b.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
      expect([a.generationId, b.generationId]).toEqual([1, 1]);
      expect(a.leader).toBe(b.leader);
      expect((a.leader === a.memberId ? a : b).members.length).toBe(2);
    } finally {
      for (const m of members) m.close();
      await delayed.stop();
    }
  });
});
