import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

type Deps = Pick<HandlerDeps, 'transactions' | 'auth'>;

/** AddOffsetsToTxn v0-v4: the group's `__consumer_offsets` partition joins the transaction before TxnOffsetCommit. */
export function addOffsetsToTxnHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.AddOffsetsToTxn,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const header = context.header;
      if (!deps.auth.allows(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const error = await deps.transactions.addOffsetsToTransaction(request.transactionalId, Number(request.producerId), request.producerEpoch, request.groupId);
      return { throttleTimeMs: 0, errorCode: fencedErrorFor(error, header.apiVersion, 2) };
    },
  });
}
