/**
 * GroupCoordinator built from fakes of its collaborators (coordinator-fakes.ts): two members
 * join, sync and heartbeat; a member whose session lapses is removed; leadership moves take
 * the groups away and bring them back from the partition's records, through the coordinator
 * runtime. No broker and no sockets.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { GroupCoordinator } from '../../../src/broker/coordinator/group/group-coordinator.js';
import type { JoinGroupParams } from '../../../src/broker/coordinator/group/group-request-params.js';
import type { JoinGroupResult, SyncGroupResult } from '../../../src/broker/coordinator/group/member-metadata.js';
import { FakeBroker } from './coordinator-fakes.js';

const OFFSETS = '__consumer_offsets';
const coordinators: GroupCoordinator[] = [];
afterEach(() => {
  for (const coordinator of coordinators.splice(0)) coordinator.shutdown();
});

function build() {
  const broker = new FakeBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 10, 'offsets.topic.num.partitions': 3 });
  const coordinator = new GroupCoordinator(broker.deps);
  coordinators.push(coordinator);
  coordinator.startup();
  return { broker, coordinator };
}

const joinParams = (groupId: string, memberId: string, sessionTimeoutMs = 30_000): JoinGroupParams => ({
  groupId,
  memberId,
  groupInstanceId: null,
  requireKnownMemberId: false,
  supportSkippingAssignment: false,
  clientId: 'unit',
  clientHost: '/127.0.0.1',
  rebalanceTimeoutMs: 5_000,
  sessionTimeoutMs,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('subscription') }],
});

const join = (coordinator: GroupCoordinator, groupId: string, memberId = '', sessionTimeoutMs?: number) =>
  new Promise<JoinGroupResult>((resolve) => coordinator.joinGroup(joinParams(groupId, memberId, sessionTimeoutMs), resolve));

const sync = (coordinator: GroupCoordinator, groupId: string, joined: JoinGroupResult, assignments: ReadonlyMap<string, Buffer> = new Map()) =>
  new Promise<SyncGroupResult>((resolve) =>
    coordinator.syncGroup({ groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments }, resolve),
  );

/** Two members joined and synced; the leader assigned each its own bytes. */
async function stableGroup(coordinator: GroupCoordinator, groupId: string, sessionTimeoutMs?: number) {
  const [a, b] = await Promise.all([join(coordinator, groupId, '', sessionTimeoutMs), join(coordinator, groupId, '', sessionTimeoutMs)]);
  const leader = a!.leaderId === a!.memberId ? a! : b!;
  const follower = leader === a ? b! : a!;
  const assignments = new Map([[leader.memberId, Buffer.from('leader-part')], [follower.memberId, Buffer.from('follower-part')]]);
  const [leaderSync, followerSync] = await Promise.all([sync(coordinator, groupId, leader, assignments), sync(coordinator, groupId, follower)]);
  return { leader, follower, leaderSync: leaderSync!, followerSync: followerSync! };
}

describe('GroupCoordinator with fake collaborators', () => {
  it('creates __consumer_offsets on first use through the runtime, with the replication factor capped by the live brokers', () => {
    const { broker, coordinator } = build();
    expect(coordinator.findCoordinator('g')).toEqual({ errorCode: ErrorCode.NONE, nodeId: 0 });
    expect(broker.created).toEqual([{ name: OFFSETS, numPartitions: 3, replicationFactor: 1, configs: expect.objectContaining({ 'cleanup.policy': 'compact' }) as Record<string, string> }]);
    // The leader of the group's partition is not live: an election is under way.
    broker.moveLeader(OFFSETS, coordinator.groupManager.partitionFor('g'), 2);
    expect(coordinator.findCoordinator('g')).toEqual({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 });
  });

  it('runs join, sync and heartbeat for two members, persisting the generation to the group partition', async () => {
    const { broker, coordinator } = build();
    const { leader, follower, leaderSync, followerSync } = await stableGroup(coordinator, 'pair');
    expect(leader.generationId).toBe(1);
    expect(follower.generationId).toBe(1);
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([leader.memberId, follower.memberId].sort());
    expect(follower.members).toEqual([]);
    expect(leaderSync.assignment.toString()).toBe('leader-part');
    expect(followerSync.assignment.toString()).toBe('follower-part');
    expect(coordinator.group('pair')?.state).toBe('Stable');
    expect(broker.fakePartition(OFFSETS, coordinator.groupManager.partitionFor('pair')).batches).toHaveLength(1);
    for (const member of [leader, follower]) expect(coordinator.heartbeat('pair', member.memberId, null, 1)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('pair', leader.memberId, null, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.heartbeat('pair', 'stranger', null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes a member whose session lapsed: the other one is told to rejoin', async () => {
    const { coordinator } = build();
    const { leader, follower } = await stableGroup(coordinator, 'lapse', 100);
    // Only the leader keeps heartbeating.
    await vi.waitFor(() => {
      expect(coordinator.heartbeat('lapse', leader.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }, { timeout: 10_000, interval: 20 });
    expect(coordinator.group('lapse')?.has(follower.memberId)).toBe(false);
  });

  it('unloads the groups of a partition it stops leading, and loads them back from its records when it leads again', async () => {
    const { broker, coordinator } = build();
    const { leader, follower } = await stableGroup(coordinator, 'moving');
    const partition = coordinator.groupManager.partitionFor('moving');
    broker.moveLeader(OFFSETS, partition, 1);
    expect(coordinator.group('moving')).toBeUndefined();
    expect(coordinator.heartbeat('moving', leader.memberId, null, 1)).toBe(ErrorCode.NOT_COORDINATOR);
    broker.moveLeader(OFFSETS, partition, 0);
    const loaded = coordinator.group('moving')!;
    expect(loaded.state).toBe('Stable');
    expect(loaded.generationId).toBe(1);
    expect([...loaded.members.keys()].sort()).toEqual([leader.memberId, follower.memberId].sort());
    expect(coordinator.heartbeat('moving', follower.memberId, null, 1)).toBe(ErrorCode.NONE);
  });
});
