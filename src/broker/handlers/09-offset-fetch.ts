import { ApiKeys } from '../../protocol/generated/messages.js';
import type { FetchedTopic } from '../coordinator/group/offset-metadata-manager.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { distinctBy } from './distinct.js';

type Deps = Pick<HandlerDeps, 'groups'>;

type RequestedTopics = ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null;

const toPartitions = (t: FetchedTopic) =>
  t.partitions.map((p) => ({ partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedLeaderEpoch: p.leaderEpoch, metadata: p.metadata, errorCode: p.errorCode }));

/**
 * OffsetFetch v0-v9: one group before v8 (null topics = all, from v2), several groups from
 * v8. Group errors are top-level from v2, per partition before.
 */
export function offsetFetchHandler(deps: Deps) {
  const fetch = (groupId: string, topics: RequestedTopics, requireStable: boolean) =>
    deps.groups.offsets.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })), requireStable);
  return apiHandler({
    apiKey: ApiKeys.OffsetFetch,
    minVersion: 0,
    maxVersion: 9,
    handle(request, { header }) {
      const version = header.apiVersion;
      if (version >= 8) {
        return {
          throttleTimeMs: 0,
          // A group asked for twice is answered once: "all topics" of one group can be thousands of offsets.
          groups: distinctBy(request.groups, (g) => g.groupId).map((g) => {
            const result = fetch(g.groupId, g.topics, request.requireStable);
            return { groupId: g.groupId, errorCode: result.errorCode, topics: result.topics.map((t) => ({ name: t.topic, partitions: toPartitions(t) })) };
          }),
        };
      }
      // require_stable exists from v7 (false before).
      const result = fetch(request.groupId, request.topics, request.requireStable);
      if (version < 2 && result.errorCode !== 0) {
        const failed = (request.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, metadata: '', errorCode: result.errorCode })),
        }));
        return { throttleTimeMs: 0, topics: failed };
      }
      return { throttleTimeMs: 0, errorCode: result.errorCode, topics: result.topics.map((t) => ({ name: t.topic, partitions: toPartitions(t) })) };
    },
  });
}
