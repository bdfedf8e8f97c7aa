import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { SCRAM_MECHANISMS, randomSalt, saltedPassword } from '../../../src/broker/security/sasl/scram-credential.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { startKafka, stopKafkas } from '../../support/broker-harness.js';

// Three brokers with a PLAINTEXT, an SSL (inter-broker: replication runs over TLS) and a
// SASL_SSL listener each: one port per listener per broker, Metadata answers with the
// listener the request came in on, and SCRAM users created with AlterUserScramCredentials
// authenticate on every broker and survive a restart.

let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startKafka({
    brokers: 3,
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    tls: true,
    sasl: { mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] },
    config: { 'inter.broker.listener.name': 'SSL', 'offsets.topic.replication.factor': 3 },
  });
}, 60_000);
afterAll(() => stopKafkas());

const client = (listener: string, extra: object = {}) =>
  new Kafka({ clientId: 'cluster-security', brokers: kafka.bootstrapServersFor(listener), logLevel: logLevel.NOTHING, retry: { retries: 3 }, ...extra });
const tls = () => ({ ssl: { ca: [kafka.tls!.ca] } });

describe('listeners in a cluster', () => {
  it('each broker has its own port on each listener', () => {
    const all = ['PLAINTEXT', 'SSL', 'SASL_SSL'].flatMap((l) => kafka.bootstrapServersFor(l));
    expect(new Set(all).size).toBe(9);
    expect(kafka.bootstrapServers).toEqual(kafka.bootstrapServersFor('PLAINTEXT'));
  });

  it('Metadata lists every broker on the listener the client used', async () => {
    for (const [listener, extra] of [['PLAINTEXT', {}], ['SSL', tls()]] as const) {
      const admin = client(listener, extra).admin();
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      await admin.disconnect();
      expect(brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...kafka.bootstrapServersFor(listener)].sort());
    }
  });

  it('AlterUserScramCredentials creates users; DescribeUserScramCredentials lists mechanisms and iterations; they authenticate on every broker and after a restart', async () => {
    const [host, port] = kafka.bootstrapServersFor('PLAINTEXT')[0]!.split(':');
    const connection = await KafkaConnection.connect({ host: host!, port: Number(port) });
    const salt = randomSalt();
    const upsert = (mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', iterations: number) => ({
      name: 'alice',
      mechanism: SCRAM_MECHANISMS[mechanism].id,
      iterations,
      salt,
      saltedPassword: saltedPassword(mechanism, 'alice-secret', salt, iterations),
    });
    const altered = await connection.request(ApiKeys.AlterUserScramCredentials, 0, { deletions: [], upsertions: [upsert('SCRAM-SHA-256', 8192), upsert('SCRAM-SHA-512', 4096)] });
    expect(altered.results).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    const tooFew = await connection.request(ApiKeys.AlterUserScramCredentials, 0, { deletions: [], upsertions: [{ ...upsert('SCRAM-SHA-256', 4096), name: 'bob', iterations: 1000 }] });
    expect(tooFew.results).toEqual([{ user: 'bob', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' }]);
    const described = await connection.request(ApiKeys.DescribeUserScramCredentials, 0, { users: [{ name: 'alice' }, { name: 'nobody' }] });
    expect(described.results).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }, { mechanism: 2, iterations: 4096 }] },
      { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: nobody', credentialInfos: [] },
    ]);
    connection.close();

    const produceAs = async (mechanism: 'scram-sha-256' | 'scram-sha-512', topic: string) => {
      const producer = client('SASL_SSL', { ...tls(), sasl: { mechanism, username: 'alice', password: 'alice-secret' } }).producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ value: 'secured' }] });
      await producer.disconnect();
    };
    await produceAs('scram-sha-256', 'scram-cluster');
    await kafka.broker(1).restart();
    await produceAs('scram-sha-512', 'scram-cluster');
    // Replicated over the SSL inter-broker listener.
    const admin = client('PLAINTEXT').admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('scram-cluster');
    await admin.disconnect();
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(2);
  });
});
