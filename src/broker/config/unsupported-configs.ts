import type { ConfigValue } from './config-value.js';

/**
 * A broker config this broker cannot honour and will not pretend to (a principal builder, a JKS
 * keystore, GSSAPI, ...). Raised at start-up, before anything listens, and names the key.
 */
export class UnsupportedConfigError extends Error {
  override readonly name = 'UnsupportedConfigError';
  constructor(
    readonly key: string,
    readonly value: string,
    why: string,
  ) {
    super(`Unsupported broker config ${key}=${value}: ${why}`);
  }
}

/** Security configs the broker reads (see src/broker/security/). */
export const SUPPORTED_SSL_CONFIGS: ReadonlySet<string> = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.key.password',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.certificates', 'ssl.client.auth',
  'ssl.principal.mapping.rules', 'ssl.enabled.protocols', 'ssl.protocol',
  // Applies to clients only; brokers never check client host names.
  'ssl.endpoint.identification.algorithm',
]);
export const SUPPORTED_SASL_CONFIGS: ReadonlySet<string> = new Set(['sasl.enabled.mechanisms', 'sasl.server.max.receive.size', 'sasl.mechanism.inter.broker.protocol']);
const SUPPORTED_OTHER_SECURITY_CONFIGS: ReadonlySet<string> = new Set([
  'connections.max.reauth.ms', 'connection.failed.authentication.delay.ms',
  // The authorizer's (src/broker/security/authorizer/authorizer-config.ts).
  'authorizer.class.name', 'super.users', 'allow.everyone.if.no.acl.found',
]);
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

/** The parts of Kafka's security model that this broker does not have: any value is refused. */
const REFUSED_KEYS = new Set(['principal.builder.class', 'security.providers', 'delegation.token.secret.key', 'delegation.token.master.key']);

/**
 * Static configs that are not broker configs of this broker but are not mistakes either: the
 * listener settings, and the log directory the CLI reads.
 */
export const KNOWN_STATIC_ONLY_CONFIGS: ReadonlySet<string> = new Set([
  'listeners', 'advertised.listeners', 'listener.security.protocol.map', 'security.inter.broker.protocol',
  'inter.broker.listener.name', 'controller.listener.names', 'process.roles', 'log.dirs', 'log.dir',
  ...SUPPORTED_SSL_CONFIGS, ...SUPPORTED_SASL_CONFIGS, ...SUPPORTED_OTHER_SECURITY_CONFIGS,
]);

/** `listener.name.<l>.<rest>`: the per-listener override of `<rest>`, or null. */
export function listenerOverride(key: string): { listener: string; key: string } | null {
  const match = /^listener\.name\.([a-z0-9_-]+)\.(.+)$/i.exec(key);
  return match ? { listener: match[1]!.toUpperCase(), key: match[2]! } : null;
}

/** `<mechanism>.sasl.jaas.config` / `<mechanism>.connections.max.reauth.ms` (lower-case mechanism). */
function isMechanismScoped(key: string): boolean {
  const match = /^([a-z0-9-]+)\.(sasl\.jaas\.config|connections\.max\.reauth\.ms)$/.exec(key);
  return match !== null && (SASL_MECHANISMS as readonly string[]).includes(match[1]!.toUpperCase());
}

/** Whether a static config is a security setting this broker reads (and so is not warned about). */
export function isKnownSecurityConfig(key: string): boolean {
  if (KNOWN_STATIC_ONLY_CONFIGS.has(key)) return true;
  const override = listenerOverride(key);
  return override !== null && (KNOWN_STATIC_ONLY_CONFIGS.has(override.key) || isMechanismScoped(override.key));
}

function refuseValue(key: string, value: string): void {
  const base = listenerOverride(key)?.key ?? key;
  if ((base === 'ssl.keystore.type' || base === 'ssl.truststore.type') && value.toUpperCase() !== 'PEM') {
    throw new UnsupportedConfigError(key, value, 'only PEM keystores and truststores are supported (ssl.keystore.type=PEM with ssl.keystore.certificate.chain and ssl.keystore.key, or ssl.keystore.location of a PEM file)');
  }
  if (base === 'ssl.keystore.password' || base === 'ssl.truststore.password') {
    throw new UnsupportedConfigError(key, value, 'PEM keystores and truststores take no store password (an encrypted key takes ssl.key.password)');
  }
  if (base === 'sasl.enabled.mechanisms') {
    for (const mechanism of value.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '')) {
      if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
        throw new UnsupportedConfigError(key, value, `SASL mechanism ${mechanism} is not supported (supported: ${SASL_MECHANISMS.join(', ')})`);
      }
    }
  }
  if (base === 'ssl.client.auth' && !['none', 'requested', 'required'].includes(value.toLowerCase())) {
    throw new UnsupportedConfigError(key, value, 'ssl.client.auth must be none, requested or required');
  }
}

/**
 * Throws {@link UnsupportedConfigError} for the first static config this broker cannot honour:
 * a custom principal builder or delegation tokens, an `ssl.*` / `sasl.*` /
 * `listener.name.*` setting it does not read, a JKS or PKCS12 store, or a SASL mechanism it
 * does not have (GSSAPI).
 */
export function refuseUnsupportedConfigs(configs: Readonly<Record<string, ConfigValue>>): void {
  for (const [key, raw] of Object.entries(configs)) {
    const value = String(raw).trim();
    if (value === '') continue;
    if (REFUSED_KEYS.has(key)) throw new UnsupportedConfigError(key, value, 'this broker has no pluggable principal builders, security providers or delegation tokens');
    const security = key.startsWith('ssl.') || key.startsWith('sasl.') || key.startsWith('listener.name.');
    if (security) {
      const base = listenerOverride(key)?.key ?? key;
      const storePassword = base === 'ssl.keystore.password' || base === 'ssl.truststore.password';
      if (!storePassword && !isKnownSecurityConfig(key)) throw new UnsupportedConfigError(key, value, 'this security setting is not supported');
    }
    refuseValue(key, value);
  }
}
