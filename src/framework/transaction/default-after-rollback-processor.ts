import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import type { CommonErrorHandler } from '../listener/common-error-handler.js';
import { DefaultErrorHandler, type ConsumerRecordRecoverer, type DefaultErrorHandlerOptions } from '../listener/default-error-handler.js';
import type { ContainerConsumer } from '../listener/container-consumer.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { KafkaTransactionManager } from './kafka-transaction-manager.js';
import { containerTransactionSuffix, executeSettled } from './transactional-message-listener.js';

/** What a container with a transaction manager calls after a listener's transaction was aborted. */
export type AfterRollbackProcessor = CommonErrorHandler;

interface RollbackScope {
  readonly transactionManager: KafkaTransactionManager;
  readonly consumer: ContainerConsumer;
}

const scope = new AsyncLocalStorage<RollbackScope>();

/**
 * Runs after a container's transaction was rolled back, as Spring's
 * `DefaultAfterRollbackProcessor`: it seeks the failed record (and the rest of the batch) back,
 * so they are consumed again in a new transaction, with the back-off between attempts
 * (default `FixedBackOff(0, 9)`: 10 deliveries). When the back-off is exhausted (or the
 * failure is not retryable) the recoverer runs (default: log at ERROR) in a new transaction of
 * the container's transaction manager, so a recoverer's `KafkaTemplate` sends (e.g. to a
 * dead-letter topic) are transactional; with `commitRecovered` the recovered record's offset
 * is sent to that same transaction, so recovery and skipping the record commit atomically
 * (Spring's EOS behaviour). Without it the offset is committed with the next transaction.
 *
 * It is the error-handler slot of a transactional container, so it takes the same options as
 * `DefaultErrorHandler` (back-off, recoverer, classifier, retry listeners).
 */
export class DefaultAfterRollbackProcessor extends DefaultErrorHandler implements AfterRollbackProcessor {
  constructor(options: DefaultErrorHandlerOptions = {}) {
    const recoverer = options.recoverer;
    const commitRecovered = options.commitRecovered ?? false;
    const userRecover = recoverer === undefined ? undefined : typeof recoverer === 'function' ? recoverer : (record: ConsumerRecord, error: Error) => recoverer.accept(record, error);
    // The recoverer is built before super() returns, so it reaches the processor through a holder.
    const owner: { processor?: DefaultAfterRollbackProcessor } = {};
    const transactionalRecoverer: ConsumerRecordRecoverer = async (record, error) => {
      const current = scope.getStore();
      const recover = () => (userRecover ? userRecover(record, error) : owner.processor!.logRecovered(record, error));
      if (!current) return recover();
      const { transactionManager, consumer } = current;
      if (!owner.processor!.commitRecoveredOffsets) {
        await transactionManager.executeInContainerTransaction(containerTransactionSuffix(consumer.groupId, record), recover);
        return;
      }
      // With the offset in the transaction, a commit whose reply was lost is settled by the group's committed offset.
      await executeSettled(transactionManager, consumer, record, record.offset + 1, async (holder) => {
        await recover();
        await holder.sendOffsets(consumer.groupId, [{ topic: record.topic, partition: record.partition, offset: record.offset + 1 }]);
      });
    };
    super({ ...options, recoverer: transactionalRecoverer, commitRecovered });
    owner.processor = this;
    this.processorLogger = options.logger ?? defaultLogger();
  }

  private processorLogger: Logger;

  /** Send a recovered record's offset in the recovery transaction (Spring's `commitRecovered`). */
  get commitRecoveredOffsets(): boolean {
    return this.commitRecovered;
  }

  /** The offset went with the recovery transaction: the container has nothing more to commit. */
  override isCommitRecovered(): boolean {
    return false;
  }

  private logRecovered(record: ConsumerRecord, error: Error): void {
    this.processorLogger.error(`Retries exhausted for ${record} after rollback; skipping it: ${error.message}`);
  }

  /** @internal Runs the processor for a container's transaction manager and consumer. */
  static withinScope<T>(transactionManager: KafkaTransactionManager, consumer: ContainerConsumer, fn: () => Promise<T>): Promise<T> {
    return scope.run({ transactionManager, consumer }, fn);
  }
}

/**
 * The error-handler slot of a container with a transaction manager: the after-rollback
 * processor, run with the container's transaction manager and group in scope.
 *
 * @internal
 */
export class TransactionalErrorHandler implements CommonErrorHandler {
  constructor(
    readonly processor: AfterRollbackProcessor,
    private readonly transactionManager: KafkaTransactionManager,
  ) {}

  handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    return DefaultAfterRollbackProcessor.withinScope(this.transactionManager, consumer, () => this.processor.handleRemaining(error, records, consumer, container));
  }

  handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    return DefaultAfterRollbackProcessor.withinScope(this.transactionManager, consumer, () => this.processor.handleBatch(error, records, consumer, container));
  }

  handleOtherException(error: unknown, consumer: ContainerConsumer, container: MessageListenerContainer, batchListener: boolean): void {
    this.processor.handleOtherException(error, consumer, container, batchListener);
  }

  isAckAfterHandle(): boolean {
    return this.processor.isAckAfterHandle();
  }

  isCommitRecovered(): boolean {
    return this.processor.isCommitRecovered?.() ?? false;
  }
}
