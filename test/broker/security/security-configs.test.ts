import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { throwawayCertificates } from '../../../src/broker/security/throwaway-certificates.js';
import { EmbeddedKafka, InvalidConfigError, UnsupportedConfigError } from '../../../src/broker/index.js';
import type { BrokerLogger } from '../../../src/broker/logger.js';
import { shiftListenerPorts } from '../../../src/broker/security/listeners.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { cli } from '../../cli/cli-process.js';
import { Kafka, logLevel } from 'kafkajs';
import { closeRawConnections, killBrokers, openWire, removeTempDirs, spawnBroker, startKafka, stopKafkas, tempDir, testLogger } from '../../support/broker-harness.js';

// A security setting the broker cannot honour is refused at start-up with an error that names
// the key, rather than accepted and ignored (which would leave a user believing the traffic is
// encrypted or authenticated).

afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
  await killBrokers();
  removeTempDirs();
});

const REFUSED: Array<[string, string, Record<string, string>?]> = [
  ['ssl.keystore.type', 'JKS'],
  ['ssl.truststore.type', 'PKCS12'],
  ['ssl.keystore.password', 'secret'],
  ['ssl.keymanager.algorithm', 'SunX509'],
  ['ssl.cipher.suites', 'TLS_AES_128_GCM_SHA256'],
  ['sasl.enabled.mechanisms', 'GSSAPI'],
  ['sasl.enabled.mechanisms', 'PLAIN,NTLM'],
  ['listener.name.sasl_ssl.gssapi.sasl.kerberos.service.name', 'kafka'],
  ['sasl.kerberos.service.name', 'kafka'],
  // A SASL listener with Kafka's default mechanism list (GSSAPI).
  ['sasl.enabled.mechanisms', 'GSSAPI', { listeners: 'SASL_PLAINTEXT://127.0.0.1:0' }],
];

describe('security settings the broker cannot honour', () => {
  it.each(REFUSED)('EmbeddedKafka.start refuses %s=%s with an UnsupportedConfigError naming the key', async (key, value, extra) => {
    const config = extra ? { ...extra } : { [key]: value };
    const error = await EmbeddedKafka.start({ logger: testLogger, config }).then(
      (kafka) => kafka.stop().then(() => null),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedConfigError);
    expect((error as UnsupportedConfigError).key).toBe(key);
    expect((error as Error).message).toContain(key);
  });

  it('a cluster with a SASL inter-broker listener and no inter-broker mechanism (GSSAPI) is refused, naming sasl.mechanism.inter.broker.protocol', async () => {
    const error = await EmbeddedKafka.start({
      brokers: 2,
      logger: testLogger,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      sasl: { mechanisms: ['PLAIN'] },
      config: { 'inter.broker.listener.name': 'SASL_PLAINTEXT' },
    }).then((k) => k.stop().then(() => null), (e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedConfigError);
    expect((error as UnsupportedConfigError).key).toBe('sasl.mechanism.inter.broker.protocol');
  });

  it.each([
    ['listeners', 'PLAINTEXT//:9092'],
    ['listeners', 'PLAINTEXT://:9092,PLAINTEXT://:9093'],
    ['listeners', 'EXTERNAL://:0'],
    ['listener.security.protocol.map', 'EXTERNAL:TLS'],
    ['authorizer.class.name', 'com.example.CustomAuthorizer'],
  ])('a malformed %s=%s is an InvalidConfigError naming the key', async (key, value) => {
    const error = await EmbeddedKafka.start({ logger: testLogger, config: { [key]: value } }).then((k) => k.stop().then(() => null), (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toContain(key);
  });

  it('an SSL listener without a keystore names what it needs', async () => {
    await expect(EmbeddedKafka.start({ logger: testLogger, listeners: 'SSL://127.0.0.1:0' })).rejects.toThrow(/ssl\.keystore\.key and ssl\.keystore\.certificate\.chain, or ssl\.keystore\.location/);
  });

  it('a listener renamed through listener.security.protocol.map is accepted, and unknown configs are warned about', async () => {
    const warnings: string[] = [];
    const logger: BrokerLogger = { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
    const kafka = await startKafka({
      logger,
      config: { listeners: 'INTERNAL://127.0.0.1:0', 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT', 'security.inter.broker.protocol': 'INTERNAL', 'no.such.config': 'x' },
    });
    const connection = await openWire(kafka.bootstrapServers[0]!);
    expect((await connection.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    expect(warnings).toEqual(['config no.such.config is not a config of this broker and is ignored']);
  });

  it('fixed listener ports move up by the number of listeners for each broker of a cluster', () => {
    const layout = 'PLAINTEXT://:9092,SSL://:9093,SASL_SSL://:9094';
    expect(shiftListenerPorts('listeners', layout, 1, 3)).toBe('PLAINTEXT://:9095,SSL://:9096,SASL_SSL://:9097');
    expect(shiftListenerPorts('listeners', layout, 2, 3)).toBe('PLAINTEXT://:9098,SSL://:9099,SASL_SSL://:9100');
    expect(shiftListenerPorts('listeners', 'A://[::1]:0,B://h:10', 1, 2)).toBe('A://[::1]:0,B://h:12');
  });

  it('`streamwright broker` exits 1 and names the key', async () => {
    const result = await cli(['broker', '--port', '0', '--config', 'sasl.enabled.mechanisms=GSSAPI']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: the broker did not start: Unsupported broker config sasl.enabled.mechanisms=GSSAPI');
  });
});

describe('TLS from PEM files', () => {
  it('ssl.keystore.location (key and chain in one PEM file) and ssl.truststore.location serve TLS', async () => {
    const certs = throwawayCertificates(['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'streamwright-pem-'));
    writeFileSync(join(dir, 'broker.pem'), certs.broker.key + certs.broker.cert);
    writeFileSync(join(dir, 'ca.pem'), certs.ca);
    const kafka = await startKafka({
      config: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': join(dir, 'broker.pem'), 'ssl.truststore.location': join(dir, 'ca.pem'), 'ssl.client.auth': 'requested' },
    });
    const [host, port] = kafka.bootstrapServers[0]!.split(':');
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const socket = connect({ host, port: Number(port), ca: certs.ca, cert: certs.client.cert, key: certs.client.key }, () => {
        resolve(socket.authorized);
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(authorized).toBe(true);
  });
});

describe('`streamwright broker` with listeners and SASL from --config', () => {
  it('serves SASL/PLAIN users from listener.name.<l>.plain.sasl.jaas.config on the first listener', async () => {
    const broker = await spawnBroker(tempDir(), {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    });
    const admin = (password: string) =>
      new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'alice', password } }).admin();
    const good = admin('alice-secret');
    await good.connect();
    const { brokers } = await good.describeCluster();
    expect(brokers.map((b) => `${b.host}:${b.port}`)).toEqual([broker.address]);
    await good.disconnect();
    await expect(admin('wrong').connect()).rejects.toThrow('SASL PLAIN authentication failed: Authentication failed: Invalid username or password');
    await broker.kill('SIGTERM');
  });
});

describe('`streamwright configs` for SCRAM users', () => {
  it('--alter --add-config creates the user, --describe lists it, the user authenticates, --delete-config removes a mechanism', async () => {
    const kafka = await startKafka({ listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', sasl: { mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] } });
    const admin = ['--bootstrap-server', kafka.bootstrapServersFor('PLAINTEXT')[0]!, '--entity-type', 'users', '--entity-name', 'alice'];
    const added = await cli(['configs', ...admin, '--alter', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=alice=secret,1],SCRAM-SHA-512=[password=alice=secret,1]']);
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe('Completed updating config for user alice.\n');
    const described = await cli(['configs', ...admin, '--describe']);
    expect(described.stdout).toBe("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n");
    const scram = new Kafka({ brokers: kafka.bootstrapServersFor('SASL_PLAINTEXT'), logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice=secret,1' } }).admin();
    await scram.connect();
    await scram.disconnect();
    const deleted = await cli(['configs', ...admin, '--alter', '--delete-config', 'SCRAM-SHA-512']);
    expect(deleted.code).toBe(0);
    expect((await cli(['configs', ...admin, '--describe'])).stdout).toBe("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192\n");
    const tooFew = await cli(['configs', ...admin, '--alter', '--add-config', 'SCRAM-SHA-256=[iterations=1000,password=x]']);
    expect(tooFew.code).not.toBe(0);
    expect(tooFew.stderr).toContain('Iterations 1000 is less than the minimum 4096 required for SCRAM-SHA-256');
  });
});
