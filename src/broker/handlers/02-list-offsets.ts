import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { IsolationLevel } from '../cluster/partition.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'replicas' | 'auth'>;

/** Special timestamps of ListOffsets. */
const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const EARLIEST_TIERED = -5;
const LATEST_TIERED = -6;

/** ListOffsets, all versions: earliest, latest (isolation-aware), max timestamp, by timestamp. */
export function listOffsetsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.ListOffsets,
    minVersion: 0,
    maxVersion: 10,
    handle(request, context) {
      const header = context.header;
      const seen = new Set<string>();
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const result = (errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1) => ({
              partitionIndex: p.partitionIndex,
              errorCode,
              oldStyleOffsets: header.apiVersion === 0 && offset >= 0 ? [BigInt(offset)] : [],
              timestamp: BigInt(timestamp),
              offset: BigInt(offset),
              leaderEpoch,
            });
            const key = `${t.name}-${p.partitionIndex}`;
            if (seen.has(key)) return result(ErrorCode.INVALID_REQUEST);
            seen.add(key);
            if (!deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const partition = deps.replicas.partition(t.name, p.partitionIndex);
            if (!partition) return result(deps.metadata.topic(t.name)?.partitions[p.partitionIndex] ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (!partition.isLeader) return result(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            const epochError = partition.leaderEpochError(p.currentLeaderEpoch);
            if (epochError !== ErrorCode.NONE) return result(epochError);
            const timestamp = Number(p.timestamp);
            const epoch = partition.leaderEpoch;
            switch (timestamp) {
              case LATEST:
              case LATEST_TIERED: {
                const end = request.isolationLevel === IsolationLevel.READ_COMMITTED ? partition.lastStableOffset : partition.highWatermark;
                return result(ErrorCode.NONE, end, -1, epoch);
              }
              case EARLIEST:
              case EARLIEST_LOCAL:
              case EARLIEST_TIERED:
                return result(ErrorCode.NONE, partition.logStartOffset, -1, epoch);
              case MAX_TIMESTAMP: {
                const found = partition.log.maxTimestampOffset();
                return found ? result(ErrorCode.NONE, found.offset, found.timestamp, epoch) : result(ErrorCode.NONE, -1, -1, -1);
              }
              default: {
                if (timestamp < 0) return result(ErrorCode.INVALID_REQUEST);
                const found = partition.log.offsetForTimestamp(timestamp);
                // Only what the consumer may fetch: committed records, and for read_committed only stable ones.
                const fetchable = request.isolationLevel === IsolationLevel.READ_COMMITTED ? partition.lastStableOffset : partition.highWatermark;
                if (!found || found.offset >= fetchable) return result(ErrorCode.NONE, -1, -1, -1);
                return result(ErrorCode.NONE, found.offset, found.timestamp, epoch);
              }
            }
          }),
        })),
      };
    },
  });
}
