// The cluster kafkajs's own integration suite runs against (its docker-compose files): three
// brokers with node ids 0, 1, 2 on ports 9092, 9095, 9098, advertised as `localhost`, with
// num.partitions=2, default.replication.factor=2, group.initial.rebalance.delay.ms=0 and auto
// topic creation on, started with `streamwright broker` as a child process and driven by
// kafkajs 2.2.4 through `localhost:9092`.
//
// The fixed ports are the point of this file (tests elsewhere use ephemeral ones). They are
// probed first, on the address the broker will bind; when one of them is taken on this machine
// the same layout (node ids, advertised host, configs) runs on three free ports instead
// (`--port 0`), and the describe block's name says so. A port taken between the probe and the
// bind (EADDRINUSE) falls back the same way; the first test then checks only that the three
// ports differ.
//
// `localhost` is 127.0.0.1 on some machines and ::1 (first) on others: without --host, the
// broker advertised as `localhost` binds the loopback address the name resolves to first, so
// kafkajs, the replica fetchers and a client that tries only that address all reach it.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignerProtocol, ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { killChildren, lines, startBrokerProcess, type BrokerProcess } from './cli-process.js';
import { waitFor } from '../support/wait-for.js';
import { bindAddressOfLocalhost, portIsFree } from './local-ports.js';

const SUITE_PORTS = [9092, 9095, 9098];
const NODE_IDS = [0, 1, 2];
const SUITE_CONFIG = ['num.partitions=2', 'default.replication.factor=2', 'group.initial.rebalance.delay.ms=0', 'auto.create.topics.enable=true', 'delete.topic.enable=true'];

const bindAddress = await bindAddressOfLocalhost();
const suitePortsFree = (await Promise.all(SUITE_PORTS.map((port) => portIsFree(port, bindAddress)))).every(Boolean);

const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-kafkajs-layout-'));
let broker: BrokerProcess | undefined;
/** host:port of brokers 0, 1, 2 from the three "listening on" lines. */
let addresses: string[] = [];
/** Whether the cluster actually runs on 9092/9095/9098 (false after a fallback). */
let onSuitePorts = false;
const admins: Admin[] = [];

function brokerArgs(ports: 'suite' | 'free'): string[] {
  return [
    '--brokers', '3',
    '--node-ids', NODE_IDS.join(','),
    ...(ports === 'suite' ? ['--ports', SUITE_PORTS.join(',')] : ['--port', '0']),
    '--advertised-host', 'localhost',
    '--data-dir', dataDir,
    '--log-level', 'warn',
    ...SUITE_CONFIG.flatMap((entry) => ['--config', entry]),
  ];
}

function kafkaClient(clientId: string, seed = addresses[0]!): Kafka {
  return new Kafka({ clientId, brokers: [seed], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } });
}

async function connectedAdmin(clientId: string, seed?: string): Promise<Admin> {
  const admin = kafkaClient(clientId, seed).admin();
  await admin.connect();
  admins.push(admin);
  return admin;
}

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

async function topicLayout(admin: Admin, topic: string) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })).sort((a, b) => a.partition - b.partition);
}

/** Two partitions, two replicas each on distinct brokers, the leader first, leaders on different brokers and every broker holding a replica. */
function expectSuiteDefaults(layout: Awaited<ReturnType<typeof topicLayout>>): void {
  expect(layout.map((p) => p.partition)).toEqual([0, 1]);
  for (const p of layout) {
    expect(p.replicas).toHaveLength(2);
    expect(new Set(p.replicas).size).toBe(2);
    for (const id of p.replicas) expect(NODE_IDS).toContain(id);
    expect(p.leader).toBe(p.replicas[0]);
  }
  expect(layout[0]!.leader).not.toBe(layout[1]!.leader);
  expect(new Set(layout.flatMap((p) => p.replicas))).toEqual(new Set(NODE_IDS));
}

beforeAll(async () => {
  try {
    if (suitePortsFree) {
      try {
        broker = await startBrokerProcess(brokerArgs('suite'), 30_000);
        onSuitePorts = true;
      } catch (error) {
        // Another process took one of the ports between the probe and the bind: fall back.
        if (!String(error).includes('EADDRINUSE')) throw error;
      }
    }
    broker ??= await startBrokerProcess(brokerArgs('free'), 30_000);
    await waitFor(() => lines(broker!.stdout()).length >= 3, { what: 'three "listening on" lines', timeoutMs: 30_000 });
    addresses = lines(broker.stdout()).map((line) => /^listening on (\S+)$/.exec(line)?.[1] ?? line);
  } catch (error) {
    killChildren();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(admins.map((admin) => admin.disconnect()));
  killChildren(); // whatever a failed test left running (the last test stops the broker itself)
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`kafkajs's integration-suite cluster from \`streamwright broker\` (${suitePortsFree ? 'ports 9092/9095/9098' : 'free ports: 9092/9095/9098 are taken on this machine'})`, () => {
  it('prints one "listening on" line per broker, advertised as localhost', () => {
    expect(lines(broker!.stdout())).toHaveLength(3);
    for (const address of addresses) expect(address).toMatch(/^localhost:\d+$/);
    expect(new Set(addresses.map(portOf)).size).toBe(3);
    if (onSuitePorts) expect(addresses).toEqual(['localhost:9092', 'localhost:9095', 'localhost:9098']);
  });

  it('is reachable through `localhost` by a client that tries only its first address', async () => {
    // autoSelectFamily: false is a client without "happy eyeballs": it connects to the first
    // address `localhost` resolves to (127.0.0.1 or ::1) and nowhere else.
    for (const address of addresses) {
      const remote = await new Promise<string | undefined>((resolve, reject) => {
        const socket = connect({ host: 'localhost', port: portOf(address), autoSelectFamily: false });
        socket.once('connect', () => {
          const connectedTo = socket.remoteAddress;
          socket.destroy();
          resolve(connectedTo);
        });
        socket.once('error', reject);
      });
      expect(remote).toBe(bindAddress);
    }
  });

  it('answers Metadata with brokers 0, 1, 2 at their localhost ports and a live controller, on every broker', async () => {
    const expected = addresses.map((address, i) => ({ nodeId: NODE_IDS[i]!, host: 'localhost', port: portOf(address) }));
    for (const seed of addresses) {
      const admin = await connectedAdmin(`metadata-via-${portOf(seed)}`, seed);
      const cluster = await admin.describeCluster();
      expect([...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId)).toEqual(expected);
      expect(NODE_IDS).toContain(cluster.controller);
      expect(cluster.clusterId).toMatch(/\S/);
    }
  });

  it('lets the admin describe the cluster and the brokers\' configs from the command line', async () => {
    const admin = await connectedAdmin('describe-admin');
    const cluster = await admin.describeCluster();
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(cluster.controller!), configNames: ['num.partitions', 'default.replication.factor', 'group.initial.rebalance.delay.ms', 'auto.create.topics.enable'] }],
    });
    const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toEqual({ 'num.partitions': '2', 'default.replication.factor': '2', 'group.initial.rebalance.delay.ms': '0', 'auto.create.topics.enable': 'true' });
  });

  it('auto-creates a produced-to topic with 2 partitions of 2 replicas spread over the brokers', { timeout: 60_000 }, async () => {
    const topic = 'kafkajs-layout-auto-created';
    const producer = kafkaClient('auto-create-producer').producer();
    await producer.connect();
    try {
      // The producer's Metadata request (allow_auto_topic_creation) creates the topic.
      const acked = await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: 'first' }, { key: 'b', value: 'second' }, { key: 'c', value: 'third' }] });
      expect(acked.every((r) => r.errorCode === 0)).toBe(true);
    } finally {
      await producer.disconnect();
    }
    const admin = await connectedAdmin('auto-create-admin');
    expect(await admin.listTopics()).toContain(topic);
    const layout = await waitFor(async () => {
      const current = await topicLayout(admin, topic);
      return current.every((p) => p.isr.length === 2) && current;
    }, { what: 'both partitions with a full ISR' });
    expectSuiteDefaults(layout);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(3);
  });

  it('creates a topic without partitions or replication factor with the same defaults', async () => {
    const topic = 'kafkajs-layout-defaults';
    const admin = await connectedAdmin('defaults-admin');
    expect(await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })).toBe(true);
    const layout = await waitFor(async () => {
      const current = await topicLayout(admin, topic);
      return current.every((p) => p.isr.length === 2) && current;
    }, { what: 'both partitions with a full ISR' });
    expectSuiteDefaults(layout);
  });

  it('produces at acks=-1 and consumes in a kafkajs consumer group, committing the offsets', { timeout: 90_000 }, async () => {
    const topic = 'kafkajs-layout-group';
    const groupId = 'kafkajs-layout-group';
    const admin = await connectedAdmin('group-admin');
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    const sent = Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));

    const kafka = kafkaClient('group-client');
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const received: { key: string; value: string; partition: number }[] = [];
    let assigned: number[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      assigned = event.payload.memberAssignment[topic] ?? [];
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
        },
      });
      const producer = kafka.producer();
      await producer.connect();
      try {
        for (let i = 0; i < sent.length; i += 10) await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 10) });
      } finally {
        await producer.disconnect();
      }
      await waitFor(() => received.length >= sent.length, { what: `${sent.length} records consumed`, timeoutMs: 60_000 });
      expect([...assigned].sort()).toEqual([0, 1]);
      const running = (await admin.describeGroups([groupId])).groups[0]!;
      expect(running.state).toBe('Stable');
      expect(running.protocol).toBe('RoundRobinAssigner');
      expect(running.members).toHaveLength(1);
      const assignment = AssignerProtocol.MemberAssignment.decode(running.members[0]!.memberAssignment);
      expect(assignment?.assignment[topic]?.slice().sort()).toEqual([0, 1]);
    } finally {
      await consumer.disconnect(); // commits what it consumed and leaves the group
    }
    expect(received.map(({ key, value }) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key))).toEqual([...sent].sort((a, b) => a.key.localeCompare(b.key)));
    // Keyed records land on both partitions.
    expect(new Set(received.map((r) => r.partition))).toEqual(new Set([0, 1]));

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const high = await admin.fetchTopicOffsets(topic);
    const byPartition = (list: { partition: number; offset?: string; high?: string }[], field: 'offset' | 'high') =>
      Object.fromEntries(list.map((p) => [p.partition, p[field]]));
    expect(byPartition(committed[0]!.partitions, 'offset')).toEqual(byPartition(high, 'high'));
    const left = (await admin.describeGroups([groupId])).groups[0]!;
    expect(left.state).toBe('Empty');
    expect(left.protocolType).toBe('consumer');
  });

  it('stops all three brokers with exit code 0 on SIGTERM and frees their ports', { timeout: 60_000 }, async () => {
    await Promise.allSettled(admins.splice(0).map((admin) => admin.disconnect()));
    expect(await broker!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    for (const address of addresses) expect(await portIsFree(portOf(address), bindAddress)).toBe(true);
  });
});
