import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'controller' | 'auth'>;

const PREFERRED = 0;
const UNCLEAN = 1;

/**
 * ElectLeaders v0-2 (v0 is preferred-only): asks the controller to elect the preferred (first)
 * replica, or with election type 1 any live replica of a leaderless partition (unclean). A
 * null topic list means every partition. A single broker already leads everything it hosts:
 * ELECTION_NOT_NEEDED.
 */
export function electLeadersHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.ElectLeaders,
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.ALTER, ResourceType.CLUSTER)) {
        const replicaElectionResults = (request.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) }));
        return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, replicaElectionResults };
      }
      const electionType = context.header.apiVersion === 0 ? PREFERRED : request.electionType;
      if (electionType !== PREFERRED && electionType !== UNCLEAN) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] };
      }
      const wanted = request.topicPartitions?.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))) ?? null;
      const results = deps.controller.electLeaders(electionType, wanted);
      const byTopic = new Map<string, Array<{ partitionId: number; errorCode: number; errorMessage: string | null }>>();
      for (const r of results) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: null });
        byTopic.set(r.topic, list);
      }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })),
      };
    },
  });
}
