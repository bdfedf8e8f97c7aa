import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'transactions' | 'auth'>;

/**
 * WriteTxnMarkers v0-v1 (Kafka 3.x's range), sent by transaction coordinators to partition
 * leaders: each marker (COMMIT or ABORT of one producer) is appended to its partitions with
 * acks=-1 and answered per partition once the ISR has it. A broker that does not lead a
 * partition answers NOT_LEADER_OR_FOLLOWER for it; the coordinator finds the leader and retries.
 */
export function writeTxnMarkersHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.WriteTxnMarkers,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context) {
      // Only brokers send markers: CLUSTER_ACTION on the cluster.
      if (!deps.auth.allows(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER)) {
        return { markers: request.markers.map((m) => ({ producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })) })) })) };
      }
      const markers = await Promise.all(
        request.markers.map(async (marker) => {
          const partitions = marker.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
          const results = await deps.transactions.writeTxnMarkers({
            producerId: Number(marker.producerId),
            producerEpoch: marker.producerEpoch,
            coordinatorEpoch: marker.coordinatorEpoch,
            commit: marker.transactionResult,
            partitions,
          });
          const topics = new Map<string, Array<{ partitionIndex: number; errorCode: number }>>();
          for (const r of results) topics.set(r.partition.topic, [...(topics.get(r.partition.topic) ?? []), { partitionIndex: r.partition.partition, errorCode: r.errorCode }]);
          return { producerId: marker.producerId, topics: [...topics].map(([name, answered]) => ({ name, partitions: answered })) };
        }),
      );
      return { markers };
    },
  });
}
