import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { KafkaConnection } from '../../client/kafka-connection.js';
import type { SaslCredentials } from '../../client/sasl-authenticator.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { InvalidConfigError } from '../config/broker-config.js';
import { UnsupportedConfigError } from '../config/unsupported-configs.js';
import { parseJaasConfig } from './jaas-config.js';
import type { Listener } from './listeners.js';

/** Mechanisms a broker can authenticate with to another broker (the wire client's). */
const INTER_BROKER_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
const MECHANISM_KEY = 'sasl.mechanism.inter.broker.protocol';

const jaasKey = (listener: string, mechanism: string) => `listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;

/** The inter-broker credentials were refused: `key` is the config that holds them. */
export class InterBrokerAuthenticationError extends Error {
  override readonly name = 'InterBrokerAuthenticationError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The credentials a broker presents to the other brokers on a SASL inter-broker listener, as
 * Kafka takes them: the mechanism from `sasl.mechanism.inter.broker.protocol` (Kafka's default
 * is GSSAPI, which is refused here) and the client side of
 * `listener.name.<listener>.<mechanism>.sasl.jaas.config`: its `username` and `password`
 * options. Anything missing or unusable fails start-up naming the key: a broker never falls
 * back to unauthenticated inter-broker traffic.
 */
export function interBrokerSaslCredentials(config: BrokerConfig, listener: Listener, enabledMechanisms: readonly string[]): SaslCredentials {
  const mechanism = (config.staticValue(MECHANISM_KEY) ?? 'GSSAPI').trim().toUpperCase();
  if (!INTER_BROKER_MECHANISMS.includes(mechanism)) {
    throw new UnsupportedConfigError(MECHANISM_KEY, mechanism, `inter-broker listener ${listener.name} is ${listener.protocol}: brokers authenticate to each other with ${INTER_BROKER_MECHANISMS.join(', ')} (Kafka's default GSSAPI is not supported)`);
  }
  if (!enabledMechanisms.includes(mechanism)) {
    throw new InvalidConfigError(`Invalid value for configuration ${MECHANISM_KEY}: ${mechanism} is not in sasl.enabled.mechanisms of the inter-broker listener ${listener.name} (${enabledMechanisms.join(', ')})`);
  }
  const key = jaasKey(listener.name, mechanism);
  const text = config.staticValue(key);
  if (text === undefined || text.trim() === '') {
    throw new InvalidConfigError(`Missing configuration ${key}: the inter-broker listener ${listener.name} needs the username and password brokers authenticate with`);
  }
  let options: ReadonlyMap<string, string>;
  try {
    options = new Map(parseJaasConfig(text).flatMap((entry) => [...entry.options]));
  } catch (error) {
    throw new InvalidConfigError(`Invalid value for configuration ${key}: ${(error as Error).message}`);
  }
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined) {
    throw new InvalidConfigError(`Invalid value for configuration ${key}: the inter-broker listener ${listener.name} needs username="..." and password="..."`);
  }
  return { mechanism, username, password };
}

/**
 * Authenticates once against this broker's own inter-broker listener with the inter-broker
 * credentials. Every broker of a cluster checks them against the same SCRAM credentials (the
 * cluster metadata) or its PLAIN users, so a wrong password fails start-up with an error
 * naming the key instead of leaving replica fetchers failing in the background.
 */
export async function verifyInterBrokerCredentials(endpoint: { host: string; port: number }, tls: TlsConnectionOptions | null, sasl: SaslCredentials, listener: string): Promise<void> {
  let connection: KafkaConnection;
  try {
    connection = await KafkaConnection.connect({ ...endpoint, clientId: 'streamwright-inter-broker-check', connectTimeoutMs: 5_000, ...(tls ? { tls } : {}), sasl });
  } catch (error) {
    const key = jaasKey(listener, sasl.mechanism);
    throw new InterBrokerAuthenticationError(key, `the inter-broker listener ${listener} refused the credentials of ${key} (${sasl.mechanism} user ${sasl.username}): ${(error as Error).message}`);
  }
  connection.close();
}
