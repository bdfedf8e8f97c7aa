import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'replicas' | 'auth'>;

/**
 * OffsetForLeaderEpoch (KIP-101/279): the end offset of the largest epoch at or below the
 * requested one, which consumers (KIP-320) and followers use to detect divergent logs.
 */
export function offsetForLeaderEpochHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.OffsetForLeaderEpoch,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      // A follower (replica id >= 0, v3+) needs CLUSTER_ACTION on the cluster, a client DESCRIBE on each topic.
      const follower = context.header.apiVersion >= 3 && request.replicaId >= 0;
      const mayDescribe = (topic: string) => (follower ? deps.auth.allows(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER) : deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic));
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            const result = (errorCode: number, leaderEpoch = -1, endOffset = -1) => ({ errorCode, partition: p.partition, leaderEpoch, endOffset: BigInt(endOffset) });
            if (!mayDescribe(t.topic)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const partition = deps.replicas.partition(t.topic, p.partition);
            if (!partition) return result(deps.metadata.topic(t.topic)?.partitions[p.partition] ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (!partition.isLeader) return result(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            const epochError = partition.leaderEpochError(p.currentLeaderEpoch);
            if (epochError !== ErrorCode.NONE) return result(epochError);
            const found = partition.log.endOffsetForLeaderEpoch(p.leaderEpoch);
            return found ? result(ErrorCode.NONE, found.leaderEpoch, found.endOffset) : result(ErrorCode.NONE);
          }),
        })),
      };
    },
  });
}
