import type { Acknowledgment } from '../../support/acknowledgment.js';
import type { ConsumerRecord } from '../../support/consumer-record.js';
import type { ListenerConsumer } from '../listener-consumer.js';
import type { MessageListener } from '../message-listener.js';
import type { DelegatingInvocableHandler } from './delegating-invocable-handler.js';
import type { HandlerMethod } from './handler-method.js';

export interface ListenerAdapterOptions {
  readonly groupId?: string;
  readonly listenerInfo?: string;
}

/**
 * Adapts a `@KafkaListener` method (or a class-level listener's handlers) to the container's
 * record listener, as Spring's `RecordMessagingMessageListenerAdapter`.
 */
export class RecordMessagingMessageListenerAdapter implements MessageListener {
  readonly batch = false as const;

  constructor(
    private readonly target: HandlerMethod | DelegatingInvocableHandler,
    private readonly options: ListenerAdapterOptions = {},
  ) {}

  async onMessage(record: ConsumerRecord, acknowledgment: Acknowledgment, consumer: ListenerConsumer): Promise<void> {
    const context = { acknowledgment, consumer, groupId: this.options.groupId, listenerInfo: this.options.listenerInfo };
    let args: unknown[];
    let handler: HandlerMethod;
    if ('select' in this.target) {
      const selected = this.target.select(record);
      handler = selected.handler;
      args = handler.recordArguments(record, context);
      const index = handler.parameters.findIndex((p) => p.kind === 'payload');
      if (index >= 0) args[index] = handler.payloadFor(record, selected.payloadType);
    } else {
      handler = this.target;
      args = handler.recordArguments(record, context);
    }
    const result = await handler.invoke(args);
    this.handleResult(result, record);
  }

  /** The seam for replies (`@SendTo`), which arrive with request/reply support; results are ignored for now. */
  protected handleResult(_result: unknown, _request: ConsumerRecord): void {}
}
