import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { EXCESSIVE_PARTITIONS_MESSAGE, MAX_PARTITIONS_PER_REQUEST_CONFIG } from '../cluster/partition-limits.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { NO_ERROR, duplicates, errorFields } from './topic-errors.js';

type Deps = Pick<HandlerDeps, 'context' | 'controller' | 'metadata' | 'auth'>;

/** CreatePartitions: grows a topic to `count` partitions, optionally with explicit assignments. */
export function createPartitionsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.CreatePartitions,
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      const repeated = duplicates(request.topics.map((t) => t.name));
      // As Kafka's controller: a request that would add too many partitions in all fails as a whole.
      const added = request.topics.reduce((sum, t) => sum + Math.max(0, t.count - (deps.metadata.topic(t.name)?.partitions.length ?? t.count)), 0);
      if (added > deps.context.config.int(MAX_PARTITIONS_PER_REQUEST_CONFIG)) {
        return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_PARTITIONS_MESSAGE })) };
      }
      const pending: Array<Promise<void>> = [];
      const response = {
        throttleTimeMs: 0,
        results: request.topics.map((t) => {
          if (repeated.has(t.name)) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
          if (!deps.auth.allows(context, AclOperation.ALTER, ResourceType.TOPIC, t.name)) return { name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'The topic authorization is failed.' };
          try {
            const { ready } = deps.controller.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, request.validateOnly);
            const result = { name: t.name, ...NO_ERROR };
            if (ready) pending.push(ready.catch((error: unknown) => void Object.assign(result, errorFields(error))));
            return result;
          } catch (error) {
            return { name: t.name, ...errorFields(error) };
          }
        }),
      };
      // As CreateTopics: answered once the new partitions exist, created a slice at a time meanwhile.
      return pending.length === 0 ? response : Promise.all(pending).then(() => response);
    },
  });
}
