import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { decodeAssignment } from './support/group-protocol.js';
import { killAll, run, start, type Child } from './support/processes.js';
import { consumedRecords, produce } from './support/produce.js';
import { waitFor } from '../../support/wait-for.js';

// librdkafka 2.0.2 group consumers: confluent-kafka-python with each assignment strategy,
// kcat -G, and static membership (group.instance.id).

const PYTHON = '/usr/bin/python3';
const CONSUMER_SCRIPT = join(import.meta.dirname, 'support', 'confluent_consumer.py');

let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent'), config: { 'group.min.session.timeout.ms': 500 } });
  bootstrap = kafka.bootstrapServers[0]!;
});
afterEach(() => killAll());
afterAll(async () => {
  killAll();
  await kafka?.stop();
});

function confluentConsumer(env: Record<string, string>): Child {
  return start(PYTHON, [CONSUMER_SCRIPT], { BOOTSTRAP: bootstrap, ...env });
}

function endOffsets(topic: string): number[] {
  return kafka.broker().instance.replicaManager.partitionsOf(topic).map((p) => p.logEndOffset);
}

function committedOffsets(group: string, topic: string, partitions: number): number[] {
  const g = kafka.broker().instance.groupCoordinator.group(group);
  return Array.from({ length: partitions }, (_, p) => g?.offset(topic, p)?.offset ?? -1);
}

/** The group is Stable with `size` members, each holding part of the assignment. */
function stableWithAssignments(group: string, size: number): Map<string, Record<string, number[]>> | undefined {
  const g = kafka.broker().instance.groupCoordinator.group(group);
  if (g?.state !== 'Stable' || g.size !== size) return undefined;
  const assignments = new Map([...g.members.values()].map((m) => [m.memberId, m.assignment.length > 0 ? decodeAssignment(m.assignment) : {}]));
  return [...assignments.values()].every((a) => Object.values(a).flat().length > 0) ? assignments : undefined;
}

describe('confluent-kafka-python (librdkafka 2.0.2)', () => {
  for (const strategy of ['range', 'roundrobin', 'cooperative-sticky']) {
    it(`two consumers with partition.assignment.strategy=${strategy} split the topic and commit everything`, async () => {
      const topic = `rd-${strategy}`;
      const group = `rd-group-${strategy}`;
      kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 4, replicationFactor: 1 });
      const env = { GROUP: group, TOPIC: topic, STRATEGY: strategy, SESSION_TIMEOUT: '10000' };
      const a = confluentConsumer({ ...env, CLIENT_ID: 'a' });
      const b = confluentConsumer({ ...env, CLIENT_ID: 'b' });
      const assignments = await waitFor(() => stableWithAssignments(group, 2), { timeoutMs: 40_000, intervalMs: 100 });
      expect(kafka.broker().instance.groupCoordinator.group(group)!.protocolName).toBe(strategy);
      const owned = [...assignments.values()].flatMap((a) => a[topic] ?? []).sort();
      expect(owned).toEqual([0, 1, 2, 3]);

      await produce(bootstrap, topic, 80);
      await waitFor(() => {
        const seen = new Set([...consumedRecords(a.lines), ...consumedRecords(b.lines)].map((r) => `${r.p}:${r.o}`));
        return seen.size === 80 ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100 });
      expect(consumedRecords(a.lines).length).toBeGreaterThan(0);
      expect(consumedRecords(b.lines).length).toBeGreaterThan(0);
      await waitFor(() => (committedOffsets(group, topic, 4).join() === endOffsets(topic).join() ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });

      a.process.kill('SIGTERM');
      b.process.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
      // Both sent LeaveGroup: the group is empty, its offsets stay.
      expect(kafka.broker().instance.groupCoordinator.group(group)?.state).toBe('Empty');
      expect(committedOffsets(group, topic, 4)).toEqual(endOffsets(topic));
    }, 60_000);
  }

  it('keeps a restarted static member (group.instance.id) in its place without a rebalance', async () => {
    const topic = 'rd-static';
    const group = 'rd-static-group';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 2, replicationFactor: 1 });
    const env = { GROUP: group, TOPIC: topic, INSTANCE_ID: 'static-1', SESSION_TIMEOUT: '10000' };
    const first = confluentConsumer(env);
    await waitFor(() => stableWithAssignments(group, 1), { timeoutMs: 30_000, intervalMs: 100 });
    await produce(bootstrap, topic, 10, 'before');
    await waitFor(() => (consumedRecords(first.lines).length === 10 ? true : undefined), { timeoutMs: 30_000 });
    const before = kafka.broker().instance.groupCoordinator.group(group)!;
    const generation = before.generationId;
    const oldMemberId = [...before.members.keys()][0]!;

    // A crash: no LeaveGroup (librdkafka never sends one for static members anyway).
    first.process.kill('SIGKILL');
    await first.exited;
    const second = confluentConsumer(env);
    await produce(bootstrap, topic, 10, 'after');
    await waitFor(() => (consumedRecords(second.lines).length === 10 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    const after = kafka.broker().instance.groupCoordinator.group(group)!;
    expect(after.generationId).toBe(generation);
    expect(after.size).toBe(1);
    expect(after.staticMembers.get('static-1')).not.toBe(oldMemberId);
    // It resumed from the committed offsets: only the new records.
    expect(Math.min(...consumedRecords(second.lines).map((r) => r.o))).toBeGreaterThan(0);
    second.process.kill('SIGTERM');
    await second.exited;
  }, 60_000);
});

describe('kcat -G', () => {
  it('consumes as a balanced consumer, commits, and resumes from the committed offsets', async () => {
    const topic = 'kcat-group';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 3, replicationFactor: 1 });
    await produce(bootstrap, topic, 30, 'first');
    const args = ['-b', bootstrap, '-G', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-f', '%p:%o\n', '-q'];
    const firstRun = await run('kcat', [...args, '-c', '30', topic], { timeoutMs: 40_000 });
    expect(firstRun.code).toBe(0);
    expect(new Set(firstRun.stdout.trim().split('\n')).size).toBe(30);
    expect(committedOffsets('kcat-group', topic, 3)).toEqual(endOffsets(topic));

    await produce(bootstrap, topic, 6, 'second');
    const secondRun = await run('kcat', [...args, '-c', '6', topic], { timeoutMs: 40_000 });
    expect(secondRun.code).toBe(0);
    const resumed = secondRun.stdout.trim().split('\n').map((l) => l.split(':').map(Number) as [number, number]);
    const firstEnds = Object.fromEntries(firstRun.stdout.trim().split('\n').map((l) => l.split(':').map(Number)).reduce((m, [p, o]) => m.set(p!, Math.max(m.get(p!) ?? -1, o!)), new Map<number, number>()));
    expect(resumed.every(([p, o]) => o > (firstEnds[p] ?? -1))).toBe(true);
    expect(committedOffsets('kcat-group', topic, 3)).toEqual(endOffsets(topic));
  }, 60_000);
});
