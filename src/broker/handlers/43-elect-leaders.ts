import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'controller'>;

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
    handle(request, { header }) {
      const electionType = header.apiVersion === 0 ? PREFERRED : request.electionType;
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
