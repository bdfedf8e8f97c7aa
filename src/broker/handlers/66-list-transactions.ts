import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'transactions'>;

/** ListTransactions v0-v1: the transactional ids this broker coordinates, by state, producer id and (v1) duration. */
export function listTransactionsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.ListTransactions,
    minVersion: 0,
    maxVersion: 1,
    handle(request, { header }) {
      const listing = deps.transactions.listTransactions(
        request.stateFilters,
        request.producerIdFilters.map(Number),
        header.apiVersion >= 1 ? Number(request.durationFilter) : -1,
      );
      return {
        throttleTimeMs: 0,
        errorCode: listing.errorCode,
        unknownStateFilters: listing.unknownStateFilters,
        transactionStates: listing.transactions.map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })),
      };
    },
  });
}
