import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'metadata'>;

/** OffsetDelete v0: removes a group's offsets, except those of topics an active consumer group subscribes to. */
export function offsetDeleteHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    handle(request) {
      const exists = (topic: string, partition: number) => partition >= 0 && partition < (deps.metadata.topic(topic)?.partitions.length ?? 0);
      const wanted = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
      const known = wanted.filter((p) => exists(p.topic, p.partition));
      const result = deps.groups.offsets.deleteOffsets(request.groupId, known);
      if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
      const errors = new Map(known.map((p, i) => [p, result.results[i]!]));
      let i = 0;
      return {
        errorCode: ErrorCode.NONE,
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors.get(wanted[i++]!) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })),
        })),
      };
    },
  });
}
