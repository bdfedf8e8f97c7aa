import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

type Deps = Pick<HandlerDeps, 'transactions'>;

/**
 * InitProducerId v0-v5: a producer id for idempotent producers (sent to any broker; kafkajs
 * asks the controller), and for transactional ids the coordinator's id and epoch (v3+:
 * KIP-360 recovery with the producer's current id and epoch).
 */
export function initProducerIdHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, { header }) {
      const result = await deps.transactions.initProducerId({
        transactionalId: request.transactionalId,
        transactionTimeoutMs: request.transactionTimeoutMs,
        producerId: Number(request.producerId),
        producerEpoch: request.producerEpoch,
      });
      return {
        throttleTimeMs: 0,
        errorCode: fencedErrorFor(result.errorCode, header.apiVersion, 4),
        producerId: BigInt(result.producerId),
        producerEpoch: result.producerEpoch,
      };
    },
  });
}
