import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { FetchedTopic } from '../coordinator/group/offset-metadata-manager.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler, type RequestContext } from './api-handler.js';
import { distinctBy } from './distinct.js';

type Deps = Pick<HandlerDeps, 'groups' | 'auth'>;

type RequestedTopics = ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null;

const toPartitions = (t: FetchedTopic) =>
  t.partitions.map((p) => ({ partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedLeaderEpoch: p.leaderEpoch, metadata: p.metadata, errorCode: p.errorCode }));

/**
 * OffsetFetch v0-v9: one group before v8 (null topics = all, from v2), several groups from
 * v8. Group errors are top-level from v2, per partition before.
 */
export function offsetFetchHandler(deps: Deps) {
  // DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED; named topics without DESCRIBE get
  // TOPIC_AUTHORIZATION_FAILED, and are left out of an all-topics answer.
  const fetchAs = (context: RequestContext) => (groupId: string, topics: RequestedTopics, requireStable: boolean) => {
    if (!deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    const mayDescribe = (topic: string) => deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
    const result = deps.groups.offsets.fetchOffsets(groupId, topics === null ? null : topics.filter((t) => mayDescribe(t.name)).map((t) => ({ topic: t.name, partitions: t.partitionIndexes })), requireStable);
    if (topics === null) return { errorCode: result.errorCode, topics: result.topics.filter((t) => mayDescribe(t.topic)) };
    if (result.errorCode !== ErrorCode.NONE) return result;
    const denied = topics.filter((t) => !mayDescribe(t.name)).map((t): FetchedTopic => ({
      topic: t.name,
      partitions: t.partitionIndexes.map((partition) => ({ partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
    }));
    return { errorCode: result.errorCode, topics: [...result.topics, ...denied] };
  };
  return apiHandler({
    apiKey: ApiKeys.OffsetFetch,
    minVersion: 0,
    maxVersion: 9,
    handle(request, context) {
      const version = context.header.apiVersion;
      const fetch = fetchAs(context);
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
