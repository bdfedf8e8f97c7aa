// `streamwright broker --kafkajs-suite`: the cluster kafkajs's own integration suite runs its
// SSL, SASL and ACL specs against. The layout is a function of the base port (--port); the
// suite's default is 9092, this file uses a free base so it never collides with anything,
// and checks every listener of every broker with kafkajs 2.2.4 connecting as the suite does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, lines, startBrokerProcess, type BrokerProcess } from './cli-process.js';
import { waitFor } from '../support/wait-for.js';
import { bindAddressOfLocalhost, portIsFree } from './local-ports.js';

/** A base port whose nine ports (3 brokers × 3 listeners) are free now. */
async function freeBase(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: 9 }, (_, i) => portIsFree(base + i, host)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no nine consecutive free ports');
}

const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-kafkajs-suite-'));
let broker: BrokerProcess;
let base = 0;
const brokersAt = (offset: number) => [0, 1, 2].map((i) => `localhost:${base + 3 * i + offset}`);
const plaintextBrokers = () => brokersAt(0);
const sslBrokers = () => brokersAt(1);
const saslBrokers = () => brokersAt(2);
// What kafkajs's testHelpers pass (sslConnectionOpts): no chain or host name check, SNI localhost.
const ssl = { servername: 'localhost', rejectUnauthorized: false };

const client = (brokers: string[], extra: Partial<KafkaConfig> = {}) =>
  new Kafka({ clientId: 'kafkajs-suite-security', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 }, ...extra });

beforeAll(async () => {
  const host = await bindAddressOfLocalhost();
  base = await freeBase(host);
  try {
    broker = await startBrokerProcess(['--kafkajs-suite', '--port', String(base), '--data-dir', dataDir, '--log-level', 'warn'], 60_000);
    await waitFor(() => lines(broker.stdout()).length >= 6, { what: 'the listening and listener lines', timeoutMs: 30_000 });
  } catch (error) {
    killChildren();
    throw error;
  }
}, 90_000);

afterAll(() => {
  killChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Produces three records at acks=-1 and reads them back with a consumer group. */
async function roundTrip(kafka: Kafka, topic: string): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((value) => ({ key: value, value })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await waitFor(() => seen.length >= 3, { what: `three records of ${topic}`, timeoutMs: 30_000 });
  await consumer.disconnect();
  return seen.sort();
}

describe('streamwright broker --kafkajs-suite', () => {
  it('prints brokers 0-2 on PLAINTEXT base/base+3/base+6, SSL one port up, SASL_SSL two up, advertised as localhost', () => {
    expect(lines(broker.stdout())).toEqual([
      ...plaintextBrokers().map((a) => `listening on ${a}`),
      `listener PLAINTEXT on ${plaintextBrokers().join(',')}`,
      `listener SSL on ${sslBrokers().join(',')}`,
      `listener SASL_SSL on ${saslBrokers().join(',')}`,
    ]);
  });

  it('serves kafkajs over SSL on every broker: Metadata lists the SSL ports, records round-trip', { timeout: 60_000 }, async () => {
    for (const seed of sslBrokers()) {
      const admin = client([seed], { ssl }).admin();
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      await admin.disconnect();
      expect(brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...sslBrokers()].sort());
      expect(brokers.map((b) => b.nodeId).sort()).toEqual([0, 1, 2]);
    }
    expect(await roundTrip(client(sslBrokers(), { ssl }), 'suite-ssl')).toEqual(['a', 'b', 'c']);
  });

  const mechanisms: [string, SASLOptions][] = [
    ['PLAIN', { mechanism: 'plain', username: 'test', password: 'testtest' }],
    ['SCRAM-SHA-256', { mechanism: 'scram-sha-256', username: 'testscram', password: 'testtestscram=256' }],
    ['SCRAM-SHA-512', { mechanism: 'scram-sha-512', username: 'testscram', password: 'testtestscram=512' }],
  ];
  it.each(mechanisms)('serves kafkajs over SASL_SSL with %s on every broker and round-trips records', { timeout: 60_000 }, async (name, sasl) => {
    for (const seed of saslBrokers()) {
      const admin = client([seed], { ssl, sasl }).admin();
      await admin.connect();
      expect((await admin.describeCluster()).brokers).toHaveLength(3);
      await admin.disconnect();
    }
    expect(await roundTrip(client(saslBrokers(), { ssl, sasl }), `suite-sasl-${name.toLowerCase()}`)).toEqual(['a', 'b', 'c']);
  });

  it("rejects the suite's wrong credentials with the messages its specs expect", async () => {
    const attempt = (sasl: SASLOptions) => client(saslBrokers(), { ssl, sasl, retry: { retries: 0 } }).admin().connect();
    await expect(attempt({ mechanism: 'plain', username: 'wrong', password: 'wrong' })).rejects.toThrow(/SASL PLAIN authentication failed/);
    await expect(attempt({ mechanism: 'scram-sha-256', username: 'wrong', password: 'wrong' })).rejects.toThrow(/SASL SCRAM SHA256 authentication failed/);
    await expect(attempt({ mechanism: 'scram-sha-512', username: 'wrong', password: 'wrong' })).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it('has an authorizer that allows everything no ACL denies: DENY for bob hides a topic from bob only', { timeout: 30_000 }, async () => {
    const topic = 'suite-acl';
    const as = (username: string, password: string) => client(saslBrokers(), { ssl, sasl: { mechanism: 'plain', username, password }, retry: { retries: 0 } }).admin();
    const admin = as('test', 'testtest');
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] });
    const acl = { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, host: '*', operation: AclOperationTypes.ALL };
    await admin.createAcls({ acl: [{ ...acl, principal: 'User:bob', permissionType: AclPermissionTypes.DENY }, { ...acl, principal: 'User:alice', permissionType: AclPermissionTypes.ALLOW }] });
    await admin.disconnect();
    const bob = as('bob', 'bobbob');
    await bob.connect();
    await expect(bob.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
    await bob.disconnect();
    const alice = as('alice', 'alicealice');
    await alice.connect();
    expect((await alice.fetchTopicMetadata({ topics: [topic] })).topics[0]!.name).toBe(topic);
    await alice.disconnect();
  });

  it('stops with exit code 0 on SIGTERM', { timeout: 30_000 }, async () => {
    expect(await broker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
