import { connect as connectTls } from 'node:tls';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { startKafka, stopKafkas } from '../../support/broker-harness.js';

// kafkajs 2.2.4 over every listener kind of one broker: SSL (server-verified with the
// throwaway CA, and mutual TLS), SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256 and
// SCRAM-SHA-512; and the errors kafkajs shows against Kafka for a wrong password, an unknown
// mechanism and a plaintext client on a TLS port.

let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startKafka({
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,MTLS://127.0.0.1:0',
    tls: true,
    sasl: { users: [{ username: 'alice', password: 'alice-secret' }, { username: 'testscram', password: 'testtestscram=256', mechanisms: ['SCRAM-SHA-256'], iterations: 8192 }] },
    config: { 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL', 'listener.name.mtls.ssl.client.auth': 'required' },
  });
});
afterAll(() => stopKafkas());

function client(listener: string, options: { ssl?: boolean | object; sasl?: SASLOptions } = {}): Kafka {
  return new Kafka({
    clientId: 'security-test',
    brokers: kafka.bootstrapServersFor(listener),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 5000,
    ...options,
  });
}

const tlsTrust = () => ({ ca: [kafka.tls!.ca] });

/** Produces one record to a fresh topic and reads it back with a consumer group. */
async function roundTrip(k: Kafka, topic: string): Promise<string> {
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = k.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value: `hello ${topic}` }] });
  await producer.disconnect();
  const consumer = k.consumer({ groupId: `group-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const value = await new Promise<string>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
  });
  await consumer.disconnect();
  return value;
}

describe('kafkajs over secured listeners', () => {
  it('Metadata answers with the endpoints of the listener the request came in on', async () => {
    for (const listener of ['PLAINTEXT', 'SASL_PLAINTEXT']) {
      const admin = client(listener, listener === 'SASL_PLAINTEXT' ? { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } } : {}).admin();
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      await admin.disconnect();
      expect(brokers.map((b) => `${b.host}:${b.port}`)).toEqual(kafka.bootstrapServersFor(listener));
    }
  });

  it('SSL: produce and consume, trusting the throwaway CA', async () => {
    expect(await roundTrip(client('SSL', { ssl: tlsTrust() }), 'kjs-ssl')).toBe('hello kjs-ssl');
  });

  it('mutual TLS: a client certificate is required and accepted', async () => {
    const withCert = client('MTLS', { ssl: { ...tlsTrust(), cert: kafka.tls!.client.cert, key: kafka.tls!.client.key } });
    const admin = withCert.admin();
    await admin.connect();
    // The principal is the certificate subject in RFC 2253 order (ssl.principal.mapping.rules=DEFAULT).
    expect(kafka.broker().instance.connectionStats().filter((c) => c.listener === 'MTLS').map((c) => c.principal)).toContain('User:CN=client,O=Streamwright');
    await admin.disconnect();
    expect(await roundTrip(withCert, 'kjs-mtls')).toBe('hello kjs-mtls');
    const without = client('MTLS', { ssl: tlsTrust() }).admin();
    await expect(without.connect()).rejects.toThrow();
  });

  it.each([
    ['SASL_PLAINTEXT', 'plain', 'alice', 'alice-secret'],
    ['SASL_PLAINTEXT', 'scram-sha-256', 'alice', 'alice-secret'],
    ['SASL_PLAINTEXT', 'scram-sha-512', 'alice', 'alice-secret'],
    ['SASL_SSL', 'plain', 'alice', 'alice-secret'],
    ['SASL_SSL', 'scram-sha-256', 'testscram', 'testtestscram=256'],
    ['SASL_SSL', 'scram-sha-512', 'alice', 'alice-secret'],
  ] as const)('%s with %s: produce and consume', async (listener, mechanism, username, password) => {
    const ssl = listener === 'SASL_SSL' ? tlsTrust() : undefined;
    const topic = `kjs-${listener}-${mechanism}`.toLowerCase();
    expect(await roundTrip(client(listener, { ssl, sasl: { mechanism, username, password } as SASLOptions }), topic)).toBe(`hello ${topic}`);
  });

  it.each([
    ['plain', /SASL PLAIN authentication failed: Authentication failed: Invalid username or password/],
    ['scram-sha-256', /SASL SCRAM SHA256 authentication failed/],
    ['scram-sha-512', /SASL SCRAM SHA512 authentication failed/],
  ] as const)('a wrong %s password fails as against Kafka', async (mechanism, message) => {
    const admin = client('SASL_SSL', { ssl: tlsTrust(), sasl: { mechanism, username: 'alice', password: 'wrong' } as SASLOptions }).admin();
    await expect(admin.connect()).rejects.toThrow(message);
  });

  it('an unknown mechanism is refused with UNSUPPORTED_SASL_MECHANISM', async () => {
    // OAUTHBEARER is not in this broker's sasl.enabled.mechanisms (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
    const admin = client('SASL_PLAINTEXT', { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'token' }) } }).admin();
    await expect(admin.connect()).rejects.toThrow('The broker does not support the requested SASL mechanism');
  });

  it('a plaintext client on a TLS port gets a closed connection', async () => {
    const admin = client('SSL').admin();
    await expect(admin.connect()).rejects.toThrow(/Closed connection|Connection error|disconnected/i);
  });

  it('a TLS client on a plaintext port fails the handshake', async () => {
    const admin = client('PLAINTEXT', { ssl: tlsTrust() }).admin();
    await expect(admin.connect()).rejects.toThrow(/secure TLS connection|Connection error|disconnected/i);
  });

  it('the TLS listener presents the broker certificate signed by the CA, valid for 127.0.0.1', async () => {
    const [host, port] = kafka.bootstrapServersFor('SSL')[0]!.split(':');
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const socket = connectTls({ host, port: Number(port), ca: kafka.tls!.ca }, () => {
        resolve(socket.authorized);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(authorized).toBe(true);
  });
});
