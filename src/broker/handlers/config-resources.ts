import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { MetadataView } from '../cluster/metadata-view.js';
import type { ControllerApi } from './handler-deps.js';

/** ConfigResource types as Kafka numbers them. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

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
