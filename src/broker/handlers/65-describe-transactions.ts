import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'transactions' | 'auth'>;

/** DescribeTransactions v0: state, producer, timeout, start time and partitions of transactional ids coordinated here. */
export function describeTransactionsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeTransactions,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const ids = distinctBy(request.transactionalIds, (id) => id);
      const mayDescribe = (id: string) => deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id);
      const described = new Map(deps.transactions.describeTransactions(ids.filter(mayDescribe)).map((d) => [d.transactionalId, d]));
      const denied = (transactionalId: string) => ({ errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId, state: '', timeoutMs: 0, startTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] });
      return {
        throttleTimeMs: 0,
        transactionStates: ids.map((id) => described.get(id) ?? denied(id)).map((d) => ({
          errorCode: d.errorCode,
          transactionalId: d.transactionalId,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: BigInt(d.startTimeMs),
          producerId: BigInt(d.producerId),
          producerEpoch: d.producerEpoch,
          topics: d.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })),
        })),
      };
    },
  });
}
