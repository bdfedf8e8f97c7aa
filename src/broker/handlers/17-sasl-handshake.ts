import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { apiHandler } from './api-handler.js';

/**
 * SaslHandshake v0-v1: chooses the mechanism on a SASL listener (v0: raw tokens follow, v1:
 * SaslAuthenticate requests), starts re-authentication on an authenticated one (KIP-368);
 * anywhere else ILLEGAL_SASL_STATE. See src/broker/security/security-session.ts.
 */
export function saslHandshakeHandler() {
  return apiHandler({
    apiKey: ApiKeys.SaslHandshake,
    minVersion: 0,
    maxVersion: 1,
    handle(request, { header, session, closeAfterResponse }) {
      if (!session) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
      const { body, verdict } = session.handshake(header.apiVersion, request.mechanism);
      if (verdict.close) closeAfterResponse?.(verdict.delayMs);
      return body;
    },
  });
}
