import { timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/** SASL/PLAIN (RFC 4616) with Kafka's checks and messages (PlainSaslServer). */
export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  readonly credentialExpiresAtMs = null;
  complete = false;
  authorizationId = '';

  constructor(private readonly passwordOf: (user: string) => string | undefined) {}

  evaluate(token: Buffer): Buffer {
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.passwordOf(username);
    if (expected === undefined || !sameText(expected, password)) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authzid !== '' && authzid !== username) throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    this.authorizationId = username;
    this.complete = true;
    return Buffer.alloc(0);
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
