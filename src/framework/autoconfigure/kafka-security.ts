import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { ProblemCollector } from './invalid-configuration-exception.js';
import type { KafkaProperties } from './kafka-properties.js';

/**
 * kafkajs' `ssl` and `sasl` from `security.protocol`, `ssl.*` and `sasl.*` (for one client type
 * when `prefix` is `consumer.`, `producer.` or `admin.`; its keys win over the common ones).
 */
export function securityConfig(properties: KafkaProperties, prefix: string, problems: ProblemCollector): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const key = (name: string) => (prefix && properties.has(prefix + name) ? prefix + name : name);
  const text = (name: string) => properties.text(key(name));
  const origin = (name: string) => properties.origin(key(name)) ?? 'default';
  const protocol = text('security.protocol') ?? 'PLAINTEXT';
  const full = (name: string) => `streamwright.kafka.${key(name)}`;
  const result: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};

  const sslKeys = properties.keysUnder(`${prefix}ssl.`);
  const usesSsl = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (sslKeys.length > 0 && !usesSsl) {
    for (const k of sslKeys) problems.add({ key: `streamwright.kafka.${k}`, origin: properties.origin(k)!, message: `has no effect with security.protocol ${protocol} (use SSL or SASL_SSL)` });
  }
  if (usesSsl) {
    const tls: ConnectionOptions = {};
    const read = (name: string): string | Buffer | undefined => {
      const path = text(name);
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (error) {
        problems.add({ key: full(name), origin: origin(name), message: `cannot read ${path}: ${(error as Error).message}` });
        return undefined;
      }
    };
    tls.ca = text('ssl.trust-store-certificates') ?? read('ssl.trust-store-location');
    if ((text('ssl.key-store-type') ?? 'PEM') === 'PKCS12') {
      tls.pfx = read('ssl.key-store-location');
      tls.passphrase = text('ssl.key-store-password');
    } else {
      const pem = read('ssl.key-store-location');
      tls.cert = text('ssl.key-store-certificate-chain') ?? pem;
      tls.key = text('ssl.key-store-key') ?? pem;
      tls.passphrase = text('ssl.key-password');
    }
    const defined = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
    result.ssl = Object.keys(defined).length > 0 ? defined : true;
  }

  const saslKeys = ['sasl.mechanism', 'sasl.username', 'sasl.password'].filter((k) => properties.has(k));
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  if (saslKeys.length > 0 && !usesSasl) {
    for (const k of saslKeys) problems.add({ key: `streamwright.kafka.${k}`, origin: properties.origin(k)!, message: `has no effect with security.protocol ${protocol} (use SASL_PLAINTEXT or SASL_SSL)` });
  }
  if (usesSasl) {
    const mechanism = properties.text('sasl.mechanism');
    const username = properties.text('sasl.username');
    const password = properties.text('sasl.password');
    const missing = [['sasl.mechanism', mechanism], ['sasl.username', username], ['sasl.password', password]].filter(([, v]) => v === undefined).map(([k]) => k!);
    for (const k of missing) problems.add({ key: `streamwright.kafka.${k}`, origin: origin('security.protocol'), message: `is required with security.protocol ${protocol}` });
    if (missing.length === 0) result.sasl = { mechanism: mechanism!.toLowerCase(), username: username!, password: password! } as SASLOptions;
  }
  return result;
}
