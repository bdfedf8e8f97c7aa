/**
 * The coordinator runtime with fakes of its collaborators and a clock moved by hand: one
 * runtime routes leadership changes to the coordinator of each internal topic, and a load
 * that fault injection delays keeps the partition loading until the clock reaches it, or is
 * cancelled when the leadership goes meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { CoordinatorShard, InternalTopicSpec } from '../../../src/broker/coordinator/runtime/coordinator-topic.js';
import { ManualClock } from '../../../src/broker/manual-clock.js';
import { FakeBroker } from './coordinator-fakes.js';

const spec = (name: string, kind: 'group' | 'transaction'): InternalTopicSpec => ({
  name,
  kind,
  partitionsConfig: kind === 'group' ? 'offsets.topic.num.partitions' : 'transaction.state.log.num.partitions',
  replicationFactorConfig: kind === 'group' ? 'offsets.topic.replication.factor' : 'transaction.state.log.replication.factor',
  configs: () => ({ 'cleanup.policy': 'compact' }),
});

/** A shard that records what the runtime asks of it. */
function recordingShard(events: string[], name: string): CoordinatorShard {
  return { load: (index, epoch) => events.push(`${name} load ${index}@${epoch}`), unload: (index) => events.push(`${name} unload ${index}`) };
}

function build() {
  const clock = new ManualClock();
  const broker = new FakeBroker({ 'offsets.topic.num.partitions': 2, 'transaction.state.log.num.partitions': 2 }, clock);
  const events: string[] = [];
  const groups = broker.runtime.register(spec('__consumer_offsets', 'group'), recordingShard(events, 'groups'));
  const txns = broker.runtime.register(spec('__transaction_state', 'transaction'), recordingShard(events, 'txns'));
  groups.start();
  txns.start();
  return { clock, broker, events, groups, txns };
}

describe('CoordinatorRuntime with fake collaborators', () => {
  it('routes each internal topic\'s leadership changes to its own coordinator and ignores other topics', () => {
    const { broker, events, groups, txns } = build();
    expect(groups.ensureTopic()).toBe(true);
    expect(txns.ensureTopic()).toBe(true);
    broker.createTopic({ name: 'orders', numPartitions: 1, replicationFactor: 1, configs: {} });
    expect(events).toEqual(['groups unload 0', 'groups load 0@0', 'groups unload 1', 'groups load 1@0', 'txns unload 0', 'txns load 0@0', 'txns unload 1', 'txns load 1@0']);
    events.length = 0;
    broker.moveLeader('__transaction_state', 1, 1);
    expect(events).toEqual(['txns unload 1']);
    expect(() => broker.runtime.register(spec('__consumer_offsets', 'group'), recordingShard(events, 'again'))).toThrow(/already has a coordinator/);
  });

  it('keeps a partition loading until the injected delay has passed on the clock', async () => {
    const { clock, broker, events, groups } = build();
    broker.loadDelayMs.group = 5_000;
    groups.ensureTopic();
    expect(groups.isLoading(0)).toBe(true);
    expect(groups.isAnyLoading).toBe(true);
    expect(events).toEqual(['groups unload 0', 'groups unload 1']);
    await clock.advance(4_999);
    expect(groups.isLoading(0)).toBe(true);
    await clock.advance(1);
    expect(groups.isAnyLoading).toBe(false);
    expect(events.slice(2)).toEqual(['groups load 0@0', 'groups load 1@0']);
  });

  it('cancels a delayed load when the leadership goes meanwhile, and stops answering FindCoordinator once stopped', async () => {
    const { clock, broker, events, groups } = build();
    broker.loadDelayMs.group = 5_000;
    groups.ensureTopic();
    broker.moveLeader('__consumer_offsets', 0, 1);
    expect(groups.isLoading(0)).toBe(false);
    await clock.advance(10_000);
    expect(events.filter((e) => e.startsWith('groups load'))).toEqual(['groups load 1@0']);
    groups.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(groups.findCoordinator('any')).toEqual({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 });
  });
});
