import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';

import { readOffsetsTopic } from './support/offsets-topic.js';
import { killAll, start } from './support/processes.js';
import { waitFor } from '../../support/wait-for.js';

// Three kafkajs consumers share six partitions; one leaves cleanly, one is killed (no
// LeaveGroup: only its session timeout tells the coordinator). Every record must be
// processed and the group's committed offsets must only move forward.

const TOPIC = 'orders';
const GROUP = 'order-processors';
const PARTITIONS = 6;
const PER_ROUND = 120;
const SESSION = { sessionTimeout: 2500, rebalanceTimeout: 5000, heartbeatInterval: 250 };

let kafka: EmbeddedKafka;
const consumers: Consumer[] = [];

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent'), config: { 'group.min.session.timeout.ms': 500 } });
  kafka.broker().instance.controller.createTopic({ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 });
});

afterAll(async () => {
  killAll();
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await kafka?.stop();
});

it('shares partitions, survives a leave and a crash, processes everything, never commits backwards', async () => {
  const client = new Kafka({ clientId: 'group-test', brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING });
  const producer = client.producer();
  await producer.connect();
  let sent = 0;
  const produceRound = async () => {
    const messages = Array.from({ length: PER_ROUND }, () => ({ key: `k${sent}`, value: `v${sent++}` }));
    await producer.send({ topic: TOPIC, messages });
  };

  const processed = new Set<string>();
  const assignments = new Map<string, number[]>();
  const startConsumer = async (name: string) => {
    const consumer = client.consumer({ groupId: GROUP, ...SESSION, maxWaitTimeInMs: 200 });
    consumers.push(consumer);
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment[TOPIC] ?? []));
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        processed.add(`${partition}:${message.offset}`);
        await new Promise((r) => setTimeout(r, 2));
      },
    });
    return consumer;
  };

  const crashing = start(process.execPath, [join(import.meta.dirname, 'support', 'kafkajs-consumer.mjs')], {
    BOOTSTRAP: kafka.bootstrapServers[0]!, GROUP, TOPIC, CLIENT_ID: 'crashing',
    SESSION_TIMEOUT: String(SESSION.sessionTimeout), REBALANCE_TIMEOUT: String(SESSION.rebalanceTimeout), HEARTBEAT_INTERVAL: String(SESSION.heartbeatInterval), PROCESS_DELAY_MS: '2',
  });
  const leaving = await startConsumer('leaving');
  await startConsumer('staying');
  await produceRound();

  // All three share the group: six partitions, two each, none twice.
  await waitFor(() => {
    const group = kafka.broker().instance.groupCoordinator.group(GROUP);
    if (group?.state !== 'Stable' || group.size !== 3 || group.pendingSyncMembers.size > 0) return undefined;
    return crashing.lines.includes('joined') ? true : undefined;
  }, { timeoutMs: 40_000 });
  const described = await client.admin();
  await described.connect();
  const description = await described.describeGroups([GROUP]);
  await described.disconnect();
  expect(description.groups[0]!.members.length).toBe(3);

  await waitFor(() => (processed.size + crashing.lines.length > PER_ROUND / 2 ? true : undefined), { timeoutMs: 30_000 });
  await leaving.disconnect();
  await produceRound();
  // The killed consumer sends no LeaveGroup: its session has to expire.
  await waitFor(() => (crashing.lines.filter((l) => l.startsWith('{')).length > 0 ? true : undefined), { timeoutMs: 30_000 });
  crashing.process.kill('SIGKILL');
  await produceRound();

  const expected = sent;
  await waitFor(() => {
    const group = kafka.broker().instance.groupCoordinator.group(GROUP);
    if (!group) return undefined;
    let committed = 0;
    for (let p = 0; p < PARTITIONS; p++) committed += group.offset(TOPIC, p)?.offset ?? 0;
    return committed === expected && group.size === 1 ? true : undefined;
  }, { timeoutMs: 45_000, intervalMs: 200 });

  const fromChild = crashing.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { p: number; o: number });
  for (const r of fromChild) processed.add(`${r.p}:${r.o}`);
  const missing: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const end = kafka.broker().instance.replicaManager.partition(TOPIC, p)!.logEndOffset;
    for (let o = 0; o < end; o++) if (!processed.has(`${p}:${o}`)) missing.push(`${p}:${o}`);
  }
  expect(missing).toEqual([]);
  expect(assignments.get('staying')?.sort()).toEqual([0, 1, 2, 3, 4, 5]);

  // Committed offsets, as written to __consumer_offsets, never go backwards.
  const history = readOffsetsTopic(kafka.broker().instance).commits.filter((c) => c.group === GROUP && c.topic === TOPIC);
  expect(history.length).toBeGreaterThan(PARTITIONS);
  const last = new Map<number, number>();
  const backwards: string[] = [];
  for (const commit of history) {
    const previous = last.get(commit.partition) ?? -1;
    if (commit.offset! < previous) backwards.push(`${commit.partition}: ${previous} -> ${commit.offset}`);
    last.set(commit.partition, commit.offset!);
  }
  expect(backwards).toEqual([]);
  await producer.disconnect();
}, 60_000);
