import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { Cleanup, kcat, PYTHON, removeTempDirs, startKafka, stopKafkas, tempDir } from '../../support/broker-harness.js';
import { killChildren, runProcess } from '../../support/produced-batches.js';
import { waitFor } from '../../support/wait-for.js';

// kcat and confluent-kafka (librdkafka 2.0.2), kafka-python 2.0.2 and @platformatic/kafka 1.35
// over SSL, SASL_PLAINTEXT and SASL_SSL with the mechanisms each supports: produce and
// consume; a wrong password, an unknown mechanism and a plaintext client on the TLS port fail
// the way each client shows it against Kafka.

let kafka: EmbeddedKafka;
let caFile: string;
const cleanup = new Cleanup();
const SCRIPT = join(import.meta.dirname, 'secure_clients.py');

beforeAll(async () => {
  kafka = await startKafka({
    listeners: 'SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    tls: true,
    sasl: { users: [{ username: 'alice', password: 'alice-secret' }] },
    config: { 'num.partitions': 1 },
  });
  caFile = join(tempDir(), 'ca.pem');
  writeFileSync(caFile, kafka.tls!.ca);
});
afterEach(async () => {
  killChildren();
  await cleanup.run();
});
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

const at = (listener: string) => kafka.bootstrapServersFor(listener)[0]!;

function kcatSecurity(protocol: string, mechanism?: string, password = 'alice-secret'): string[] {
  const args = ['-X', `security.protocol=${protocol}`];
  if (protocol.includes('SSL')) args.push('-X', `ssl.ca.location=${caFile}`);
  if (mechanism) args.push('-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`);
  return args;
}

const CASES = [
  ['SSL', undefined],
  ['SASL_PLAINTEXT', 'PLAIN'],
  ['SASL_PLAINTEXT', 'SCRAM-SHA-256'],
  ['SASL_SSL', 'SCRAM-SHA-512'],
  ['SASL_SSL', 'PLAIN'],
] as const;

describe('kcat (librdkafka 2.0.2)', () => {
  it.each(CASES)('%s %s: produce and consume', async (protocol, mechanism) => {
    const topic = `kcat-${protocol}-${mechanism ?? 'none'}`.toLowerCase();
    const security = kcatSecurity(protocol, mechanism);
    const produced = await kcat(['-b', at(protocol), ...security, '-t', topic, '-P'], { input: 'one\ntwo\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(['-b', at(protocol), ...security, '-t', topic, '-C', '-o', 'beginning', '-e', '-q'], { timeoutMs: 30_000 });
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split('\n').filter((l) => l !== '')).toEqual(['one', 'two']);
  });

  it('a wrong password: "SASL authentication error: Authentication failed ..."', async () => {
    const result = await kcat(['-b', at('SASL_SSL'), ...kcatSecurity('SASL_SSL', 'SCRAM-SHA-256', 'wrong'), '-L', '-m', '2'], { timeoutMs: 20_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/);
  });

  it('an unknown mechanism: the handshake lists the broker\'s mechanisms', async () => {
    const result = await kcat(['-b', at('SASL_PLAINTEXT'), '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=OAUTHBEARER', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', 'sasl.oauthbearer.config=principal=alice', '-L', '-m', '2'], { timeoutMs: 20_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr, result.stderr).toMatch(/Unsupported SASL mechanism: broker's supported mechanisms: PLAIN,SCRAM-SHA-256,SCRAM-SHA-512/);
  });

  it('a plaintext client on the TLS port: "Disconnected while requesting ApiVersion"', async () => {
    const result = await kcat(['-b', at('SSL'), '-L', '-m', '2'], { timeoutMs: 20_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Disconnected while requesting ApiVersion|connecting to a SSL listener/);
  });
});

describe('Python clients', () => {
  const py = (client: string, protocol: string, mechanism: string | undefined, topic: string, password = 'alice-secret') =>
    runProcess(PYTHON, [SCRIPT, client, at(protocol), protocol, mechanism ?? '-', 'alice', password, caFile, topic], { timeoutMs: 60_000 });

  it.each(CASES)('confluent-kafka %s %s: produce and consume', async (protocol, mechanism) => {
    const topic = `ck-${protocol}-${mechanism ?? 'none'}`.toLowerCase();
    const result = await py('confluent', protocol, mechanism, topic);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).values).toEqual([0, 1, 2].map((i) => `confluent ${protocol} ${i}`));
  });

  it.each(CASES)('kafka-python %s %s: produce and consume', async (protocol, mechanism) => {
    const topic = `kp-${protocol}-${mechanism ?? 'none'}`.toLowerCase();
    const result = await py('kafkapython', protocol, mechanism, topic);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).values).toEqual([0, 1, 2].map((i) => `kafkapython ${protocol} ${i}`));
  });

  it('confluent-kafka with a wrong password reports the broker\'s message', async () => {
    const result = await py('confluent', 'SASL_SSL', 'PLAIN', 'ck-wrong', 'wrong');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).error).toMatch(/Authentication failed: Invalid username or password/);
  });

  it('kafka-python with a wrong password never gets metadata (the broker closes each attempt)', { timeout: 60_000 }, async () => {
    const result = await py('kafkapython', 'SASL_PLAINTEXT', 'PLAIN', 'kp-wrong', 'wrong');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).error).toMatch(/KafkaTimeoutError: Failed to update metadata/);
  });
});

describe('@platformatic/kafka', () => {
  // In a child process: after an authentication failure 1.35 keeps the socket without an
  // error listener, so the broker's close would surface as an uncaught ECONNRESET here.
  const failing = async (...args: string[]) => {
    const result = await runProcess(process.execPath, [join(import.meta.dirname, 'platformatic-failing-client.mjs'), ...args], { timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { errors: Array<{ name: string; code: string | null; message: string }> }).errors;
  };

  it('a wrong password: "AuthenticationError: SASL authentication failed." caused by the SaslAuthenticate error', { timeout: 40_000 }, async () => {
    const errors = await failing(at('SASL_SSL'), 'SCRAM-SHA-256', 'alice', 'wrong', caFile);
    expect(errors.find((e) => e.name === 'AuthenticationError')?.message).toBe('SASL authentication failed.');
    expect(errors.map((e) => e.message)).toContain('Received response with error while executing API SaslAuthenticate(v2)');
  });

  it('a mechanism the broker does not enable: "AuthenticationError: Cannot find a suitable SASL mechanism."', { timeout: 40_000 }, async () => {
    const errors = await failing(at('SASL_SSL'), 'OAUTHBEARER', '-', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.', caFile);
    expect(errors.find((e) => e.name === 'AuthenticationError')?.message).toBe('Cannot find a suitable SASL mechanism.');
    expect(errors.find((e) => e.name === 'ProtocolError')?.message).toBe('The broker does not support the requested SASL mechanism.');
  });

  it('a plaintext client on the TLS port: "NetworkError: Connection closed"', { timeout: 40_000 }, async () => {
    const errors = await failing(at('SSL'), '-', '-', '-', '-');
    expect(errors.map((e) => `${e.name}: ${e.message}`)).toContain('NetworkError: Connection closed');
  });


  const options = (protocol: string, mechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', password = 'alice-secret') => ({
    bootstrapBrokers: [at(protocol)],
    timeout: 10_000,
    retries: 1,
    retryDelay: 100,
    ...(protocol.includes('SSL') ? { tls: { ca: kafka.tls!.ca } } : {}),
    ...(mechanism ? { sasl: { mechanism, username: 'alice', password } } : {}),
  });

  it.each([
    ['SSL', undefined],
    ['SASL_PLAINTEXT', 'SCRAM-SHA-256'],
    ['SASL_SSL', 'SCRAM-SHA-512'],
    ['SASL_SSL', 'PLAIN'],
  ] as const)('%s %s: produce and consume', { timeout: 40_000 }, async (protocol, mechanism) => {
    const topic = `pl-${protocol}-${mechanism ?? 'none'}`.toLowerCase();
    const admin = new Admin({ clientId: 'pl-admin', ...options(protocol, mechanism) });
    cleanup.add(() => admin.close());
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const producer = new Producer({ clientId: 'pl-producer', ...options(protocol, mechanism), serializers: stringSerializers });
    cleanup.add(() => producer.close());
    await producer.send({ messages: [{ topic, key: 'k', value: `pl ${protocol}` }] });
    const consumer = new Consumer({ clientId: 'pl-consumer', groupId: `pl-${topic}`, ...options(protocol, mechanism), deserializers: stringDeserializers, maxWaitTime: 200 });
    cleanup.add(() => consumer.close(true));
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    const received: string[] = [];
    stream.on('data', (m: Message<string, string, string, string>) => received.push(m.value));
    await waitFor(() => received.length >= 1, { timeoutMs: 20_000 });
    expect(received).toEqual([`pl ${protocol}`]);
  });
});
