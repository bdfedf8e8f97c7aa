import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { BrokerConfig } from '../config/broker-config.js';
import { InvalidConfigError } from '../config/broker-config.js';
import { UnsupportedConfigError } from '../config/unsupported-configs.js';
import type { CredentialStore } from './credential-store.js';
import { parseJaasConfig, plainUsersOf, type JaasEntry } from './jaas-config.js';
import { usesSasl, usesTls, type Listener } from './listeners.js';
import { OAuthBearerSaslServer, type UnsecuredValidatorOptions } from './sasl/oauthbearer.js';
import { PlainSaslServer } from './sasl/plain.js';
import type { SaslServer } from './sasl/sasl-server.js';
import { ScramSaslServer } from './sasl/scram.js';
import { isScramMechanism } from './sasl/scram-credential.js';
import { ANONYMOUS, SecuritySession, type SaslSettings } from './security-session.js';
import { SslPrincipalMapper, rfc2253 } from './ssl-principal-mapper.js';
import { tlsSettings, type TlsSettings } from './tls-settings.js';

/** What the server of one listener needs: its TLS settings and how to start a connection's session. */
export interface ListenerSecurity {
  readonly listener: Listener;
  readonly tls: TlsSettings | null;
  /** Why a freshly accepted socket must be dropped (a client certificate that does not verify), or null. */
  refuse(socket: Socket): string | null;
  newSession(socket: Socket): SecuritySession;
}

/** `listener.name.<l>.<mechanism>.sasl.jaas.config`, parsed (null when not set). */
function jaasFor(config: BrokerConfig, listener: string, mechanism: string): JaasEntry[] | null {
  const key = `listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
  const text = config.staticValue(key);
  if (text === undefined || text.trim() === '') return null;
  try {
    return parseJaasConfig(text);
  } catch (error) {
    throw new InvalidConfigError(`Invalid value for configuration ${key}: ${(error as Error).message}`);
  }
}

function unsecuredValidatorOptions(entries: JaasEntry[] | null): UnsecuredValidatorOptions {
  const option = (name: string) => entries?.map((e) => e.options.get(name)).find((v) => v !== undefined);
  const skew = option('unsecuredValidatorAllowableClockSkewMs');
  return {
    principalClaimName: option('unsecuredValidatorPrincipalClaimName'),
    scopeClaimName: option('unsecuredValidatorScopeClaimName'),
    requiredScope: option('unsecuredValidatorRequiredScope')?.split(/[\s,]+/).filter((s) => s !== ''),
    ...(skew !== undefined ? { allowableClockSkewMs: Number(skew) } : {}),
  };
}

export interface ListenerSecurityOptions {
  /** PLAIN users every SASL listener accepts besides its JAAS config (EmbeddedKafka's `sasl.users`). */
  readonly plainUsers?: ReadonlyMap<string, string>;
  readonly now?: () => number;
}

/**
 * Builds a listener's security from the broker config: TLS for SSL and SASL_SSL, the SASL
 * mechanisms and their credentials for SASL_PLAINTEXT and SASL_SSL. Anything it cannot honour
 * fails here, at start-up, naming the key.
 */
export function listenerSecurity(config: BrokerConfig, listener: Listener, store: CredentialStore, options: ListenerSecurityOptions = {}): ListenerSecurity {
  const value = (key: string) => config.listenerValue(listener.name, key);
  const tls = usesTls(listener.protocol) ? tlsSettings(listener.name, value) : null;
  const mapper = tls ? new SslPrincipalMapper(value('ssl.principal.mapping.rules') ?? 'DEFAULT') : null;
  const sasl = usesSasl(listener.protocol) ? saslSettings(config, listener, store, options) : undefined;
  return {
    listener,
    tls,
    refuse(socket) {
      if (!(socket instanceof TLSSocket) || !tls || tls.clientAuth === 'none') return null;
      // `requested`: no certificate is fine, a certificate that does not verify is not.
      const presented = socket.getPeerX509Certificate() !== undefined;
      return presented && !socket.authorized ? `client certificate refused: ${String(socket.authorizationError)}` : null;
    },
    newSession(socket) {
      let transportPrincipal = ANONYMOUS;
      if (socket instanceof TLSSocket && mapper && socket.authorized) {
        const certificate = socket.getPeerX509Certificate();
        if (certificate) transportPrincipal = `User:${mapper.map(rfc2253(certificate.subject))}`;
      }
      return new SecuritySession({ listener: listener.name, protocol: listener.protocol, transportPrincipal, sasl, now: options.now });
    },
  };
}

function saslSettings(config: BrokerConfig, listener: Listener, store: CredentialStore, options: ListenerSecurityOptions): SaslSettings {
  const prefixed = `listener.name.${listener.name.toLowerCase()}.sasl.enabled.mechanisms`;
  const key = config.staticValue(prefixed) !== undefined ? prefixed : 'sasl.enabled.mechanisms';
  const text = config.listenerValue(listener.name, 'sasl.enabled.mechanisms') ?? '';
  const mechanisms = text.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
  if (mechanisms.includes('GSSAPI')) {
    throw new UnsupportedConfigError(key, text, `GSSAPI (Kerberos) is not supported; listener ${listener.name} needs sasl.enabled.mechanisms from PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER`);
  }
  if (mechanisms.length === 0) throw new InvalidConfigError(`Invalid value for configuration ${key}: listener ${listener.name} enables no SASL mechanism`);
  const plainUsers = new Map([...(options.plainUsers ?? []), ...plainUsersOf(jaasFor(config, listener.name, 'PLAIN') ?? [])]);
  const oauth = unsecuredValidatorOptions(jaasFor(config, listener.name, 'OAUTHBEARER'));
  const now = options.now ?? Date.now;
  const reauthKey = (mechanism: string) => `listener.name.${listener.name.toLowerCase()}.${mechanism.toLowerCase()}.connections.max.reauth.ms`;
  return {
    mechanisms,
    newServer(mechanism): SaslServer {
      if (mechanism === 'PLAIN') return new PlainSaslServer((user) => plainUsers.get(user));
      if (isScramMechanism(mechanism)) return new ScramSaslServer(mechanism, (user) => store.scram(user, mechanism));
      return new OAuthBearerSaslServer(oauth, now);
    },
    maxReauthMs: (mechanism) => Number(config.staticValue(reauthKey(mechanism)) ?? config.listenerValue(listener.name, 'connections.max.reauth.ms') ?? 0),
    maxReceiveBytes: Number(config.listenerValue(listener.name, 'sasl.server.max.receive.size') ?? 524288),
    failedAuthenticationDelayMs: config.int('connection.failed.authentication.delay.ms'),
  };
}
