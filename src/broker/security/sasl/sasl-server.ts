/**
 * The server side of one SASL mechanism for one authentication: tokens in, tokens out.
 * Mirrors javax.security.sasl.SaslServer as Kafka's SaslServerAuthenticator drives it.
 */
export interface SaslServer {
  readonly mechanism: string;
  /** Takes the client's next token; returns the server's answer (empty when it has none). */
  evaluate(token: Buffer): Buffer;
  readonly complete: boolean;
  /** The authenticated user name (the principal is `User:<id>`); valid once complete. */
  readonly authorizationId: string;
  /** When the credential expires (OAUTHBEARER's `exp`), ms since the epoch; null = never. */
  readonly credentialExpiresAtMs: number | null;
}

/**
 * A failure whose text reaches the client in SaslAuthenticate's error_message (Kafka's
 * SaslAuthenticationException).
 */
export class SaslAuthenticationError extends Error {
  override readonly name = 'SaslAuthenticationError';
}

/**
 * Any other failure: the client gets Kafka's fixed text instead ("Authentication failed
 * during authentication due to invalid credentials with SASL mechanism X"), never this one.
 */
export class SaslError extends Error {
  override readonly name = 'SaslError';
}
