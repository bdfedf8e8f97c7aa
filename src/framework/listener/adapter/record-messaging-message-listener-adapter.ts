import { sendToOf, type SendToMetadata } from '../../annotation/send-to.js';
import type { KafkaTemplate } from '../../core/kafka-template.js';
import type { Acknowledgment } from '../../support/acknowledgment.js';
import type { ConsumerRecord } from '../../support/consumer-record.js';
import type { Logger } from '../../support/logger.js';
import { recordMessageHeaders } from '../../support/converter/messaging-message-converter.js';
import { Message } from '../../support/message.js';
import { deserializationErrorOf } from '../consumer-record-factory.js';
import type { KafkaListenerErrorHandler } from '../kafka-listener-error-handler.js';
import { ListenerExecutionFailedException } from '../listener-execution-failed-exception.js';
import type { ContainerConsumer } from '../container-consumer.js';
import type { MessageListener } from '../message-listener.js';
import type { DelegatingInvocableHandler } from './delegating-invocable-handler.js';
import type { HandlerMethod, InvocationContext } from './handler-method.js';
import { ListenerReplySender } from './listener-reply-sender.js';
import type { ReplyHeaderNames } from '../../requestreply/reply-headers.js';

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export interface ListenerAdapterOptions {
  readonly groupId?: string;
  readonly listenerInfo?: string;
  /** `@KafkaListener({ errorHandler })`: called with a failure before the container's error handler. */
  readonly errorHandler?: KafkaListenerErrorHandler;
  /** `@KafkaListener({ splitIterables })`: an array result is one reply per element (default true). */
  readonly splitIterables?: boolean;
}

/**
 * Adapts a `@KafkaListener` method (or a class-level listener's handlers) to the container's
 * record listener, as Spring's `RecordMessagingMessageListenerAdapter`. With `@SendTo`, the
 * result is sent as a reply (see {@link ListenerReplySender}) before the record counts as done.
 */
export class RecordMessagingMessageListenerAdapter implements MessageListener {
  readonly batch = false as const;
  private readonly replies: ListenerReplySender;

  constructor(
    private readonly target: HandlerMethod | DelegatingInvocableHandler,
    private readonly options: ListenerAdapterOptions = {},
  ) {
    this.replies = new ListenerReplySender(() => this.description, options.splitIterables ?? true);
  }

  /** The template `@SendTo` replies are sent with, as Spring's `setReplyTemplate`, and the reply header names. */
  setReplyTemplate(template: KafkaTemplate, logger?: Logger, resolveTopic?: (topic: string) => string, headerNames?: Partial<ReplyHeaderNames>): void {
    this.replies.setReplyTemplate(template, logger, resolveTopic, headerNames);
  }

  /**
   * A `@SendTo` listener takes records whose key or value could not be deserialized too: a
   * request among them gets an error reply (the requester fails at once rather than timing
   * out); any other goes on to the container's error handler as before.
   */
  get acceptsUndeserializableRecords(): boolean {
    return this.sendsReplies;
  }

  /** The listener bean, for ConsumerSeekAware callbacks. */
  get seekAwareBean(): object | undefined {
    return this.handlers()[0]?.bean;
  }

  /** True when some handler of this listener has `@SendTo`. */
  get sendsReplies(): boolean {
    return this.handlers().some((handler) => handler.sendTo !== undefined);
  }

  /**
   * Calls the handler for a record. A handler that returns no promise is called without one
   * here either (no await for the usual synchronous listener); the container awaits what is
   * returned when it is a promise.
   */
  onMessage(record: ConsumerRecord, acknowledgment: Acknowledgment, consumer: ContainerConsumer): unknown {
    const ids = this.options;
    let handler: HandlerMethod | undefined;
    let result: unknown;
    const undeserializable = deserializationErrorOf(record);
    if (undeserializable) return this.undeserializable(undeserializable, record);
    try {
      let args: unknown[];
      if ('select' in this.target) {
        const selected = this.target.select(record);
        handler = selected.handler;
        args = handler.recordArguments(record, acknowledgment, consumer, ids);
        const index = handler.parameters.findIndex((p) => p.kind === 'payload');
        if (index >= 0) args[index] = handler.payloadFor(record, selected.payloadType);
      } else {
        handler = this.target;
        args = handler.recordArguments(record, acknowledgment, consumer, ids);
      }
      result = handler.call(args, record);
    } catch (error) {
      return this.failed(error, record, handler, { acknowledgment, consumer, groupId: ids.groupId, listenerInfo: ids.listenerInfo });
    }
    const called = handler;
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => this.handleResult(value, record, called),
        (error: unknown) => this.failed(error, record, called, { acknowledgment, consumer, groupId: ids.groupId, listenerInfo: ids.listenerInfo }),
      );
    }
    return called.sendTo ? this.handleResult(result, record, called) : undefined;
  }

  /** Sends the result as the reply when the handler has `@SendTo`; otherwise results are ignored, as in Spring. */
  protected async handleResult(result: unknown, request: ConsumerRecord, handler: HandlerMethod): Promise<void> {
    const sendTo = handler.sendTo;
    if (sendTo) await this.replies.sendResult(result, request, sendTo);
  }

  /**
   * A failure goes to the listener's error handler when it has one; then a failed request gets
   * an error reply instead of a timeout (and is then handled); anything else rethrows.
   */
  private failed(error: unknown, record: ConsumerRecord, handler: HandlerMethod | undefined, context: InvocationContext): Promise<void> {
    if (this.options.errorHandler) return this.failedThroughErrorHandler(error, record, handler, context, this.options.errorHandler);
    const sendTo = this.sendToFor(handler);
    if (!sendTo) throw error;
    return this.replies.sendErrorReply(error, record, sendTo).then((replied) => {
      if (!replied) throw error;
    });
  }

  /**
   * A record whose key or value failed to deserialize: an error reply when it is a request,
   * else on to the container's error handler. The listener's error handler is not consulted:
   * as in Spring, it only sees failures of the listener call itself.
   */
  private undeserializable(error: Error, record: ConsumerRecord): Promise<void> {
    const sendTo = this.sendToFor('select' in this.target ? undefined : this.target);
    if (!sendTo) return Promise.reject(error);
    return this.replies.sendErrorReply(error, record, sendTo).then((replied) => {
      if (!replied) throw error;
    });
  }

  /** Spring's KafkaListenerErrorHandler: its value is the listener's result; throwing passes the failure on. */
  private async failedThroughErrorHandler(error: unknown, record: ConsumerRecord, handler: HandlerMethod | undefined, context: InvocationContext, errorHandler: KafkaListenerErrorHandler): Promise<void> {
    const sendTo = this.sendToFor(handler);
    let failure = error;
    let handled = false;
    let result: unknown;
    try {
      const message = new Message(record.value, recordMessageHeaders(record, context));
      result = await errorHandler.handleError(message, listenerFailure(error, record, this.options.groupId), context.consumer, context.acknowledgment);
      handled = true;
    } catch (handlerError) {
      failure = handlerError;
    }
    if (handled) {
      if (sendTo) await this.replies.sendResult(result, record, sendTo);
      return;
    }
    if (sendTo && (await this.replies.sendErrorReply(failure, record, sendTo))) return;
    throw failure;
  }

  /** The handler's `@SendTo`; before a class-level listener picked one, the class's. */
  private sendToFor(handler: HandlerMethod | undefined): SendToMetadata | undefined {
    if (handler) return handler.sendTo;
    const any = this.handlers()[0];
    return any ? sendToOf(any.bean, Symbol.for('streamwright:noMethod')) : undefined;
  }

  private handlers(): readonly HandlerMethod[] {
    return 'select' in this.target ? this.target.handlerMethods : [this.target];
  }

  private get description(): string {
    const handlers = this.handlers();
    return handlers.length === 1 ? handlers[0]!.description : (handlers[0]?.bean.constructor.name ?? 'listener');
  }
}

/** The failure as Spring hands it to a listener error handler: a ListenerExecutionFailedException around the listener's error. */
export function listenerFailure(error: unknown, record: { toString(): string }, groupId: string | undefined): ListenerExecutionFailedException {
  if (error instanceof ListenerExecutionFailedException) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ListenerExecutionFailedException(`Listener failed for ${record.toString()}: ${message}`, groupId, { cause: error });
}
