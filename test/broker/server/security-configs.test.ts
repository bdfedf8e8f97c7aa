import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka, UnsupportedConfigError } from '../../../src/broker/index.js';
import type { BrokerLogger } from '../../../src/broker/logger.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { cli } from '../../cli/cli-process.js';
import { closeRawConnections, openRaw, startKafka, stopKafkas, testLogger } from '../../support/broker-harness.js';

// The broker speaks PLAINTEXT only: a security setting is refused at start-up with an error
// that names the key, rather than accepted and ignored (which would leave a user believing the
// traffic is encrypted or authenticated).

afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
});

const REFUSED: Array<[string, string]> = [
  ['listeners', 'SASL_SSL://localhost:9093'],
  ['listeners', 'PLAINTEXT://:9092,SSL://:9093'],
  ['listeners', 'SASL_PLAINTEXT://:9092'],
  ['advertised.listeners', 'SSL://broker:9093'],
  ['ssl.keystore.location', '/etc/kafka/keystore.jks'],
  ['sasl.enabled.mechanisms', 'PLAIN'],
  ['security.inter.broker.protocol', 'SASL_SSL'],
  ['listener.security.protocol.map', 'INTERNAL:PLAINTEXT,EXTERNAL:SSL'],
  ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
];

describe('security settings', () => {
  it.each(REFUSED)('EmbeddedKafka.start refuses %s=%s with an UnsupportedConfigError naming the key', async (key, value) => {
    const error = await EmbeddedKafka.start({ logger: testLogger, config: { [key]: value } }).then(
      (kafka) => kafka.stop().then(() => null),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedConfigError);
    expect((error as UnsupportedConfigError).key).toBe(key);
    expect((error as Error).message).toContain(key);
  });

  it('a cluster refuses them too', async () => {
    await expect(EmbeddedKafka.start({ brokers: 3, logger: testLogger, config: { 'ssl.truststore.location': '/tmp/ts.jks' } })).rejects.toThrow(UnsupportedConfigError);
  });

  it('a listener renamed to PLAINTEXT through listener.security.protocol.map is accepted, and unknown configs are warned about', async () => {
    const warnings: string[] = [];
    const logger: BrokerLogger = { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
    const kafka = await startKafka({
      logger,
      config: { listeners: 'INTERNAL://127.0.0.1:0', 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT', 'no.such.config': 'x' },
    });
    const connection = await openRaw(kafka.bootstrapServers[0]!);
    expect((await connection.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    expect(warnings).toEqual(['config no.such.config is not a config of this broker and is ignored']);
  });

  it('`streamwright broker` exits 1 and names the key', async () => {
    const result = await cli(['broker', '--port', '0', '--config', 'listeners=SASL_SSL://localhost:9093']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: the broker did not start: Unsupported broker config listeners=SASL_SSL://localhost:9093');
  });
});
