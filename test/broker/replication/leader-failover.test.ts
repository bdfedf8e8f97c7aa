import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { Cleanup, kcatReadAll, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, logEndOf, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// Three brokers, a topic with replication factor 3 and min.insync.replicas=2, idempotent
// kafkajs producers at acks=-1: killing the leader moves the producers to the new leader and
// loses or duplicates nothing acknowledged; killing two of three refuses writes
// (NOT_ENOUGH_REPLICAS) and loses nothing; restarted brokers catch up, rejoin the ISR, and the
// preferred leader leads again.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

async function createTopic(kafka: EmbeddedKafka, topic: string): Promise<void> {
  const admin = clusterClient(kafka, 'replication-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function idempotentProducer(kafka: EmbeddedKafka, clientId: string, retries = 30): Promise<Producer> {
  const producer = clusterClient(kafka, clientId, retries).producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  return producer;
}

/** The error types along kafkajs's retry wrappers (`originalError`, `cause`). */
function errorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let e = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined; e; e = (e.originalError ?? e.cause) as typeof e) {
    if (e.type) types.push(e.type);
    if (types.length > 10) break;
  }
  return types;
}

/** Every value in the topic, read back with kcat from the live brokers. */
async function readValues(kafka: EmbeddedKafka, topic: string): Promise<string[]> {
  const live = kafka.nodeIds.filter((id) => kafka.broker(id).isRunning).map((id) => `${kafka.broker(id).instance.host}:${kafka.broker(id).instance.port}`);
  return kcatReadAll(live.join(','), topic, '%s\\n');
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

describe('leader failover', () => {
  it('moves idempotent producers to the new leader and keeps every acknowledged record exactly once', { timeout: 120_000 }, async () => {
    const kafka = await startCluster();
    const topic = 'failover';
    await createTopic(kafka, topic);
    const acknowledged = new Set<string>();
    const producers = await Promise.all([0, 1].map((i) => idempotentProducer(kafka, `failover-${i}`)));

    let killed = false;
    const firstLeader = assignment(kafka, topic).leaderId;
    const sendAll = async (producer: Producer, name: string) => {
      for (let i = 0; i < 150; i++) {
        const values = [0, 1, 2, 3].map((j) => `${name}-${i}-${j}`);
        try {
          await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
          for (const v of values) acknowledged.add(v);
        } catch {
          // Not acknowledged: may or may not be in the log, but at most once.
        }
        if (!killed && acknowledged.size >= 300) {
          killed = true;
          await kafka.broker(firstLeader).kill();
        }
      }
    };
    await Promise.all(producers.map((p, i) => sendAll(p, `p${i}`)));
    expect(killed).toBe(true);

    const now = assignment(kafka, topic);
    expect(now.leaderId).not.toBe(firstLeader);
    expect(now.leaderId).toBeGreaterThanOrEqual(0);
    expect(now.leaderEpoch).toBeGreaterThan(0);
    // Most sends went through despite the failover (the producers retried on the new leader).
    expect(acknowledged.size).toBeGreaterThan(900);

    const values = await readValues(kafka, topic);
    expect(duplicates(values)).toEqual([]);
    const read = new Set(values);
    const lost = [...acknowledged].filter((v) => !read.has(v));
    expect(lost).toEqual([]);

    // The killed broker comes back, truncates what it had beyond the new leader, catches up and rejoins the ISR.
    await kafka.broker(firstLeader).restart();
    await waitFor(() => assignment(kafka, topic).isr.length === 3, { timeoutMs: 30_000, what: 'the restarted broker back in the ISR' });
    await waitFor(() => {
      const ends = kafka.nodeIds.map((id) => logEndOf(kafka, id, topic));
      return ends.every((e) => e === ends[0]);
    }, { timeoutMs: 30_000, what: 'equal log end offsets' });
    expect(duplicates(await readValues(kafka, topic))).toEqual([]);
  });

  it('refuses acks=-1 writes below min.insync.replicas, loses nothing, and lets restarted brokers catch up and lead again', { timeout: 120_000 }, async () => {
    // The controller's imbalance check every second, so the preferred leader returns within the test.
    const kafka = await startCluster({ 'leader.imbalance.check.interval.seconds': 1 });
    const topic = 'min-isr';
    await createTopic(kafka, topic);
    const producer = await idempotentProducer(kafka, 'min-isr');
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic, acks: -1, messages: [{ value: `before-${i}` }] });
      acknowledged.push(`before-${i}`);
    }

    const first = assignment(kafka, topic);
    const survivor = first.replicas.find((id) => id !== first.leaderId)!;
    const victims = first.replicas.filter((id) => id !== survivor);
    for (const id of victims) await kafka.broker(id).kill();
    await waitFor(() => {
      const a = assignment(kafka, topic);
      return a.leaderId === survivor && a.isr.length === 1;
    }, { timeoutMs: 30_000, what: `broker ${survivor} alone leading` });

    const weak = await idempotentProducer(kafka, 'min-isr-weak', 2);
    const failure = await weak.send({ topic, acks: -1, messages: [{ value: 'refused' }] }).then(() => null, (error: unknown) => error);
    expect(failure).not.toBeNull();
    expect(errorTypes(failure)).toContain('NOT_ENOUGH_REPLICAS');

    const whileDown = await readValues(kafka, topic);
    expect(whileDown).toEqual(expect.arrayContaining(acknowledged));
    expect(whileDown).not.toContain('refused');

    for (const id of victims) await kafka.broker(id).restart();
    await waitFor(() => assignment(kafka, topic).isr.length === 3, { timeoutMs: 30_000, what: 'all three back in the ISR' });
    await waitFor(() => kafka.nodeIds.every((id) => logEndOf(kafka, id, topic) === logEndOf(kafka, survivor, topic)), { timeoutMs: 30_000, what: 'followers caught up' });
    // The preferred leader (the first replica, one of the restarted brokers) leads again.
    expect(victims).toContain(first.replicas[0]);
    await waitFor(() => assignment(kafka, topic).leaderId === first.replicas[0], { timeoutMs: 30_000, what: 'the preferred leader back' });

    await weak.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    const values = await readValues(kafka, topic);
    expect(values).toEqual(expect.arrayContaining([...acknowledged, 'after']));
    expect(duplicates(values)).toEqual([]);
  });
});
