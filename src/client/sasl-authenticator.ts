// SASL for the wire client, as Kafka's clients do it after ApiVersions: SaslHandshake names the
// mechanism, then SaslAuthenticate carries PLAIN's one message or SCRAM's two round trips
// (RFC 5802, with Kafka's SCRAM-SHA-256 and SCRAM-SHA-512).
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { ApiKeys } from '../protocol/generated/messages.js';
import type { KafkaConnection } from './kafka-connection.js';

export interface SaslCredentials {
  /** 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'. */
  mechanism: string;
  username: string;
  password: string;
}

export const SASL_CLIENT_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** Authenticates the connection; a refused mechanism or bad credentials throw Kafka's error. */
export async function authenticate(connection: KafkaConnection, sasl: SaslCredentials): Promise<void> {
  const mechanism = sasl.mechanism.toUpperCase();
  if (!(SASL_CLIENT_MECHANISMS as readonly string[]).includes(mechanism)) throw new TypeError(`unsupported SASL mechanism ${sasl.mechanism}: use one of ${SASL_CLIENT_MECHANISMS.join(', ')}`);
  const handshake = await connection.request(ApiKeys.SaslHandshake, connection.versionFor(ApiKeys.SaslHandshake, { min: 1 }), { mechanism });
  if (handshake.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(handshake.errorCode, `SASL mechanism ${mechanism} (the broker enables ${handshake.mechanisms.join(', ')})`);
  const step = async (bytes: Buffer): Promise<Buffer> => {
    const response = await connection.request(ApiKeys.SaslAuthenticate, connection.versionFor(ApiKeys.SaslAuthenticate), { authBytes: bytes });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, response.errorMessage ?? `SASL ${mechanism} authentication of ${sasl.username}`);
    return response.authBytes;
  };
  if (mechanism === 'PLAIN') {
    await step(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'));
    return;
  }
  await scram(mechanism === 'SCRAM-SHA-512' ? 'sha512' : 'sha256', sasl, step);
}

async function scram(hash: 'sha256' | 'sha512', sasl: SaslCredentials, step: (bytes: Buffer) => Promise<Buffer>): Promise<void> {
  const clientNonce = randomBytes(24).toString('base64url');
  const clientFirstBare = `n=${sasl.username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${clientNonce}`;
  const serverFirst = (await step(Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8');
  const fields = new Map(serverFirst.split(',').map((part) => [part[0], part.slice(2)] as const));
  const nonce = fields.get('r') ?? '';
  const salt = Buffer.from(fields.get('s') ?? '', 'base64');
  const iterations = Number(fields.get('i'));
  if (!nonce.startsWith(clientNonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) throw new Error(`invalid SCRAM server-first message: ${serverFirst}`);
  const salted = pbkdf2Sync(sasl.password, salt, iterations, hash === 'sha256' ? 32 : 64, hash);
  const hmac = (key: Buffer, text: string) => createHmac(hash, key).update(text, 'utf8').digest();
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash(hash).update(clientKey).digest();
  const clientFinalWithoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
  const serverFinal = (await step(Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  // The server proves it knows the credential too.
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  const verifier = Buffer.from(serverFinal.startsWith('v=') ? serverFinal.slice(2) : '', 'base64');
  if (verifier.length !== expected.length || !timingSafeEqual(verifier, expected)) throw new Error(`SCRAM server signature does not match: ${serverFinal}`);
}
