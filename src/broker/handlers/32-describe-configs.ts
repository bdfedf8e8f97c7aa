import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { describeBrokerConfigs, describeClusterDefaultConfigs, describeTopicConfigs } from '../config/config-describer.js';
import { AclOperation } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import { apiHandler } from './api-handler.js';
import { ResourceType, configAuthorizationError } from './config-resources.js';

type Deps = Pick<HandlerDeps, 'context' | 'metadata' | 'auth'>;

/** DescribeConfigs for topics and brokers, with Kafka's sources and (v1+) synonyms. */
export function describeConfigsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const includeSynonyms = context.header.apiVersion >= 1 && request.includeSynonyms;
      return {
        throttleTimeMs: 0,
        results: distinctBy(request.resources, (r) => `${r.resourceType}:${r.resourceName}`).map((r) => {
          const base = { resourceType: r.resourceType, resourceName: r.resourceName, errorMessage: null };
          const denied = configAuthorizationError(deps.auth, context, AclOperation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName);
          if (denied) return { ...base, ...denied, configs: [] };
          if (r.resourceType === ResourceType.TOPIC) {
            const topic = deps.metadata.topic(r.resourceName);
            if (!topic) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.`, configs: [] };
            return { ...base, errorCode: ErrorCode.NONE, configs: describeTopicConfigs(deps.context.config, topic.configs, r.configurationKeys, includeSynonyms) };
          }
          if (r.resourceType === ResourceType.BROKER) {
            if (r.resourceName === '') return { ...base, errorCode: ErrorCode.NONE, configs: describeClusterDefaultConfigs(deps.context.config, r.configurationKeys, includeSynonyms) };
            if (Number(r.resourceName) !== deps.context.nodeId) {
              return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id ${r.resourceName}`, configs: [] };
            }
            return { ...base, errorCode: ErrorCode.NONE, configs: describeBrokerConfigs(deps.context.config, r.configurationKeys, includeSynonyms) };
          }
          return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${r.resourceType}`, configs: [] };
        }),
      };
    },
  });
}
