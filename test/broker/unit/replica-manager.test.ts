/**
 * ReplicaManager built from fakes of its collaborators (no broker, no sockets): the metadata,
 * the controller's ISR channel, the replica fetchers and the leadership listener are plain
 * objects; only the logs are real files in a temp directory. Covers the one acks=-1 path that
 * Produce and the coordinators share, and the leadership changes it reports.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { systemClock } from '../../../src/broker/clock.js';
import type { TopicMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import type { Partition } from '../../../src/broker/cluster/partition.js';
import { BrokerConfig } from '../../../src/broker/config/broker-config.js';
import type { AckOutcome } from '../../../src/broker/produce-purgatory.js';
import { ReplicaManager, type FollowerFetchers } from '../../../src/broker/replica-manager.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const records = (value: string) => encodeRecordBatchSync({ records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }] });

const managers: ReplicaManager[] = [];
const dirs: string[] = [];
afterEach(async () => {
  // Shutdown writes the clean-shutdown marker after the logs close: done before the directory goes.
  await Promise.all(managers.splice(0).map((manager) => manager.shutdown()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A replica manager of broker 0 over fakes; `replicas` > 1 gives it followers (a fake cluster). */
function build(options: { replicas: number[]; minIsr?: number }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamwright-replica-manager-'));
  dirs.push(dataDir);
  const topic: TopicMetadata = {
    name: 'orders',
    topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
    partitions: [{ partition: 0, replicas: options.replicas, leaderId: 0, leaderEpoch: 0, isr: [...options.replicas] }],
    configs: { 'min.insync.replicas': String(options.minIsr ?? 1) },
  };
  const leadership: Array<[string, number, boolean]> = [];
  const followed: Array<[number, number]> = [];
  const fetchers: FollowerFetchers = { addPartition: (p, leaderId) => followed.push([p.index, leaderId]), removePartition: () => {}, shutdown: () => {} };
  const manager = new ReplicaManager({
    nodeId: 0,
    dataDir,
    config: new BrokerConfig(),
    logger: quiet,
    clock: systemClock,
    metadata: { topics: [topic], topic: (name) => (name === topic.name ? topic : undefined) },
    isrChannel: {
      alterPartitionIsr: (_broker, _topic, _partition, _epoch, isr) => {
        topic.partitions[0]!.isr = [...isr];
        return true;
      },
    },
    fetchers,
    leadership: { onLeadershipChange: (t, index, isLeader) => leadership.push([t, index, isLeader]) },
  });
  managers.push(manager);
  manager.startup();
  return { manager, topic, leadership, followed, partition: manager.partition('orders', 0)! };
}

const append = (manager: ReplicaManager, partition: Partition, value: string) => manager.appendAsLeader(partition, records(value), { requiredAcks: -1, origin: 'client', appendTimeMs: Date.now() });

describe('ReplicaManager with fake collaborators', () => {
  it('leads what it hosts on a single broker, tells the leadership listener, and acknowledges coordinator writes synchronously', () => {
    const { manager, leadership, partition } = build({ replicas: [0] });
    expect(partition.isLeader).toBe(true);
    expect(leadership).toEqual([['orders', 0, true]]);
    const answers: number[] = [];
    manager.appendCoordinatorRecords(partition, records('state'), 30_000, (errorCode) => answers.push(errorCode));
    // The ISR is this broker alone: the answer comes before the call returns.
    expect(answers).toEqual([ErrorCode.NONE]);
    expect(partition.highWatermark).toBe(1);
    expect(manager.producePurgatory.size).toBe(0);
  });

  it('refuses an acks=-1 append up front when the ISR is below min.insync.replicas, and acks=1 goes through', () => {
    const { manager, partition } = build({ replicas: [0], minIsr: 2 });
    expect(() => append(manager, partition, 'x')).toThrow(expect.objectContaining({ code: ErrorCode.NOT_ENOUGH_REPLICAS }) as KafkaProtocolError);
    const answers: number[] = [];
    manager.appendCoordinatorRecords(partition, records('state'), 30_000, (errorCode) => answers.push(errorCode));
    expect(answers).toEqual([ErrorCode.NOT_ENOUGH_REPLICAS]);
    expect(manager.appendAsLeader(partition, records('y'), { requiredAcks: 1, origin: 'client', appendTimeMs: Date.now() }).baseOffset).toBe(0);
  });

  it('checks transactional producers against the verification guard before appending anything', () => {
    const { manager, partition } = build({ replicas: [0] });
    const guard = { verdict: () => ErrorCode.INVALID_TXN_STATE };
    const options = { requiredAcks: 1, origin: 'client' as const, appendTimeMs: Date.now(), verification: { guard, producers: [{ producerId: 7, producerEpoch: 0 }] } };
    expect(() => manager.appendAsLeader(partition, records('late'), options)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TXN_STATE }) as KafkaProtocolError);
    expect(partition.logEndOffset).toBe(0);
  });

  it('answers an acks=-1 append once the follower fetched past it', () => {
    const { manager, partition } = build({ replicas: [0, 1] });
    const { replicated } = append(manager, partition, 'a');
    const outcomes: AckOutcome[][] = [];
    manager.awaitReplication([replicated], 30_000, (o) => outcomes.push(o));
    expect(outcomes).toEqual([]);
    expect(manager.producePurgatory.size).toBe(1);
    // What the Fetch handler does with a follower's fetch.
    partition.updateFollowerFetchState(1, 1);
    manager.partitionStateChanged(partition);
    expect(outcomes).toEqual([[{ errorCode: ErrorCode.NONE, message: null }]]);
    expect(manager.producePurgatory.size).toBe(0);
  });

  it('answers NOT_LEADER_OR_FOLLOWER when the leadership moves before the ISR had the append, and hands the partition to the fetchers', () => {
    const { manager, topic, leadership, followed, partition } = build({ replicas: [0, 1] });
    const coordinatorAnswers: number[] = [];
    manager.appendCoordinatorRecords(partition, records('marker'), 30_000, (errorCode) => coordinatorAnswers.push(errorCode));
    const { replicated } = append(manager, partition, 'client');
    const outcomes: AckOutcome[][] = [];
    manager.awaitReplication([replicated], 30_000, (o) => outcomes.push(o));
    topic.partitions[0] = { ...topic.partitions[0]!, leaderId: 1, leaderEpoch: 1 };
    manager.applyLeadership(topic);
    expect(coordinatorAnswers).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER]);
    expect(outcomes[0]![0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(leadership).toEqual([['orders', 0, true], ['orders', 0, false]]);
    expect(followed).toEqual([[0, 1]]);
  });

  it('answers NOT_LEADER_OR_FOLLOWER for an append of an earlier leader epoch, even led here again', () => {
    const { manager, topic, partition } = build({ replicas: [0, 1] });
    const { replicated } = append(manager, partition, 'a');
    const outcomes: AckOutcome[][] = [];
    manager.awaitReplication([replicated], 30_000, (o) => outcomes.push(o));
    topic.partitions[0] = { ...topic.partitions[0]!, leaderEpoch: 1 };
    manager.applyLeadership(topic);
    expect(partition.isLeader).toBe(true);
    expect(outcomes[0]![0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('ends what still waits with REQUEST_TIMED_OUT at shutdown, keeping outcomes already reached', async () => {
    const { manager, partition } = build({ replicas: [0, 1] });
    const first = append(manager, partition, 'a').replicated;
    partition.updateFollowerFetchState(1, 1);
    const second = append(manager, partition, 'b').replicated;
    const outcomes: AckOutcome[][] = [];
    manager.awaitReplication([first, second], 30_000, (o) => outcomes.push(o));
    expect(outcomes).toEqual([]);
    const stopped = manager.shutdown();
    managers.splice(managers.indexOf(manager), 1);
    // Settled at once, before the logs have closed.
    expect(outcomes[0]!.map((o) => o.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.REQUEST_TIMED_OUT]);
    await stopped;
  });
});
