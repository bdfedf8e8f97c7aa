import { sendToOf } from '../../annotation/send-to.js';
import { KafkaException } from '../../kafka-exception.js';
import type { Acknowledgment } from '../../support/acknowledgment.js';
import type { ConsumerRecords } from '../../support/consumer-records.js';
import type { ListenerConsumer } from '../listener-consumer.js';
import type { BatchMessageListener } from '../message-listener.js';
import type { HandlerMethod } from './handler-method.js';
import type { ListenerAdapterOptions } from './record-messaging-message-listener-adapter.js';

/** Adapts a batch `@KafkaListener` method to the container, as Spring's `BatchMessagingMessageListenerAdapter`. */
export class BatchMessagingMessageListenerAdapter implements BatchMessageListener {
  readonly batch = true as const;

  constructor(
    private readonly handler: HandlerMethod,
    private readonly options: ListenerAdapterOptions = {},
  ) {
    // A batch has no single request to answer; Spring's batch replies carry no correlation either.
    if (sendToOf(handler.bean, handler.method)) throw new KafkaException(`${handler.description}: @SendTo is supported on record listeners only, not batch listeners`);
  }

  async onMessage(records: ConsumerRecords, acknowledgment: Acknowledgment, consumer: ListenerConsumer): Promise<void> {
    const args = this.handler.batchArguments(records, { acknowledgment, consumer, groupId: this.options.groupId, listenerInfo: this.options.listenerInfo });
    await this.handler.invoke(args);
  }
}
