import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

type Deps = Pick<HandlerDeps, 'transactions' | 'auth'>;

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
    async handle(request, context) {
      const header = context.header;
      // A transactional id needs WRITE on it; an idempotent producer IDEMPOTENT_WRITE on the cluster or WRITE on some topic.
      const allowed = request.transactionalId !== null
        ? deps.auth.allows(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)
        : deps.auth.allows(context, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER) || deps.auth.allowsAny(context, AclOperation.WRITE, ResourceType.TOPIC);
      if (!allowed) {
        const errorCode = request.transactionalId !== null ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
      }
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
