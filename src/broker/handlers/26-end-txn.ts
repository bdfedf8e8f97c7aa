import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

type Deps = Pick<HandlerDeps, 'transactions' | 'auth'>;

/**
 * EndTxn v0-v5: commits or aborts the transaction. Answered once PrepareCommit/PrepareAbort
 * is written (replicated to the ISR); the markers follow. v5 (KIP-890) returns the producer's
 * next id and epoch.
 */
export function endTxnHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.EndTxn,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const header = context.header;
      if (!deps.auth.allows(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
      }
      const result = await deps.transactions.endTransaction(request.transactionalId, Number(request.producerId), request.producerEpoch, request.committed, header.apiVersion);
      return {
        throttleTimeMs: 0,
        errorCode: fencedErrorFor(result.errorCode, header.apiVersion, 2),
        producerId: BigInt(result.producerId),
        producerEpoch: result.producerEpoch,
      };
    },
  });
}
