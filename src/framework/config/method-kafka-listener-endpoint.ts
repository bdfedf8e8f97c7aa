import { BatchMessagingMessageListenerAdapter } from '../listener/adapter/batch-messaging-message-listener-adapter.js';
import { HandlerMethod } from '../listener/adapter/handler-method.js';
import { RecordMessagingMessageListenerAdapter } from '../listener/adapter/record-messaging-message-listener-adapter.js';
import type { GenericMessageListener } from '../listener/message-listener.js';
import type { EndpointSettings, KafkaListenerEndpoint, MessageListenerSettings } from './kafka-listener-endpoint.js';

/** An endpoint for one `@KafkaListener` method, as Spring's `MethodKafkaListenerEndpoint`. */
export class MethodKafkaListenerEndpoint implements KafkaListenerEndpoint {
  readonly id: string;
  readonly groupId?: string;
  readonly defaultGroupId?: string;
  readonly topics: readonly string[];
  readonly topicPattern?: RegExp;
  readonly concurrency?: number;
  readonly autoStartup?: boolean;
  readonly batchListener?: boolean;
  readonly consumerProperties?: EndpointSettings['consumerProperties'];
  readonly clientIdPrefix?: string;
  readonly listenerInfo?: string;

  constructor(
    settings: EndpointSettings,
    readonly bean: object,
    readonly method: string | symbol,
  ) {
    Object.assign(this, settings);
    this.id = settings.id;
    this.topics = settings.topics;
  }

  createMessageListener(settings: MessageListenerSettings): GenericMessageListener {
    const handler = new HandlerMethod(this.bean, this.method, settings.converter, settings.batch);
    const options = { groupId: settings.groupId, listenerInfo: this.listenerInfo };
    return settings.batch ? new BatchMessagingMessageListenerAdapter(handler, options) : new RecordMessagingMessageListenerAdapter(handler, options);
  }
}
