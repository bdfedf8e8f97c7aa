import { BatchMessagingMessageListenerAdapter } from '../listener/adapter/batch-messaging-message-listener-adapter.js';
import { HandlerMethod } from '../listener/adapter/handler-method.js';
import { RecordMessagingMessageListenerAdapter } from '../listener/adapter/record-messaging-message-listener-adapter.js';
import type { GenericMessageListener } from '../listener/message-listener.js';
import type { EndpointSettings, MessageListenerSettings } from './kafka-listener-endpoint.js';
import { AbstractKafkaListenerEndpoint } from './abstract-kafka-listener-endpoint.js';

/** An endpoint for one `@KafkaListener` method, as Spring's `MethodKafkaListenerEndpoint`. */
export class MethodKafkaListenerEndpoint extends AbstractKafkaListenerEndpoint {
  constructor(
    settings: EndpointSettings,
    readonly bean: object,
    readonly method: string | symbol,
  ) {
    super(settings);
  }

  createMessageListener(settings: MessageListenerSettings): GenericMessageListener {
    const handler = new HandlerMethod(this.bean, this.method, settings.converter, settings.batch);
    const options = { groupId: settings.groupId, listenerInfo: this.listenerInfo, errorHandler: this.listenerErrorHandler, splitIterables: this.splitIterables };
    return settings.batch ? new BatchMessagingMessageListenerAdapter(handler, options) : new RecordMessagingMessageListenerAdapter(handler, options);
  }
}
