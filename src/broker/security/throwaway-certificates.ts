import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';

// node-forge is a large CommonJS library that only `tls: true` needs: it is loaded on the
// first call rather than with the broker (start-up time of every process that imports it).
let forgeLibrary: typeof Forge | undefined;
function nodeForge(): typeof Forge {
  forgeLibrary ??= createRequire(import.meta.url)('node-forge') as typeof Forge;
  return forgeLibrary;
}

/** A PEM certificate with its PKCS#8 key. */
export interface PemCredentials {
  /** The certificate (PEM). */
  readonly cert: string;
  /** Its private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly key: string;
}

/** A throwaway certificate authority with a broker certificate and a client certificate it signed. */
export interface ThrowawayCertificates {
  /** The CA certificate (PEM): what clients trust. */
  readonly ca: string;
  readonly broker: PemCredentials;
  /** A client certificate (subject `CN=<clientCommonName>`) for mutual TLS. */
  readonly client: PemCredentials;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function rsaKey(): { pem: string; forgeKey: Forge.pki.rsa.PrivateKey } {
  // Node generates the key natively (fast); node-forge builds and signs the certificates.
  const forge = nodeForge();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { pem, forgeKey: forge.pki.privateKeyFromPem(pem) as Forge.pki.rsa.PrivateKey };
}

function certificate(
  subject: string,
  subjectKey: Forge.pki.rsa.PrivateKey,
  issuer: { name: Forge.pki.CertificateField[]; key: Forge.pki.rsa.PrivateKey } | null,
  extensions: object[],
): Forge.pki.Certificate {
  const forge = nodeForge();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
  // A positive serial number (first byte below 0x80).
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY_MS);
  // Most general first, as CAs issue them: the RFC 2253 form reads CN=<subject>,O=Streamwright.
  const name = [{ shortName: 'O', value: 'Streamwright' }, { shortName: 'CN', value: subject }];
  cert.setSubject(name);
  cert.setIssuer(issuer ? issuer.name : name);
  cert.setExtensions(extensions);
  cert.sign(issuer ? issuer.key : subjectKey, forge.md.sha256.create());
  return cert;
}

/**
 * A CA, a broker certificate valid for `hosts` (names and IP addresses) and a client
 * certificate, each valid for a year, for tests: `EmbeddedKafka.start({ tls: true })`.
 */
export function throwawayCertificates(hosts: readonly string[], clientCommonName = 'client'): ThrowawayCertificates {
  const forge = nodeForge();
  const caKey = rsaKey();
  const ca = certificate('Streamwright throwaway CA', caKey.forgeKey, null, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  const issuer = { name: ca.subject.attributes, key: caKey.forgeKey };
  const brokerKey = rsaKey();
  const altNames = [...new Set(hosts)].map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host }));
  const broker = certificate(hosts[0] ?? 'localhost', brokerKey.forgeKey, issuer, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  const clientKey = rsaKey();
  const client = certificate(clientCommonName, clientKey.forgeKey, issuer, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  return {
    ca: forge.pki.certificateToPem(ca),
    broker: { cert: forge.pki.certificateToPem(broker), key: brokerKey.pem },
    client: { cert: forge.pki.certificateToPem(client), key: clientKey.pem },
  };
}
