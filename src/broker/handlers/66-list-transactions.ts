import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'transactions' | 'auth'>;

/** ListTransactions v0-v1: the transactional ids this broker coordinates, by state, producer id and (v1) duration. */
export function listTransactionsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.ListTransactions,
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      const header = context.header;
      const listing = deps.transactions.listTransactions(
        request.stateFilters,
        request.producerIdFilters.map(Number),
        header.apiVersion >= 1 ? Number(request.durationFilter) : -1,
      );
      return {
        throttleTimeMs: 0,
        errorCode: listing.errorCode,
        unknownStateFilters: listing.unknownStateFilters,
        // Only the transactional ids the principal may describe.
        transactionStates: listing.transactions.filter((t) => deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId)).map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })),
      };
    },
  });
}
