import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { ZERO_UUID } from '../../protocol/schema/uuid.js';
import { EXCESSIVE_PARTITIONS_MESSAGE, MAX_PARTITIONS_PER_REQUEST_CONFIG, requestedPartitions } from '../cluster/partition-limits.js';
import { describeTopicConfigs } from '../config/config-describer.js';
import type { ControllerApi, HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { NO_ERROR, duplicates, errorFields } from './topic-errors.js';

interface Deps extends Pick<HandlerDeps, 'context' | 'auth'> {
  readonly controller: Pick<ControllerApi, 'createTopicInSlices'>;
}

/** CreateTopics, all versions: -1 partitions/replication = broker defaults, validateOnly, explicit assignments. */
export function createTopicsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    handle(request, context) {
      const clusterCreate = deps.auth.allows(context, AclOperation.CREATE, ResourceType.CLUSTER);
      const mayCreate = (name: string) => clusterCreate || deps.auth.allows(context, AclOperation.CREATE, ResourceType.TOPIC, name);
      const repeated = duplicates(request.topics.map((t) => t.name));
      // As Kafka's controller: a request asking for too many partitions in all fails as a whole.
      const defaultPartitions = deps.context.config.int('num.partitions');
      const total = request.topics.reduce((sum, t) => sum + requestedPartitions(t.numPartitions, t.assignments.length, defaultPartitions), 0);
      if (total > deps.context.config.int(MAX_PARTITIONS_PER_REQUEST_CONFIG)) {
        return {
          throttleTimeMs: 0,
          topics: request.topics.map((t) => ({
            name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_PARTITIONS_MESSAGE,
            numPartitions: -1, replicationFactor: -1, configs: null,
          })),
        };
      }
      const pending: Array<Promise<void>> = [];
      const response = {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => {
          const failed = (errorCode: number, errorMessage: string) => ({ name: t.name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null });
          if (repeated.has(t.name)) return failed(ErrorCode.INVALID_REQUEST, `Create topics request from client contains multiple entries for topic ${t.name}`);
          if (!mayCreate(t.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
          if (t.assignments.length > 0 && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
            return failed(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
          }
          const configs: Record<string, string> = {};
          for (const c of t.configs) {
            if (c.value === null) return failed(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
            configs[c.name] = c.value;
          }
          try {
            const assignments = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
            if (assignments.some((a, i) => a.partitionIndex !== i)) return failed(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence.');
            const { ready, ...created } = deps.controller.createTopicInSlices(
              { name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, assignments: assignments.map((a) => a.brokerIds), configs },
              request.validateOnly,
            );
            const result = {
              name: t.name,
              ...created,
              ...NO_ERROR,
              configs: describeTopicConfigs(deps.context.config, created.configs, null, false).map((c) => ({
                name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: c.isSensitive,
              })),
            };
            if (ready) pending.push(ready.catch((error: unknown) => void Object.assign(result, errorFields(error))));
            return result;
          } catch (error) {
            return { ...failed(ErrorCode.NONE, ''), ...errorFields(error) };
          }
        }),
      };
      // Thousands of partitions are created a slice at a time while other requests are served;
      // the answer comes once they all exist.
      return pending.length === 0 ? response : Promise.all(pending).then(() => response);
    },
  });
}
