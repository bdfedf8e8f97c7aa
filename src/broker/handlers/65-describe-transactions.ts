import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'transactions'>;

/** DescribeTransactions v0: state, producer, timeout, start time and partitions of transactional ids coordinated here. */
export function describeTransactionsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeTransactions,
    minVersion: 0,
    maxVersion: 0,
    handle(request) {
      return {
        throttleTimeMs: 0,
        transactionStates: deps.transactions.describeTransactions(distinctBy(request.transactionalIds, (id) => id)).map((d) => ({
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
