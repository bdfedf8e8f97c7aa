import { InvalidConfigError } from '../config/broker-config.js';
import { UnsupportedConfigError } from '../config/unsupported-configs.js';

/** Kafka's security protocols (SecurityProtocol.java), with the ids Kafka gives them. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** One named listener: where it binds and what it tells clients. */
export interface Listener {
  /** Upper-case name, e.g. PLAINTEXT, SASL_SSL, INTERNAL. */
  readonly name: string;
  readonly protocol: SecurityProtocol;
  /** Address to bind. */
  readonly host: string;
  /** The host as `listeners` gave it ('' = the default bind address). */
  readonly configuredHost: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Host advertised in Metadata. */
  readonly advertisedHost: string;
  /** Port advertised in Metadata; 0 = the bound port. */
  readonly advertisedPort: number;
}

export interface ListenerSettings {
  readonly listeners: readonly Listener[];
  /** The listener brokers of a cluster use to reach each other. */
  readonly interBrokerListener: string;
}

interface Address {
  name: string;
  host: string;
  port: number;
}

/** `NAME://host:port,...` (host may be empty, or an [IPv6] address). */
export function parseListenerList(key: string, text: string): Address[] {
  const out: Address[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^([A-Za-z0-9_-]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d+)$/.exec(entry);
    if (!match) throw new InvalidConfigError(`Invalid value ${text} for configuration ${key}: ${entry} is not NAME://host:port`);
    const port = Number(match[3]);
    if (port > 65535) throw new InvalidConfigError(`Invalid value ${text} for configuration ${key}: port ${port} of ${entry} is out of range`);
    const name = match[1]!.toUpperCase();
    if (out.some((a) => a.name === name)) throw new InvalidConfigError(`Invalid value ${text} for configuration ${key}: Each listener must have a different name, ${name} is repeated`);
    out.push({ name, host: match[2]!.replace(/^\[|\]$/g, ''), port });
  }
  return out;
}

/** `listener.security.protocol.map`: Kafka's default maps each protocol name to itself. */
export function parseProtocolMap(text: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>(SECURITY_PROTOCOLS.map((p) => [p, p]));
  if (text.trim() === '') return map;
  // A map that is given replaces the default (Kafka's semantics).
  map.clear();
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.indexOf(':');
    const name = entry.slice(0, at).trim().toUpperCase();
    const protocol = entry.slice(at + 1).trim().toUpperCase();
    if (at <= 0 || !(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new InvalidConfigError(`Invalid value ${text} for configuration listener.security.protocol.map: ${entry} is not NAME:PROTOCOL with one of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    map.set(name, protocol as SecurityProtocol);
  }
  return map;
}

export interface ListenerDefaults {
  /** Bind address for listeners without a host (and for the default listener). */
  readonly host: string;
  /** Port of the default listener when `listeners` is not set. */
  readonly port: number;
  /** Advertised host for listeners that do not advertise one. */
  readonly advertisedHost: string;
}

/**
 * Reads `listeners`, `advertised.listeners`, `listener.security.protocol.map`,
 * `inter.broker.listener.name` and `security.inter.broker.protocol` as Kafka does. Without
 * `listeners` the broker has one PLAINTEXT listener on the host and port it was given.
 */
export function resolveListeners(value: (key: string) => string | undefined, defaults: ListenerDefaults): ListenerSettings {
  const protocols = parseProtocolMap(value('listener.security.protocol.map') ?? '');
  const listenersText = value('listeners')?.trim() ?? '';
  const bound = listenersText === '' ? [{ name: 'PLAINTEXT', host: '', port: defaults.port }] : parseListenerList('listeners', listenersText);
  if (bound.length === 0) throw new InvalidConfigError('Invalid value for configuration listeners: no listener');
  const advertisedText = value('advertised.listeners')?.trim() ?? '';
  const advertised = new Map(parseListenerList('advertised.listeners', advertisedText).map((a) => [a.name, a]));
  for (const name of advertised.keys()) {
    if (!bound.some((b) => b.name === name)) throw new InvalidConfigError(`Invalid value ${advertisedText} for configuration advertised.listeners: listener ${name} is not in listeners`);
  }
  const listeners = bound.map((b): Listener => {
    const protocol = protocols.get(b.name);
    if (protocol === undefined) {
      throw new InvalidConfigError(`Invalid value ${listenersText} for configuration listeners: listener ${b.name} has no security protocol in listener.security.protocol.map`);
    }
    const ad = advertised.get(b.name);
    const host = b.host === '' ? defaults.host : b.host;
    let advertisedHost = ad && ad.host !== '' ? ad.host : b.host === '' || b.host === '0.0.0.0' || b.host === '::' ? defaults.advertisedHost : b.host;
    if (advertisedHost === '0.0.0.0' || advertisedHost === '::') {
      if (ad) throw new InvalidConfigError(`Invalid value ${advertisedText} for configuration advertised.listeners: ${advertisedHost} is not a valid address to advertise`);
      advertisedHost = defaults.advertisedHost;
    }
    return { name: b.name, protocol, host, configuredHost: b.host, port: b.port, advertisedHost, advertisedPort: ad ? ad.port : 0 };
  });

  const interName = value('inter.broker.listener.name')?.trim().toUpperCase() ?? '';
  const interProtocol = value('security.inter.broker.protocol')?.trim().toUpperCase() ?? '';
  if (interName !== '' && interProtocol !== '') {
    throw new UnsupportedConfigError('inter.broker.listener.name', interName, 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set');
  }
  let interBrokerListener: string;
  if (interName !== '') {
    if (!listeners.some((l) => l.name === interName)) throw new InvalidConfigError(`Invalid value ${interName} for configuration inter.broker.listener.name: it is not one of the listeners`);
    interBrokerListener = interName;
  } else if (interProtocol !== '') {
    const found = listeners.find((l) => l.name === interProtocol);
    if (!found) throw new InvalidConfigError(`Invalid value ${interProtocol} for configuration security.inter.broker.protocol: no listener named ${interProtocol}`);
    interBrokerListener = found.name;
  } else {
    // Kafka's default (security.inter.broker.protocol=PLAINTEXT) needs a PLAINTEXT listener; a
    // broker on its own never uses it, so the first listener stands in where there is none.
    interBrokerListener = (listeners.find((l) => l.name === 'PLAINTEXT') ?? listeners[0]!).name;
  }
  return { listeners, interBrokerListener };
}

/**
 * The listeners of broker number `index` in an in-process cluster: every fixed port moves up
 * by `index` × the number of listeners, so `PLAINTEXT://:9092,SSL://:9093,SASL_SSL://:9094`
 * gives broker 1 9095/9096/9097 and broker 2 9098/9099/9100 (the layout of kafkajs's own
 * test cluster). Port 0 stays 0.
 */
export function shiftListenerPorts(key: string, text: string, index: number, count: number): string {
  return parseListenerList(key, text)
    .map((a) => `${a.name}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port === 0 ? 0 : a.port + index * count}`)
    .join(',');
}
