import type { ConsumerRecord } from '../support/consumer-record.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import type { ErrorClass } from './exception-classifier.js';
import { ListenerExecutionFailedException } from './listener-execution-failed-exception.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * Chooses an error handler by the class of the failure, as Spring's
 * `CommonDelegatingErrorHandler`: the first delegate (in the order added) whose class the
 * failure is an instance of handles it, else the default handler. The failure looked at is
 * the listener's own error (inside the `ListenerExecutionFailedException`); with
 * `setCauseChainTraversing(true)` the whole cause chain is searched.
 *
 * Every delegate must agree with the default handler on `seeksAfterHandling()`, because the
 * container decides how to call the handler before it knows which delegate will run.
 */
export class CommonDelegatingErrorHandler implements CommonErrorHandler {
  private readonly delegates = new Map<ErrorClass, CommonErrorHandler>();
  private causeChainTraversing = false;

  constructor(private readonly defaultErrorHandler: CommonErrorHandler) {}

  /** Replaces the delegates (a Map keeps its insertion order, which is the matching order). */
  setErrorHandlers(delegates: ReadonlyMap<ErrorClass, CommonErrorHandler> | Iterable<[ErrorClass, CommonErrorHandler]>): this {
    this.delegates.clear();
    for (const [type, handler] of delegates) this.addDelegate(type, handler);
    return this;
  }

  addDelegate(type: ErrorClass, handler: CommonErrorHandler): this {
    if ((handler.seeksAfterHandling?.() ?? true) !== this.seeksAfterHandling()) {
      throw new TypeError(`All delegates must have the same value for 'seeksAfterHandling' as the default handler (the delegate for ${type.name} differs)`);
    }
    this.delegates.set(type, handler);
    return this;
  }

  /** Look for a matching class along the whole cause chain, not only at the listener's error. */
  setCauseChainTraversing(traversing: boolean): this {
    this.causeChainTraversing = traversing;
    return this;
  }

  isAckAfterHandle(): boolean {
    return this.defaultErrorHandler.isAckAfterHandle();
  }

  isCommitRecovered(): boolean {
    return this.defaultErrorHandler.isCommitRecovered?.() ?? false;
  }

  seeksAfterHandling(): boolean {
    return this.defaultErrorHandler.seeksAfterHandling?.() ?? true;
  }

  deliveryAttempt(groupId: string, record: ConsumerRecord): number {
    return this.defaultErrorHandler.deliveryAttempt?.(groupId, record) ?? 1;
  }

  handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    return this.handlerFor(error).handleRemaining(error, records, consumer, container);
  }

  async handleOne(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    const handler = this.handlerFor(error);
    if (handler.handleOne) return handler.handleOne(error, record, consumer, container);
    return handler.handleRemaining(error, [record], consumer, container);
  }

  handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    return this.handlerFor(error).handleBatch(error, records, consumer, container);
  }

  handleOtherException(error: unknown, consumer: ContainerConsumer, container: MessageListenerContainer, batchListener: boolean): void {
    this.handlerFor(error).handleOtherException(error, consumer, container, batchListener);
  }

  private handlerFor(error: unknown): CommonErrorHandler {
    for (const candidate of this.candidates(error)) {
      for (const [type, handler] of this.delegates) if (candidate instanceof type) return handler;
    }
    return this.defaultErrorHandler;
  }

  /** The errors matched against the delegates: the listener's own error, or every error of the chain. */
  private candidates(error: unknown): unknown[] {
    if (!this.causeChainTraversing) return [error instanceof ListenerExecutionFailedException && error.cause !== undefined ? error.cause : error];
    const chain: unknown[] = [];
    for (let current: unknown = error; current !== undefined && current !== null && !chain.includes(current); current = (current as { cause?: unknown }).cause) chain.push(current);
    return chain;
  }
}
