import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { ZERO_UUID } from '../../protocol/schema/uuid.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { NO_ERROR, errorFields } from './topic-errors.js';

type Deps = Pick<HandlerDeps, 'controller' | 'metadata' | 'auth'>;

/** DeleteTopics, all versions: by name (v0-5 topicNames, v6 topics) or by topic id (v6+). */
export function deleteTopicsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    handle(request, context) {
      const targets = context.header.apiVersion >= 6
        ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : request.topicNames.map((name) => ({ name: name as string | null, topicId: ZERO_UUID }));
      return {
        throttleTimeMs: 0,
        responses: targets.map(({ name, topicId }) => {
          const topic = name !== null ? deps.metadata.topic(name) : deps.metadata.topicById(topicId);
          // DELETE on the topic, checked before whether it exists (Kafka answers both the same).
          const target = topic?.name ?? name;
          if (target !== null && !deps.auth.allows(context, AclOperation.DELETE, ResourceType.TOPIC, target)) {
            return { name, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
          }
          if (!topic) {
            return name !== null
              ? { name, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' }
              : { name: null, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' };
          }
          try {
            deps.controller.deleteTopic(topic.name);
            return { name: topic.name, topicId: topic.topicId, ...NO_ERROR };
          } catch (error) {
            return { name: topic.name, topicId: topic.topicId, ...errorFields(error) };
          }
        }),
      };
    },
  });
}
