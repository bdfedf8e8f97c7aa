import type { ConsumerRecord } from '../support/consumer-record.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * One error handler for record listeners and another for batch listeners, as Spring's
 * `CommonMixedErrorHandler`; a factory shared by both kinds of listener can carry it.
 * The record handler answers the container-wide questions (ackAfterHandle, seeks).
 */
export class CommonMixedErrorHandler implements CommonErrorHandler {
  constructor(
    private readonly recordErrorHandler: CommonErrorHandler,
    private readonly batchErrorHandler: CommonErrorHandler,
  ) {}

  isAckAfterHandle(): boolean {
    return this.recordErrorHandler.isAckAfterHandle();
  }

  isCommitRecovered(): boolean {
    return this.recordErrorHandler.isCommitRecovered?.() ?? false;
  }

  seeksAfterHandling(): boolean {
    return this.recordErrorHandler.seeksAfterHandling?.() ?? true;
  }

  deliveryAttempt(groupId: string, record: ConsumerRecord): number {
    return this.recordErrorHandler.deliveryAttempt?.(groupId, record) ?? 1;
  }

  handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    return this.recordErrorHandler.handleRemaining(error, records, consumer, container);
  }

  async handleOne(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    if (this.recordErrorHandler.handleOne) return this.recordErrorHandler.handleOne(error, record, consumer, container);
    return this.recordErrorHandler.handleRemaining(error, [record], consumer, container);
  }

  handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    return this.batchErrorHandler.handleBatch(error, records, consumer, container);
  }

  handleOtherException(error: unknown, consumer: ContainerConsumer, container: MessageListenerContainer, batchListener: boolean): void {
    (batchListener ? this.batchErrorHandler : this.recordErrorHandler).handleOtherException(error, consumer, container, batchListener);
  }
}
