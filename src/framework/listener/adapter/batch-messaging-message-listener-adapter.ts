import { sendToOf } from '../../annotation/send-to.js';
import { KafkaException } from '../../kafka-exception.js';
import type { Acknowledgment } from '../../support/acknowledgment.js';
import type { ConsumerRecords } from '../../support/consumer-records.js';
import type { ContainerConsumer } from '../container-consumer.js';
import type { BatchMessageListener } from '../message-listener.js';
import type { HandlerMethod } from './handler-method.js';
import { listenerFailure, type ListenerAdapterOptions } from './record-messaging-message-listener-adapter.js';
import { recordMessageHeaders } from '../../support/converter/messaging-message-converter.js';
import { KafkaHeaders } from '../../support/kafka-headers.js';
import { Message } from '../../support/message.js';

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

  /** The listener bean, for ConsumerSeekAware callbacks. */
  get seekAwareBean(): object {
    return this.handler.bean;
  }

  async onMessage(records: ConsumerRecords, acknowledgment: Acknowledgment, consumer: ContainerConsumer): Promise<void> {
    const context = { acknowledgment, consumer, groupId: this.options.groupId, listenerInfo: this.options.listenerInfo };
    try {
      await this.handler.invoke(this.handler.batchArguments(records, context), records);
    } catch (error) {
      const errorHandler = this.options.errorHandler;
      if (!errorHandler) throw error;
      // Batch listeners have no @SendTo: a value returned by the error handler is ignored, a throw goes on to the container.
      const headers = { [KafkaHeaders.BATCH_CONVERTED_HEADERS]: records.map((record) => recordMessageHeaders(record, context)), [KafkaHeaders.RAW_DATA]: records };
      const message = new Message(records.map((record) => record.value), headers);
      await errorHandler.handleError(message, listenerFailure(error, records.length > 0 ? records[0]! : 'an empty batch', this.options.groupId), consumer, acknowledgment);
    }
  }
}
