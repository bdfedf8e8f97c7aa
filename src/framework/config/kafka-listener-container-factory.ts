import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { KafkaListenerEndpoint } from './kafka-listener-endpoint.js';

/** Builds containers for listener endpoints, as Spring's `KafkaListenerContainerFactory`. */
export interface KafkaListenerContainerFactory<C extends MessageListenerContainer = MessageListenerContainer> {
  /** A container for an endpoint (what `@KafkaListener` methods become). */
  createListenerContainer(endpoint: KafkaListenerEndpoint): C;
  /** A container with no listener yet: set `containerProperties.messageListener`, then `start()`. */
  createContainer(...topics: string[]): C;
}

/** The bean name of the default factory, as in Spring. */
export const DEFAULT_CONTAINER_FACTORY_NAME = 'kafkaListenerContainerFactory';
