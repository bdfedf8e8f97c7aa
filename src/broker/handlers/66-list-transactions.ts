import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

/** ListTransactions v0-v1: the transactional ids this broker coordinates, by state, producer id and (v1) duration. */
export function listTransactionsHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.ListTransactions,
    minVersion: 0,
    maxVersion: 1,
    handle(request, { header }) {
      const listing = broker.transactionCoordinator.listTransactions(
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
