import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { MetadataView } from '../cluster/metadata-view.js';
import { AclOperation, ResourceType as AclResourceType } from '../security/authorizer/acl-binding.js';
import type { AuthorizationSubject, RequestAuthorizer } from '../security/authorizer/request-authorizer.js';
import type { ControllerApi } from './handler-deps.js';

/** ConfigResource types as Kafka numbers them. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
const GROUP_CONFIG_RESOURCE = 32;

/**
 * Kafka's ConfigHelper/AuthHelper check of a config resource: DESCRIBE_CONFIGS or ALTER_CONFIGS
 * on the topic (else TOPIC_AUTHORIZATION_FAILED), on the cluster for a broker or broker logger
 * (CLUSTER_AUTHORIZATION_FAILED), on the group (GROUP_AUTHORIZATION_FAILED). Null when allowed.
 */
export function configAuthorizationError(
  auth: RequestAuthorizer,
  subject: AuthorizationSubject,
  operation: typeof AclOperation.DESCRIBE_CONFIGS | typeof AclOperation.ALTER_CONFIGS,
  resourceType: number,
  resourceName: string,
): { errorCode: number; errorMessage: string } | null {
  const denied = (errorCode: number) => ({ errorCode, errorMessage: `Authorization failed: ${operation === AclOperation.ALTER_CONFIGS ? 'ALTER_CONFIGS' : 'DESCRIBE_CONFIGS'} is needed` });
  if (resourceType === ResourceType.TOPIC) return auth.allows(subject, operation, AclResourceType.TOPIC, resourceName) ? null : denied(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  if (resourceType === ResourceType.BROKER || resourceType === ResourceType.BROKER_LOGGER) return auth.allows(subject, operation, AclResourceType.CLUSTER) ? null : denied(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (resourceType === GROUP_CONFIG_RESOURCE) return auth.allows(subject, operation, AclResourceType.GROUP, resourceName) ? null : denied(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  return null;
}

/** The current dynamic configs of a resource, the base for AlterConfigs and IncrementalAlterConfigs. */
export function currentOverrides(metadata: Pick<MetadataView, 'topic' | 'dynamicBrokerConfigs'>, resourceType: number, resourceName: string): Record<string, string> {
  if (resourceType === ResourceType.TOPIC) {
    const topic = metadata.topic(resourceName);
    if (!topic) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resourceName} does not exist.`);
    return { ...topic.configs };
  }
  if (resourceType === ResourceType.BROKER) return { ...metadata.dynamicBrokerConfigs(resourceName) };
  throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
}

/** Replaces a resource's dynamic configs with `configs`. */
export function applyOverrides(controller: Pick<ControllerApi, 'alterTopicConfigs' | 'alterBrokerConfigs'>, resourceType: number, resourceName: string, configs: Record<string, string>, validateOnly: boolean): void {
  if (resourceType === ResourceType.TOPIC) controller.alterTopicConfigs(resourceName, configs, validateOnly);
  else controller.alterBrokerConfigs(resourceName, configs, validateOnly);
}
