import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'replicas' | 'auth'>;

/** DescribeProducers v0: the producer state of each partition (ids, epochs, last sequence, open transaction). */
export function describeProducersHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeProducers,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        topics: distinctBy(request.topics, (t) => t.name).map((t) => ({
          name: t.name,
          partitions: distinctBy(t.partitionIndexes, String).map((index) => {
            if (!deps.auth.allows(context, AclOperation.READ, ResourceType.TOPIC, t.name)) {
              return { partitionIndex: index, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.', activeProducers: [] };
            }
            const partition = deps.replicas.partition(t.name, index);
            if (!partition) {
              return { partitionIndex: index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.', activeProducers: [] };
            }
            const activeProducers = [...partition.log.producerState.activeProducers.values()]
              .sort((a, b) => a.producerId - b.producerId)
              .map((e) => ({
                producerId: BigInt(e.producerId),
                producerEpoch: e.producerEpoch,
                lastSequence: e.lastSeq,
                lastTimestamp: BigInt(e.lastTimestamp),
                coordinatorEpoch: e.coordinatorEpoch,
                currentTxnStartOffset: BigInt(e.currentTxnFirstOffset ?? -1),
              }));
            return { partitionIndex: index, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
          }),
        })),
      };
    },
  });
}
