import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { KafkaBroker } from '../kafka-broker.js';

/** ConfigResource types as Kafka numbers them. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** The current dynamic configs of a resource, the base for AlterConfigs and IncrementalAlterConfigs. */
export function currentOverrides(broker: KafkaBroker, resourceType: number, resourceName: string): Record<string, string> {
  if (resourceType === ResourceType.TOPIC) {
    const topic = broker.metadata.topic(resourceName);
    if (!topic) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resourceName} does not exist.`);
    return { ...topic.configs };
  }
  if (resourceType === ResourceType.BROKER) return { ...broker.metadata.dynamicBrokerConfigs(resourceName) };
  throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
}

/** Replaces a resource's dynamic configs with `configs`. */
export function applyOverrides(broker: KafkaBroker, resourceType: number, resourceName: string, configs: Record<string, string>, validateOnly: boolean): void {
  if (resourceType === ResourceType.TOPIC) broker.controller.alterTopicConfigs(resourceName, configs, validateOnly);
  else broker.controller.alterBrokerConfigs(resourceName, configs, validateOnly);
}
