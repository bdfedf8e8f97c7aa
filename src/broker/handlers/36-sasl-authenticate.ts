import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { apiHandler } from './api-handler.js';

/**
 * SaslAuthenticate v0-v2 (KIP-152): one token of the exchange. A failure answers
 * SASL_AUTHENTICATION_FAILED with Kafka's message, then closes the connection after
 * connection.failed.authentication.delay.ms; success carries session_lifetime_ms (v1+).
 */
export function saslAuthenticateHandler() {
  return apiHandler({
    apiKey: ApiKeys.SaslAuthenticate,
    minVersion: 0,
    maxVersion: 2,
    handle(request, { session, closeAfterResponse }) {
      if (!session) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
      const { body, verdict } = session.authenticate(request.authBytes);
      if (verdict.close) closeAfterResponse?.(verdict.delayMs);
      return body;
    },
  });
}
