import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { SecurityProtocol } from './listeners.js';
import { SaslAuthenticationError, SaslError, type SaslServer } from './sasl/sasl-server.js';

export const ANONYMOUS = 'User:ANONYMOUS';

/** What a SASL listener needs to authenticate a connection. */
export interface SaslSettings {
  /** sasl.enabled.mechanisms, in order (the handshake lists them all). */
  readonly mechanisms: readonly string[];
  /** A fresh server for one authentication with an enabled mechanism. */
  readonly newServer: (mechanism: string) => SaslServer;
  /** connections.max.reauth.ms for the mechanism (0 = no re-authentication). */
  readonly maxReauthMs: (mechanism: string) => number;
  /** sasl.server.max.receive.size: the largest frame before authentication completes. */
  readonly maxReceiveBytes: number;
  /** connection.failed.authentication.delay.ms. */
  readonly failedAuthenticationDelayMs: number;
}

export interface SecuritySessionOptions {
  readonly listener: string;
  readonly protocol: SecurityProtocol;
  /** The principal the transport gives (a TLS client certificate's), else User:ANONYMOUS. */
  readonly transportPrincipal?: string;
  readonly sasl?: SaslSettings;
  readonly now?: () => number;
}

/** How a handshake or authentication step ended for the connection. */
export type SaslVerdict = { close: false } | { close: true; delayMs: number };

type State = 'initial' | 'after-api-versions' | 'authenticate' | 'complete' | 'failed';

/**
 * The security state of one connection: its listener, its principal, and on a SASL listener
 * Kafka's authentication state machine (SaslServerAuthenticator): ApiVersions and
 * SaslHandshake before authentication, then SaslAuthenticate rounds (or raw tokens after a v0
 * handshake), then every API; KIP-368 session expiry and re-authentication.
 */
export class SecuritySession {
  readonly listener: string;
  readonly protocol: SecurityProtocol;
  /** `User:<name>`; what an authorizer will check. */
  principal: string;
  private state: State;
  private server: SaslServer | null = null;
  private handshakeVersion = 1;
  private reauthenticating = false;
  /** When the authenticated session ends (KIP-368); null = never. */
  private expiresAtMs: number | null = null;
  private authenticationStartedMs = 0;
  private readonly now: () => number;

  constructor(private readonly options: SecuritySessionOptions) {
    this.listener = options.listener;
    this.protocol = options.protocol;
    this.principal = options.transportPrincipal ?? ANONYMOUS;
    this.state = options.sasl ? 'initial' : 'complete';
    this.now = options.now ?? Date.now;
  }

  get authenticated(): boolean {
    return this.state === 'complete' && !this.reauthenticating;
  }

  /** The largest frame accepted now: SASL's limit until authenticated, else `requestLimit`. */
  maxFrameBytes(requestLimit: number): number {
    return this.options.sasl && this.state !== 'complete' ? Math.min(this.options.sasl.maxReceiveBytes, requestLimit) : requestLimit;
  }

  /**
   * Authentication failed and the connection is closing: whatever else the client sent is
   * dropped unread (closing at once would reset the connection before the error is read).
   */
  get discardsRequests(): boolean {
    return this.state === 'failed';
  }

  /** After a SaslHandshake v0 the next frames are bare SASL tokens, not Kafka requests. */
  get expectsRawToken(): boolean {
    return this.state === 'authenticate' && this.handshakeVersion === 0;
  }

  /**
   * Whether a request with this header may run now. Returns why the connection must close
   * without an answer instead (Kafka's IllegalSaslStateException and expired sessions).
   */
  admit(apiKey: number): string | null {
    if (!this.options.sasl) return null;
    switch (this.state) {
      case 'failed':
        return 'authentication failed';
      case 'initial':
        if (apiKey === ApiKeys.ApiVersions) {
          this.state = 'after-api-versions';
          return null;
        }
        return apiKey === ApiKeys.SaslHandshake ? null : `Unexpected Kafka request of type ${apiName(apiKey)} during SASL handshake.`;
      case 'after-api-versions':
        return apiKey === ApiKeys.SaslHandshake ? null : `Unexpected Kafka request of type ${apiName(apiKey)} during SASL handshake.`;
      case 'authenticate':
        return apiKey === ApiKeys.SaslAuthenticate ? null : `Unexpected Kafka request of type ${apiName(apiKey)} during SASL authentication.`;
      case 'complete':
        if (this.expiresAtMs !== null && this.now() > this.expiresAtMs && apiKey !== ApiKeys.SaslHandshake) {
          return 'the authenticated session expired (connections.max.reauth.ms or the credential lifetime)';
        }
        return null;
    }
  }

  /** SaslHandshake: picks the mechanism (or starts re-authentication). */
  handshake(version: number, mechanism: string): { body: { errorCode: number; mechanisms: string[] }; verdict: SaslVerdict } {
    const sasl = this.options.sasl;
    // Kafka's normal request handler: not a SASL listener, or already authenticated.
    if (!sasl) return { body: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }, verdict: { close: false } };
    const mechanisms = [...sasl.mechanisms];
    if (this.state === 'complete') {
      const now = this.now();
      if (this.expiresAtMs === null || now - this.authenticationStartedMs < 1000) {
        return { body: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }, verdict: { close: false } };
      }
      if (mechanism !== this.server?.mechanism) {
        this.state = 'failed';
        return { body: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, mechanisms }, verdict: this.failure() };
      }
      this.reauthenticating = true;
      this.authenticationStartedMs = now;
    } else {
      this.authenticationStartedMs = this.now();
    }
    if (!sasl.mechanisms.includes(mechanism)) {
      this.state = 'failed';
      return { body: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms }, verdict: this.failure() };
    }
    this.server = sasl.newServer(mechanism);
    this.handshakeVersion = version;
    this.state = 'authenticate';
    return { body: { errorCode: ErrorCode.NONE, mechanisms }, verdict: { close: false } };
  }

  /** SaslAuthenticate: one token of the exchange. */
  authenticate(token: Buffer): {
    body: { errorCode: number; errorMessage: string | null; authBytes: Buffer; sessionLifetimeMs: bigint };
    verdict: SaslVerdict;
  } {
    const none = { errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    if (this.state === 'complete' || !this.options.sasl) {
      const errorMessage = this.options.sasl ? 'SaslAuthenticate request received after successful authentication' : null;
      return { body: { ...none, errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage }, verdict: { close: false } };
    }
    const step = this.step(token);
    if ('error' in step) return { body: { ...none, errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: step.error }, verdict: this.failure() };
    return { body: { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.response, sessionLifetimeMs: BigInt(step.lifetimeMs) }, verdict: { close: false } };
  }

  /** A raw token after a v0 handshake: the raw answer (size-prefixed), or null to close without one. */
  rawToken(token: Buffer): Buffer | null {
    const step = this.step(token);
    if ('error' in step) return null;
    const frame = Buffer.allocUnsafe(4 + step.response.length);
    frame.writeInt32BE(step.response.length, 0);
    step.response.copy(frame, 4);
    return frame;
  }

  private step(token: Buffer): { response: Buffer; lifetimeMs: number } | { error: string } {
    const server = this.server!;
    let response: Buffer;
    try {
      response = server.evaluate(token);
    } catch (error) {
      this.state = 'failed';
      if (error instanceof SaslAuthenticationError) return { error: error.message };
      if (!(error instanceof SaslError)) throw error;
      const what = this.reauthenticating ? 're-authentication' : 'authentication';
      return { error: `Authentication failed during ${what} due to invalid credentials with SASL mechanism ${server.mechanism}` };
    }
    if (!server.complete) return { response, lifetimeMs: 0 };
    const principal = `User:${server.authorizationId}`;
    if (this.reauthenticating && principal !== this.principal) {
      this.state = 'failed';
      return { error: `Cannot change principals during re-authentication from ${this.principal.replace(':', '.')}: ${principal.replace(':', '.')}` };
    }
    this.principal = principal;
    this.state = 'complete';
    this.reauthenticating = false;
    return { response, lifetimeMs: this.startSession(server) };
  }

  /** KIP-368: the session lasts the shorter of connections.max.reauth.ms and the credential's life. */
  private startSession(server: SaslServer): number {
    const now = this.now();
    const reauthMs = this.options.sasl!.maxReauthMs(server.mechanism);
    const credentialMs = server.credentialExpiresAtMs === null ? null : Math.max(0, server.credentialExpiresAtMs - now);
    const candidates = [reauthMs > 0 ? reauthMs : null, credentialMs].filter((v): v is number => v !== null);
    if (candidates.length === 0) {
      this.expiresAtMs = null;
      return 0;
    }
    const lifetime = Math.min(...candidates);
    this.expiresAtMs = now + lifetime;
    return lifetime;
  }

  private failure(): SaslVerdict {
    return { close: true, delayMs: this.options.sasl?.failedAuthenticationDelayMs ?? 0 };
  }
}

function apiName(apiKey: number): string {
  const entry = Object.entries(ApiKeys).find(([, key]) => key === apiKey);
  return entry ? entry[0].replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() : String(apiKey);
}
