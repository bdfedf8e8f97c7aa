import { SaslAuthenticationError, SaslError, type SaslServer } from './sasl-server.js';

/** Options of Kafka's unsecured validator (OAuthBearerUnsecuredValidatorCallbackHandler), from the JAAS config. */
export interface UnsecuredValidatorOptions {
  readonly principalClaimName?: string;
  readonly scopeClaimName?: string;
  readonly requiredScope?: readonly string[];
  readonly allowableClockSkewMs?: number;
}

/** A token that failed validation: RFC 7628's error status and Kafka's reason. */
class InvalidTokenError extends Error {
  constructor(
    readonly status: 'invalid_token' | 'insufficient_scope',
    message: string,
  ) {
    super(message);
  }
}

/** Both base64 alphabets (Kafka decoded standard base64 until 2025 and URL-safe since). */
function decodeJsonPart(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9+/_-]*=*$/.test(part)) throw new InvalidTokenError('invalid_token', 'Invalid Base64URL encoding');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new InvalidTokenError('invalid_token', 'Invalid JSON in unsecured JWS');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError('invalid_token', 'Invalid JSON in unsecured JWS');
  return value as Record<string, unknown>;
}

/** Checks an unsecured JWS (`alg: none`) as Kafka's validator does; returns principal and expiry. */
export function validateUnsecuredJws(token: string, options: UnsecuredValidatorOptions, nowMs: number): { principal: string; expiresAtMs: number } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') {
    throw new InvalidTokenError('invalid_token', 'Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
  }
  const header = decodeJsonPart(parts[0]!);
  const claims = decodeJsonPart(parts[1]!);
  if (header.alg !== 'none') throw new InvalidTokenError('invalid_token', "Unsecured JWS must have 'none' for an algorithm");
  if (parts[2] !== '') throw new InvalidTokenError('invalid_token', 'Unsecured JWS must not contain a digital signature');
  const skew = options.allowableClockSkewMs ?? 0;
  const exp = claims.exp;
  if (typeof exp !== 'number') throw new InvalidTokenError('invalid_token', 'No expiration time in JWT');
  if (nowMs - skew >= exp * 1000) throw new InvalidTokenError('invalid_token', `The indicated time (${nowMs} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp * 1000} ms)`);
  const iat = claims.iat;
  if (iat !== undefined) {
    if (typeof iat !== 'number') throw new InvalidTokenError('invalid_token', 'Issued-at claim is not a number');
    if (nowMs + skew < iat * 1000) throw new InvalidTokenError('invalid_token', 'The Issued At value is after the indicated time plus allowable clock skew');
    if (exp <= iat) throw new InvalidTokenError('invalid_token', 'The Expiration Time is not after the Issued At time');
  }
  const claimName = options.principalClaimName ?? 'sub';
  const principal = claims[claimName];
  if (typeof principal !== 'string' || principal.trim() === '') throw new InvalidTokenError('invalid_token', `No principal name in JWT claim: ${claimName}`);
  const required = options.requiredScope ?? [];
  if (required.length > 0) {
    const raw = claims[options.scopeClaimName ?? 'scope'];
    const scope = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
    const missing = required.filter((s) => !scope.includes(s));
    if (missing.length > 0) throw new InvalidTokenError('insufficient_scope', `The provided scope ${JSON.stringify(scope)} had a missing required scope value: ${missing.join(', ')}`);
  }
  return { principal, expiresAtMs: exp * 1000 };
}

// RFC 7628's separator is the control character %x01.
// eslint-disable-next-line no-control-regex
const CLIENT_FIRST = /^n,(?:a=([^,]*))?,\x01((?:[A-Za-z]+=[\x21-\x7E \t\r\n]+\x01)*)\x01$/;

/**
 * SASL/OAUTHBEARER (RFC 7628, KIP-255) with Kafka's unsecured JWS validator. A bad token is
 * answered, as RFC 7628 §3.2.2 says, with a JSON error status the client acknowledges with a
 * single 0x01 byte; only then does authentication fail.
 */
export class OAuthBearerSaslServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER';
  complete = false;
  authorizationId = '';
  credentialExpiresAtMs: number | null = null;
  private errorSent: string | null = null;

  constructor(
    private readonly options: UnsecuredValidatorOptions,
    private readonly now: () => number,
  ) {}

  evaluate(token: Buffer): Buffer {
    if (this.errorSent !== null) {
      // The client acknowledged the error status (the single byte %x01): now it fails.
      throw new SaslAuthenticationError(this.errorSent);
    }
    const text = token.toString('utf8');
    const match = CLIENT_FIRST.exec(text);
    if (!match) throw new SaslError('Invalid OAUTHBEARER client first message');
    const authzid = match[1];
    const fields = new Map<string, string>();
    for (const kv of match[2]!.split('\x01').filter((s) => s !== '')) {
      const at = kv.indexOf('=');
      fields.set(kv.slice(0, at), kv.slice(at + 1));
    }
    const auth = /^bearer ([-_~+/.a-zA-Z0-9]+=*)$/i.exec(fields.get('auth') ?? '');
    if (!auth) throw new SaslError('Invalid OAUTHBEARER client first message: no valid auth field');
    let validated: { principal: string; expiresAtMs: number };
    try {
      validated = validateUnsecuredJws(auth[1]!, this.options, this.now());
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      this.errorSent = JSON.stringify({ status: error.status });
      return Buffer.from(this.errorSent, 'utf8');
    }
    if (authzid !== undefined && authzid !== '' && authzid !== validated.principal) {
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${validated.principal})`);
    }
    this.authorizationId = validated.principal;
    this.credentialExpiresAtMs = validated.expiresAtMs;
    this.complete = true;
    return Buffer.alloc(0);
  }
}
