import { KafkaException } from '../kafka-exception.js';
import { DelegatingInvocableHandler } from '../listener/adapter/delegating-invocable-handler.js';
import { HandlerMethod } from '../listener/adapter/handler-method.js';
import { RecordMessagingMessageListenerAdapter } from '../listener/adapter/record-messaging-message-listener-adapter.js';
import type { GenericMessageListener } from '../listener/message-listener.js';
import type { EndpointSettings, MessageListenerSettings } from './kafka-listener-endpoint.js';
import { AbstractKafkaListenerEndpoint } from './abstract-kafka-listener-endpoint.js';

/**
 * An endpoint for a class-level `@KafkaListener` whose `@KafkaHandler` methods are chosen by
 * payload type, as Spring's `MultiMethodKafkaListenerEndpoint`. Record listeners only.
 */
export class MultiMethodKafkaListenerEndpoint extends AbstractKafkaListenerEndpoint {
  constructor(
    settings: EndpointSettings,
    readonly bean: object,
    readonly methods: readonly (string | symbol)[],
    readonly defaultMethod: string | symbol | undefined,
  ) {
    super(settings);
  }

  createMessageListener(settings: MessageListenerSettings): GenericMessageListener {
    if (settings.batch) throw new KafkaException(`Class-level @KafkaListener ${this.bean.constructor.name} can't be a batch listener`);
    const handler = (method: string | symbol) => new HandlerMethod(this.bean, method, settings.converter, false);
    const delegating = new DelegatingInvocableHandler(
      this.methods.map(handler),
      this.defaultMethod === undefined ? undefined : handler(this.defaultMethod),
      this.bean.constructor.name,
      settings.typeMappings,
    );
    return new RecordMessagingMessageListenerAdapter(delegating, { groupId: settings.groupId, listenerInfo: this.listenerInfo, errorHandler: this.listenerErrorHandler, splitIterables: this.splitIterables });
  }
}
