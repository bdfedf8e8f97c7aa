import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

type Deps = Pick<HandlerDeps, 'transactions'>;

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
    async handle(request, { header }) {
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
