import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka, type EmbeddedKafkaOptions } from '../../../src/broker/embedded-kafka.js';
import { InvalidConfigError } from '../../../src/broker/config/broker-config.js';
import { UnsupportedConfigError } from '../../../src/broker/config/unsupported-configs.js';
import { InterBrokerAuthenticationError } from '../../../src/broker/security/inter-broker-sasl.js';
import { startKafka, stopKafkas, testLogger } from '../../support/broker-harness.js';

// Three brokers with one SASL_SSL listener each: replication and the transaction coordinator's
// calls to other brokers run over it, authenticated with SCRAM-SHA-512 as the `broker` user.
// The authorizer is on and denies whatever no ACL allows, so only a broker that really
// authenticates as `broker` (a super user) may fetch as a follower or write markers.

const JAAS_KEY = 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config';
const jaas = (password: string) => `org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="${password}";`;

const clusterOptions = (interBrokerPassword: string, extra: Record<string, string> = {}): EmbeddedKafkaOptions => ({
  brokers: 3,
  logger: testLogger,
  listeners: 'SASL_SSL://127.0.0.1:0',
  tls: true,
  sasl: {
    mechanisms: ['SCRAM-SHA-512'],
    users: [
      { username: 'broker', password: 'broker-secret' },
      { username: 'alice', password: 'alice-secret' },
    ],
  },
  config: {
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    [JAAS_KEY]: jaas(interBrokerPassword),
    'offsets.topic.replication.factor': 3,
    'transaction.state.log.replication.factor': 3,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:broker;User:alice',
    ...extra,
  },
});

const failure = (options: EmbeddedKafkaOptions) =>
  EmbeddedKafka.start(options).then(
    (kafka) => kafka.stop().then(() => null),
    (error: unknown) => error,
  );

afterAll(() => stopKafkas());

describe('a cluster whose brokers talk to each other over SASL_SSL with SCRAM-SHA-512', () => {
  let kafka: EmbeddedKafka;
  beforeAll(async () => {
    kafka = await startKafka(clusterOptions('broker-secret'));
  }, 60_000);

  const client = () =>
    new Kafka({
      clientId: 'inter-broker-sasl',
      brokers: kafka.bootstrapServersFor('SASL_SSL'),
      ssl: { ca: [kafka.tls!.ca] },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 10 },
    });

  /** The first `count` values of `topic` a new (read_committed) consumer group reads, in order. */
  async function readValues(topic: string, groupId: string, count: number): Promise<string[]> {
    const consumer = client().consumer({ groupId, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length === count) resolve();
        },
      });
    });
    await consumer.disconnect();
    return seen;
  }

  it('commits a transaction over partitions led by every broker (markers sent over the SASL listener)', { timeout: 60_000 }, async () => {
    const topic = 'sasl-transactions';
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
    const leaders = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map((p) => p.leader);
    await admin.disconnect();
    expect(new Set(leaders).size).toBe(3);
    const producer = client().producer({ transactionalId: 'sasl-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, value: `tx${partition}` })) });
    await transaction.commit();
    await producer.disconnect();
    const seen = await readValues(topic, 'sasl-transactions-reader', 3);
    expect(seen.sort()).toEqual(['tx0', 'tx1', 'tx2']);
  });

  it('loses no acknowledged record when the leader is killed; a consumer reads all of them', async () => {
    const topic = 'sasl-replicated';
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    const producer = client().producer();
    await producer.connect();
    const send = (from: number) => producer.send({ topic, acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: `m${from + i}` })) });
    await send(0);
    // Every replica caught up: the followers fetched over the authenticated listener.
    const before = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions[0]!;
    expect(before.isr.sort()).toEqual([...kafka.nodeIds].sort());
    await kafka.broker(before.leader).kill();
    await send(50);
    await producer.disconnect();

    const after = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions[0]!;
    expect(after.leader).not.toBe(before.leader);
    await admin.disconnect();

    const seen = await readValues(topic, 'sasl-replicated-reader', 100);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  }, 60_000);
});

describe('a cluster whose brokers talk to each other over SASL_PLAINTEXT with PLAIN', () => {
  it('replicates an acks=all produce; the broker user comes from the same JAAS entry as the PLAIN users', { timeout: 60_000 }, async () => {
    const kafka = await startKafka({
      brokers: 2,
      logger: testLogger,
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      sasl: { mechanisms: ['PLAIN'], users: [{ username: 'alice', password: 'alice-secret' }] },
      config: {
        'inter.broker.listener.name': 'SASL_PLAINTEXT',
        'sasl.mechanism.inter.broker.protocol': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";',
        'offsets.topic.replication.factor': 2,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:broker;User:alice',
      },
    });
    const plain = new Kafka({ clientId: 'inter-broker-plain', brokers: kafka.bootstrapServersFor('SASL_PLAINTEXT'), sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, logLevel: logLevel.NOTHING });
    const admin = plain.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'plain-replicated', numPartitions: 1, replicationFactor: 2, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    const producer = plain.producer();
    await producer.connect();
    const [acked] = await producer.send({ topic: 'plain-replicated', acks: -1, messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    expect(acked!.errorCode).toBe(0);
    const partition = (await admin.fetchTopicMetadata({ topics: ['plain-replicated'] })).topics[0]!.partitions[0]!;
    await admin.disconnect();
    expect(partition.isr.sort()).toEqual([...kafka.nodeIds].sort());
  });
});

describe('inter-broker SASL settings that cannot work fail start-up', () => {
  it('a wrong inter-broker password fails start-up naming the JAAS key', async () => {
    const error = await failure(clusterOptions('not-the-password'));
    expect(error).toBeInstanceOf(InterBrokerAuthenticationError);
    expect((error as InterBrokerAuthenticationError).key).toBe(JAAS_KEY);
    expect((error as Error).message).toMatch(/SCRAM-SHA-512 user broker.*authentication failed/i);
  }, 30_000);

  it("without sasl.mechanism.inter.broker.protocol (Kafka's default GSSAPI) the cluster is refused naming the key", async () => {
    const options = clusterOptions('broker-secret');
    delete options.config!['sasl.mechanism.inter.broker.protocol'];
    const error = await failure(options);
    expect(error).toBeInstanceOf(UnsupportedConfigError);
    expect((error as UnsupportedConfigError).key).toBe('sasl.mechanism.inter.broker.protocol');
    expect((error as Error).message).toContain('GSSAPI');
  });

  it('a mechanism the listener does not enable, or a missing JAAS config, is an InvalidConfigError naming the key', async () => {
    const notEnabled = await failure(clusterOptions('broker-secret', { 'sasl.mechanism.inter.broker.protocol': 'PLAIN' }));
    expect(notEnabled).toBeInstanceOf(InvalidConfigError);
    expect((notEnabled as Error).message).toContain('sasl.mechanism.inter.broker.protocol');
    const options = clusterOptions('broker-secret');
    delete options.config![JAAS_KEY];
    const missing = await failure(options);
    expect(missing).toBeInstanceOf(InvalidConfigError);
    expect((missing as Error).message).toContain(JAAS_KEY);
  });
});
