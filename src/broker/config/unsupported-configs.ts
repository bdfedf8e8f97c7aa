import type { ConfigValue } from './broker-config.js';

/**
 * A broker config this broker cannot honour and will not pretend to: today every security
 * setting (TLS, SASL, authorizers, non-PLAINTEXT listeners). Raised at start-up, before
 * anything listens, and names the key.
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

const PLAINTEXT = 'PLAINTEXT';
const NO_SECURITY = 'this broker speaks PLAINTEXT only (no TLS, SASL or ACLs)';

/** Configs that only matter with security on: any value is refused (an empty one is harmless). */
const SECURITY_PREFIXES = ['ssl.', 'sasl.', 'listener.name.'];
const SECURITY_KEYS = new Set(['authorizer.class.name', 'principal.builder.class', 'security.providers', 'super.users', 'delegation.token.secret.key', 'delegation.token.master.key']);

/**
 * Static configs that are not broker configs of this broker but are not mistakes either: the
 * listener settings checked here (the address comes from the host and port options), and the
 * log directory the CLI reads.
 */
export const KNOWN_STATIC_ONLY_CONFIGS: ReadonlySet<string> = new Set([
  'listeners', 'advertised.listeners', 'listener.security.protocol.map', 'security.inter.broker.protocol',
  'inter.broker.listener.name', 'controller.listener.names', 'process.roles', 'log.dirs', 'log.dir',
]);

/**
 * Throws {@link UnsupportedConfigError} for the first static config that asks for security:
 * `ssl.*`, `sasl.*`, an authorizer, `security.inter.broker.protocol` other than PLAINTEXT, a
 * `listener.security.protocol.map` naming another protocol, or a listener whose protocol is
 * not PLAINTEXT.
 */
export function refuseUnsupportedConfigs(configs: Readonly<Record<string, ConfigValue>>): void {
  const text = (key: string) => String(configs[key] ?? '').trim();
  // Kafka's default map: each protocol is also a listener name.
  const protocolMap = new Map<string, string>(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].map((p) => [p, p]));
  for (const [key, raw] of Object.entries(configs)) {
    const value = String(raw).trim();
    if ((SECURITY_KEYS.has(key) || SECURITY_PREFIXES.some((p) => key.startsWith(p))) && value !== '') {
      throw new UnsupportedConfigError(key, value, NO_SECURITY);
    }
  }
  const securityProtocol = text('security.inter.broker.protocol');
  if (securityProtocol !== '' && securityProtocol.toUpperCase() !== PLAINTEXT) {
    throw new UnsupportedConfigError('security.inter.broker.protocol', securityProtocol, NO_SECURITY);
  }
  const map = text('listener.security.protocol.map');
  for (const entry of map.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.indexOf(':');
    const protocol = entry.slice(at + 1).trim().toUpperCase();
    if (at <= 0 || protocol !== PLAINTEXT) throw new UnsupportedConfigError('listener.security.protocol.map', map, `${entry}: ${NO_SECURITY}`);
    protocolMap.set(entry.slice(0, at).trim().toUpperCase(), protocol);
  }
  for (const key of ['listeners', 'advertised.listeners']) {
    const listeners = text(key);
    for (const listener of listeners.split(',').map((l) => l.trim()).filter((l) => l !== '')) {
      const name = /^([A-Za-z0-9_-]+):\/\//.exec(listener)?.[1]?.toUpperCase();
      if (name === undefined) throw new UnsupportedConfigError(key, listeners, `${listener} is not NAME://host:port`);
      if (protocolMap.get(name) !== PLAINTEXT) {
        throw new UnsupportedConfigError(key, listeners, `listener ${name} ${protocolMap.has(name) ? 'is not PLAINTEXT' : 'has no security protocol (PLAINTEXT is the only one)'}: ${NO_SECURITY}`);
      }
    }
  }
}
