import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys, type MetadataResponse } from '../../protocol/generated/messages.js';
import type { MessageInput } from '../../protocol/input.js';
import { ZERO_UUID } from '../../protocol/schema/uuid.js';
import { INTERNAL_TOPICS, invalidTopicNameReason } from '../cluster/topic-names.js';
import type { TopicMetadata } from '../cluster/cluster-metadata.js';
import type { ControllerApi, HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import type { PreEncoded } from '../../protocol/schema/field-codec.js';
import { MetadataPartitionsCache, describePartitions, type PartitionResponse } from './metadata-partitions-cache.js';
import { apiHandler, type RequestContext } from './api-handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../security/authorizer/request-authorizer.js';

interface Deps extends Pick<HandlerDeps, 'context' | 'membership' | 'auth'> {
  readonly metadata: Pick<HandlerDeps['metadata'], 'clusterId' | 'topics' | 'topic' | 'topicById' | 'topicRevision' | 'brokersRevision'>;
  readonly controller: Pick<ControllerApi, 'autoCreateTopic'>;
}

type TopicResponse = MessageInput<MetadataResponse['topics'][number]>;

function describeTopicWith(topic: TopicMetadata, partitions: readonly PartitionResponse[] | PreEncoded, authorizedOperations: (name: string) => number): TopicResponse {
  return {
    errorCode: ErrorCode.NONE,
    topicAuthorizedOperations: authorizedOperations(topic.name),
    name: topic.name,
    topicId: topic.topicId,
    isInternal: INTERNAL_TOPICS.has(topic.name),
    // Pre-encoded bytes stand in for the array: the encoder copies them (protocol/schema/field-codec.ts).
    partitions: partitions as PartitionResponse[],
  };
}

/** KIP-430: the cluster's operations need DESCRIBE on the cluster, else 0. */
function clusterOperations(deps: Deps, context: RequestContext): number {
  return deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.CLUSTER) ? deps.auth.authorizedOperations(context, ResourceType.CLUSTER) : 0;
}

/**
 * Metadata, all versions: brokers, controller, and the requested topics (all topics for a
 * null list, or an empty one before v1), auto-creating unknown ones when both the request
 * and `auto.create.topics.enable` allow it. With an authorizer, topics need DESCRIBE (hidden
 * from an all-topics request, TOPIC_AUTHORIZATION_FAILED when named) and auto-creation CREATE
 * on the cluster or the topic.
 */
export function metadataHandler(deps: Deps) {
  // Only what does not depend on the caller is cached: the partitions of the image's topics.
  const cache = new MetadataPartitionsCache(deps.metadata, (id) => deps.membership.isLive(id));
  return apiHandler({
    apiKey: ApiKeys.Metadata,
    minVersion: 0,
    maxVersion: 12,
    handle(request, context) {
      const { header, session } = context;
      const allTopics = request.topics === null || (header.apiVersion === 0 && request.topics.length === 0);
      const topics: TopicResponse[] = [];
      const mayDescribe = (name: string) => deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
      const mayCreate = (name: string) => deps.auth.allows(context, AclOperation.CREATE, ResourceType.CLUSTER) || deps.auth.allows(context, AclOperation.CREATE, ResourceType.TOPIC, name);
      // KIP-430: filled in only when asked for.
      const operations = (name: string) => (header.apiVersion >= 8 && request.includeTopicAuthorizedOperations ? deps.auth.authorizedOperations(context, ResourceType.TOPIC, name) : AUTHORIZED_OPERATIONS_OMITTED);
      const describeTopic = (topic: TopicMetadata) => describeTopicWith(topic, cache.encodedPartitions(topic, header.apiVersion), operations);
      const denied = (name: string | null, topicId: string): TopicResponse => ({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId, partitions: [] });
      if (allTopics) {
        // Topics the principal may not describe are left out, silently.
        for (const topic of deps.metadata.topics) if (mayDescribe(topic.name)) topics.push(describeTopic(topic));
      } else {
        // Before v4 there is no flag: old clients always allowed auto-creation.
        const allowCreate = (header.apiVersion < 4 || request.allowAutoTopicCreation) && deps.context.config.boolean('auto.create.topics.enable');
        for (const requested of distinctBy(request.topics!, (t) => (t.name === null ? `id:${t.topicId}` : `name:${t.name}`))) {
          const byId = requested.name === null;
          const existing = byId ? deps.metadata.topicById(requested.topicId) : deps.metadata.topic(requested.name!);
          if (existing && !mayDescribe(existing.name)) {
            topics.push(denied(byId ? null : existing.name, byId ? existing.topicId : ZERO_UUID));
          } else if (existing) {
            topics.push(describeTopic(existing));
          } else if (byId) {
            topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: requested.topicId, partitions: [] });
          } else if (invalidTopicNameReason(requested.name!) !== null) {
            topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: requested.name, topicId: ZERO_UUID, partitions: [] });
          } else if (!mayDescribe(requested.name!)) {
            // The same answer whether the topic exists or not.
            topics.push(denied(requested.name, ZERO_UUID));
          } else if (allowCreate && !INTERNAL_TOPICS.has(requested.name!)) {
            if (!mayCreate(requested.name!)) {
              topics.push(denied(requested.name, ZERO_UUID));
              continue;
            }
            try {
              // The controller's topic, not the image's: described afresh, never cached.
              const created = deps.controller.autoCreateTopic(requested.name!);
              topics.push(describeTopicWith(created, describePartitions(created, (id) => deps.membership.isLive(id)), operations));
            } catch (error) {
              // Refused (a partition cap, too few brokers): the topic gets the controller's error.
              if (!(error instanceof KafkaProtocolError)) throw error;
              topics.push({ errorCode: error.code, name: requested.name, topicId: ZERO_UUID, partitions: [] });
            }
          } else {
            topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: requested.name, topicId: ZERO_UUID, partitions: [] });
          }
        }
      }
      return {
        throttleTimeMs: 0,
        // The endpoints of the listener this request came in on.
        brokers: deps.membership.liveBrokers(session?.listener).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: null })),
        clusterId: deps.metadata.clusterId,
        controllerId: deps.membership.controllerId(),
        topics,
        clusterAuthorizedOperations: header.apiVersion >= 8 && header.apiVersion <= 10 && request.includeClusterAuthorizedOperations ? clusterOperations(deps, context) : AUTHORIZED_OPERATIONS_OMITTED,
      };
    },
  });
}
