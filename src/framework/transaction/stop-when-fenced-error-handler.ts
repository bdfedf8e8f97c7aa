import type { CommonErrorHandler } from '../listener/common-error-handler.js';
import type { ContainerConsumer } from '../listener/container-consumer.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { Logger } from '../support/logger.js';
import type { ConsumerStoppedReason } from '../event/consumer-lifecycle-events.js';
import { isFencingError } from './transactional-message-listener.js';

/** A container that can stop for a reason of its own (KafkaMessageListenerContainer). */
interface AbnormallyStoppable {
  stopAbnormally(reason: ConsumerStoppedReason, cause: unknown): void;
}

/**
 * Spring's `stopContainerWhenFenced`: a transaction that failed because its producer was fenced
 * stops the consumer (reason FENCED) instead of going to the after-rollback processor; its
 * records are neither recovered nor committed, so whoever owns the partitions next gets them.
 * Other failures go to the wrapped handler.
 */
export class StopWhenFencedErrorHandler implements CommonErrorHandler {
  constructor(
    readonly delegate: CommonErrorHandler,
    private readonly logger: Logger,
  ) {}

  handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    if (this.stopIfFenced(error, container)) return Promise.resolve(false);
    return this.delegate.handleRemaining(error, records, consumer, container);
  }

  async handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    if (this.stopIfFenced(error, container)) return 0;
    return this.delegate.handleBatch(error, records, consumer, container);
  }

  handleOtherException(error: unknown, consumer: ContainerConsumer, container: MessageListenerContainer, batchListener: boolean): void {
    if (!this.stopIfFenced(error, container)) this.delegate.handleOtherException(error, consumer, container, batchListener);
  }

  isAckAfterHandle(): boolean {
    return this.delegate.isAckAfterHandle();
  }

  isCommitRecovered(): boolean {
    return this.delegate.isCommitRecovered?.() ?? false;
  }

  private stopIfFenced(error: unknown, container: MessageListenerContainer): boolean {
    if (!isFencingError(error)) return false;
    const stoppable = container as Partial<AbnormallyStoppable>;
    if (typeof stoppable.stopAbnormally !== 'function') {
      this.logger.error(`Container ${container.listenerId} was fenced and cannot stop itself; the after-rollback processor handles the failure`, error);
      return false;
    }
    stoppable.stopAbnormally('FENCED', error);
    return true;
  }
}
