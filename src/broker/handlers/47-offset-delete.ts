import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'metadata' | 'auth'>;

/** OffsetDelete v0: removes a group's offsets, except those of topics an active consumer group subscribes to. */
export function offsetDeleteHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.DELETE, ResourceType.GROUP, request.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
      const mayRead = (topic: string) => deps.auth.allows(context, AclOperation.READ, ResourceType.TOPIC, topic);
      const exists = (topic: string, partition: number) => partition >= 0 && partition < (deps.metadata.topic(topic)?.partitions.length ?? 0);
      const wanted = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
      const known = wanted.filter((p) => mayRead(p.topic) && exists(p.topic, p.partition));
      const result = deps.groups.offsets.deleteOffsets(request.groupId, known);
      if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
      const errors = new Map(known.map((p, i) => [p, result.results[i]!]));
      let i = 0;
      return {
        errorCode: ErrorCode.NONE,
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const asked = wanted[i++]!;
            return { partitionIndex: p.partitionIndex, errorCode: errors.get(asked) ?? (mayRead(asked.topic) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED) };
          }),
        })),
      };
    },
  });
}
