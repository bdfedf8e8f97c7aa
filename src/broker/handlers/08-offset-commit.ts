import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { commitResponse, commitsOfKnownPartitions } from './offset-commit-results.js';

type Deps = Pick<HandlerDeps, 'context' | 'groups' | 'metadata' | 'auth'>;

/**
 * OffsetCommit v0-v9. Partitions of unknown topics fail on their own; the rest go to the
 * group coordinator, which checks generation and member and writes one batch; the response
 * waits until the ISR has it.
 */
export function offsetCommitHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    handle(request, context) {
      const version = context.header.apiVersion;
      const now = deps.context.clock.now();
      // v2-v4 carry a retention for the whole commit; -1 means the broker's offsets.retention.minutes.
      const retention = version >= 2 && version <= 4 ? Number(request.retentionTimeMs) : -1;
      const wanted = request.topics.flatMap((t) =>
        t.partitions.map((p) => {
          const commitTimestamp = version === 1 && p.commitTimestamp !== -1n ? Number(p.commitTimestamp) : now;
          return {
            topic: t.name,
            partition: p.partitionIndex,
            offset: Number(p.committedOffset),
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
            commitTimestamp,
            expireTimestamp: retention >= 0 ? commitTimestamp + retention : null,
          };
        }),
      );
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return commitResponse(request.topics, wanted, [], [], () => ErrorCode.GROUP_AUTHORIZATION_FAILED);
      }
      const mayRead = (topic: string) => deps.auth.allows(context, AclOperation.READ, ResourceType.TOPIC, topic);
      const known = commitsOfKnownPartitions(deps.metadata, wanted.filter((o) => mayRead(o.topic)));
      return deps.groups.offsets
        .commitOffsets({
          groupId: request.groupId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          generationId: version === 0 ? -1 : request.generationIdOrMemberEpoch,
          apiVersion: version,
          offsets: known,
        })
        .then((results) => commitResponse(request.topics, wanted, known, results, (o) => (mayRead(o.topic) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED)));
    },
  });
}
