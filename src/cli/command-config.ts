// `--command-config FILE`: the client properties Kafka's tools read (security.protocol,
// sasl.mechanism, sasl.jaas.config, ssl.truststore.*), turned into the wire client's TLS and
// SASL options.
import { readFileSync } from 'node:fs';
import type { ClusterClientOptions } from '../client/cluster-client.js';
import { UsageError } from './args.js';

export type ClientSecurity = Pick<ClusterClientOptions, 'tls' | 'sasl'>;

/** `key=value` lines; `#` and `!` start comments. */
function readProperties(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --command-config ${path}: ${(error as Error).message}`);
  }
  const properties = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const at = trimmed.search(/[=:]/);
    if (at <= 0) continue;
    properties.set(trimmed.slice(0, at).trim(), trimmed.slice(at + 1).trim());
  }
  return properties;
}

/** The security of a `--command-config` file (undefined path = plaintext, no SASL). */
export function clientSecurity(path: string | undefined): ClientSecurity {
  if (path === undefined) return {};
  const properties = readProperties(path);
  const protocol = (properties.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) throw new UsageError(`unknown security.protocol ${protocol}`);
  const security: { tls?: ClientSecurity['tls']; sasl?: ClientSecurity['sasl'] } = {};
  if (protocol.endsWith('SSL')) {
    const inline = properties.get('ssl.truststore.certificates');
    const location = properties.get('ssl.truststore.location');
    const ca = inline ?? (location ? readFileSync(location, 'utf8') : undefined);
    security.tls = ca ? { ca } : {};
  }
  if (protocol.startsWith('SASL')) {
    const mechanism = (properties.get('sasl.mechanism') ?? 'GSSAPI').toUpperCase();
    const jaas = properties.get('sasl.jaas.config') ?? '';
    const option = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]*)"`).exec(jaas)?.[1];
    const username = option('username');
    const password = option('password');
    if (username === undefined || password === undefined) throw new UsageError('sasl.jaas.config needs username="..." and password="..."');
    security.sasl = { mechanism, username, password };
  }
  return security;
}
