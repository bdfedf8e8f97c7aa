import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import { InvalidConfigError } from '../config/broker-config.js';
import { UnsupportedConfigError } from '../config/unsupported-configs.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsSettings {
  /** Options for tls.createServer. */
  readonly serverOptions: TlsOptions;
  readonly clientAuth: ClientAuth;
  /** Trusted CA certificates (PEM), for the broker's own TLS connections to other brokers. */
  readonly trustedCertificates: string | undefined;
  /** The broker's certificate chain and key (PEM), presented as a client to other brokers. */
  readonly certificateChain: string;
  readonly privateKey: string;
  readonly keyPassword: string | undefined;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PEM_KEY = /-----BEGIN (?:ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED )?PRIVATE KEY-----/;

function readFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(`Invalid value ${path} for configuration ${key}: ${(error as Error).message}`);
  }
}

/** TLS versions from ssl.enabled.protocols (Kafka's default TLSv1.2,TLSv1.3). */
function versions(text: string): Pick<TlsOptions, 'minVersion' | 'maxVersion'> {
  const known = ['TLSv1.2', 'TLSv1.3'] as const;
  const wanted = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of wanted) {
    if (!(known as readonly string[]).includes(p)) throw new UnsupportedConfigError('ssl.enabled.protocols', text, `${p} is not supported (TLSv1.2 and TLSv1.3 are)`);
  }
  const enabled = known.filter((p) => wanted.includes(p));
  if (enabled.length === 0) throw new InvalidConfigError(`Invalid value ${text} for configuration ssl.enabled.protocols: no protocol`);
  return { minVersion: enabled[0]!, maxVersion: enabled[enabled.length - 1]! };
}

/**
 * The TLS settings of one listener from Kafka's names (KIP-651 PEM stores): the key and chain
 * from `ssl.keystore.key` + `ssl.keystore.certificate.chain` or the PEM file at
 * `ssl.keystore.location`, `ssl.key.password` for an encrypted key, trusted certificates from
 * `ssl.truststore.certificates` or `ssl.truststore.location`, and `ssl.client.auth`. `value`
 * resolves `listener.name.<l>.` overrides first.
 */
export function tlsSettings(listener: string, value: (key: string) => string | undefined): TlsSettings {
  const inline = value('ssl.keystore.key');
  const chainText = value('ssl.keystore.certificate.chain');
  const location = value('ssl.keystore.location');
  let keyText: string;
  let certificateChain: string;
  if (inline !== undefined && inline.trim() !== '') {
    if (chainText === undefined || chainText.trim() === '') throw new InvalidConfigError(`Invalid configuration for listener ${listener}: ssl.keystore.key needs ssl.keystore.certificate.chain`);
    keyText = inline;
    certificateChain = chainText;
  } else if (location !== undefined && location.trim() !== '') {
    const text = readFile('ssl.keystore.location', location);
    keyText = text;
    certificateChain = (text.match(PEM_CERTIFICATE) ?? []).join('\n');
  } else {
    throw new InvalidConfigError(`Invalid configuration for listener ${listener}: a TLS listener needs ssl.keystore.key and ssl.keystore.certificate.chain, or ssl.keystore.location (PEM)`);
  }
  const privateKey = PEM_KEY.exec(keyText)?.[0];
  if (privateKey === undefined) throw new InvalidConfigError(`Invalid configuration for listener ${listener}: the keystore holds no PKCS#8 key (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)`);
  if ((certificateChain.match(PEM_CERTIFICATE) ?? []).length === 0) throw new InvalidConfigError(`Invalid configuration for listener ${listener}: the keystore holds no certificate`);
  const truststoreText = value('ssl.truststore.certificates')?.trim() || (value('ssl.truststore.location')?.trim() ? readFile('ssl.truststore.location', value('ssl.truststore.location')!.trim()) : undefined);
  if (truststoreText !== undefined && (truststoreText.match(PEM_CERTIFICATE) ?? []).length === 0) {
    throw new InvalidConfigError(`Invalid configuration for listener ${listener}: the truststore holds no certificate`);
  }
  const clientAuth = (value('ssl.client.auth') ?? 'none').toLowerCase() as ClientAuth;
  if (clientAuth !== 'none' && truststoreText === undefined) {
    throw new InvalidConfigError(`Invalid configuration for listener ${listener}: ssl.client.auth=${clientAuth} needs ssl.truststore.certificates or ssl.truststore.location to check client certificates`);
  }
  const keyPassword = value('ssl.key.password');
  return {
    clientAuth,
    trustedCertificates: truststoreText,
    certificateChain,
    privateKey,
    keyPassword,
    serverOptions: {
      key: privateKey,
      ...(keyPassword ? { passphrase: keyPassword } : {}),
      cert: certificateChain,
      ...(truststoreText !== undefined ? { ca: truststoreText } : {}),
      requestCert: clientAuth !== 'none',
      // Checked after the handshake: `requested` lets a client without a certificate in.
      rejectUnauthorized: clientAuth === 'required',
      ...versions(value('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3'),
    },
  };
}
