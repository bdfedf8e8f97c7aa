import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

const PREFERRED = 0;
const UNCLEAN = 1;

/**
 * ElectLeaders v0-2 (v0 is preferred-only): asks the controller to elect the preferred (first)
 * replica, or with election type 1 any live replica of a leaderless partition (unclean). A
 * null topic list means every partition. A single broker already leads everything it hosts:
 * ELECTION_NOT_NEEDED.
 */
export function electLeadersHandler(broker: KafkaBroker) {
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
      const results = broker.cluster
        ? broker.cluster.electLeaders(electionType, wanted)
        : (wanted ?? [...broker.metadata.topics].flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })))).map((tp) => ({
            ...tp,
            errorCode: broker.metadata.topic(tp.topic)?.partitions[tp.partition] ? ErrorCode.ELECTION_NOT_NEEDED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          }));
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
