import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_MECHANISMS, digest, hmac, type ScramCredential, type ScramMechanismName } from './scram-credential.js';
import { SaslAuthenticationError, SaslError, type SaslServer } from './sasl-server.js';

const CLIENT_FIRST = /^n,(?:a=([^,]*))?,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)((?:,[^,]*)*))$/;
const CLIENT_FINAL = /^(c=([A-Za-z0-9+/=]*),r=([\x21-\x2b\x2d-\x7e]+)(?:,[^,]*)*?),p=([A-Za-z0-9+/=]+)$/;

/** RFC 5802 saslname: `=2C` is `,` and `=3D` is `=`; any other `=` is invalid. */
function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new SaslError(`Invalid username: ${name}`);
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer runs it:
 * client-first → server-first (nonce, salt, iterations), client-final with the proof →
 * server-final with the server signature. The proof is checked against the stored key.
 */
export class ScramSaslServer implements SaslServer {
  readonly credentialExpiresAtMs = null;
  complete = false;
  authorizationId = '';
  private step: 'first' | 'final' = 'first';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | null = null;

  constructor(
    readonly mechanism: ScramMechanismName,
    private readonly credentialOf: (user: string) => ScramCredential | undefined,
  ) {}

  evaluate(token: Buffer): Buffer {
    const text = token.toString('utf8');
    if (this.step === 'first') return this.first(text);
    return this.final(text);
  }

  private first(text: string): Buffer {
    const match = CLIENT_FIRST.exec(text);
    if (!match) throw new SaslError('Invalid SCRAM client first message');
    const [, authzid, bare, rawName, clientNonce, extensions] = match as unknown as [string, string | undefined, string, string, string, string];
    if (extensions.split(',').some((e) => e === 'tokenauth=true')) throw new SaslError('Token Authentication failed: Invalid tokenId');
    const username = decodeSaslName(rawName);
    if (authzid !== undefined && authzid !== '' && decodeSaslName(authzid) !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    const credential = this.credentialOf(username);
    if (!credential) throw new SaslError('Authentication failed: Invalid user credentials');
    const { minIterations } = SCRAM_MECHANISMS[this.mechanism];
    if (credential.iterations < minIterations) throw new SaslError(`Iterations ${credential.iterations} is less than the minimum ${minIterations} for ${this.mechanism}`);
    this.credential = credential;
    this.authorizationId = username;
    this.clientFirstBare = bare;
    // Kafka's server nonce: a 130-bit random number in base 36.
    this.nonce = clientNonce + BigInt('0x' + randomBytes(17).toString('hex')).toString(36);
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.step = 'final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private final(text: string): Buffer {
    const match = CLIENT_FINAL.exec(text);
    if (!match) throw new SaslError('Invalid SCRAM client final message');
    const [, withoutProof, , nonce, proofBase64] = match as unknown as [string, string, string, string, string];
    // Kafka checks only that the nonce ends with the server's: librdkafka 2.0.2 sends its own
    // nonce twice before the server part.
    if (!nonce.endsWith(this.nonce)) throw new SaslError('Invalid client nonce in the final client message.');
    const credential = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.mechanism, credential.storedKey, authMessage);
    const proof = Buffer.from(proofBase64, 'base64');
    if (proof.length !== clientSignature.length) throw new SaslError('Invalid client credentials');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(digest(this.mechanism, clientKey), credential.storedKey)) throw new SaslError('Invalid client credentials');
    this.complete = true;
    return Buffer.from(`v=${hmac(this.mechanism, credential.serverKey, authMessage).toString('base64')}`, 'utf8');
  }
}
