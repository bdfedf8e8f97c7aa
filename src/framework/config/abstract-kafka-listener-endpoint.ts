import type { GenericMessageListener } from '../listener/message-listener.js';
import type { EndpointSettings, KafkaListenerEndpoint, MessageListenerSettings } from './kafka-listener-endpoint.js';

/**
 * The settings every endpoint carries, as Spring's `AbstractKafkaListenerEndpoint`;
 * subclasses only say how their listener is built.
 */
export abstract class AbstractKafkaListenerEndpoint implements KafkaListenerEndpoint {
  readonly id: string;
  readonly groupId?: string;
  readonly defaultGroupId?: string;
  readonly topics: readonly string[];
  readonly topicPattern?: RegExp;
  readonly topicPartitions?: EndpointSettings['topicPartitions'];
  readonly concurrency?: number;
  readonly autoStartup?: boolean;
  readonly batchListener?: boolean;
  readonly consumerProperties?: EndpointSettings['consumerProperties'];
  readonly clientIdPrefix?: string;
  readonly listenerInfo?: string;
  readonly circuitBreaker?: EndpointSettings['circuitBreaker'];
  readonly listenerErrorHandler?: EndpointSettings['listenerErrorHandler'];
  readonly splitIterables?: boolean;

  protected constructor(settings: EndpointSettings) {
    Object.assign(this, settings);
    this.id = settings.id;
    this.topics = settings.topics;
  }

  abstract createMessageListener(settings: MessageListenerSettings): GenericMessageListener;
}
