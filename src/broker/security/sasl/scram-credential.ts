import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** Kafka's SCRAM mechanisms with their AlterUserScramCredentials ids and iteration limits (ScramMechanism.java). */
export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-256': { id: 1, hash: 'sha256', minIterations: 4096, maxIterations: 16384 },
  'SCRAM-SHA-512': { id: 2, hash: 'sha512', minIterations: 4096, maxIterations: 16384 },
} as const;
export type ScramMechanismName = keyof typeof SCRAM_MECHANISMS;

export function scramMechanismById(id: number): ScramMechanismName | undefined {
  return (Object.keys(SCRAM_MECHANISMS) as ScramMechanismName[]).find((name) => SCRAM_MECHANISMS[name].id === id);
}
export function isScramMechanism(name: string): name is ScramMechanismName {
  return Object.hasOwn(SCRAM_MECHANISMS, name);
}

/** What the broker keeps for a SCRAM user: never the password (RFC 5802 §3). */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

export function hmac(mechanism: ScramMechanismName, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(SCRAM_MECHANISMS[mechanism].hash, key).update(data).digest();
}
export function digest(mechanism: ScramMechanismName, data: Buffer): Buffer {
  return createHash(SCRAM_MECHANISMS[mechanism].hash).update(data).digest();
}

/** Hi(password, salt, i) = PBKDF2 with the mechanism's HMAC (RFC 5802 §2.2). */
export function saltedPassword(mechanism: ScramMechanismName, password: string, salt: Buffer, iterations: number): Buffer {
  const hash = SCRAM_MECHANISMS[mechanism].hash;
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, hash === 'sha256' ? 32 : 64, hash);
}

/** The stored key and server key from a salted password (what AlterUserScramCredentials sends). */
export function credentialFromSaltedPassword(mechanism: ScramMechanismName, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, salted, 'Client Key');
  return { salt, iterations, storedKey: digest(mechanism, clientKey), serverKey: hmac(mechanism, salted, 'Server Key') };
}

/** A salt as Kafka's tools make one: the bytes of a random base-36 string. */
export function randomSalt(): Buffer {
  return Buffer.from(BigInt('0x' + randomBytes(16).toString('hex')).toString(36), 'ascii');
}

export function credentialFromPassword(mechanism: ScramMechanismName, password: string, iterations: number, salt: Buffer = randomSalt()): ScramCredential {
  return credentialFromSaltedPassword(mechanism, saltedPassword(mechanism, password, salt, iterations), salt, iterations);
}
