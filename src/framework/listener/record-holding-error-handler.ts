import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { ContainerPausingBackOffHandler } from './back-off-handler.js';
import { BatchListenerFailedException } from './batch-listener-failed-exception.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { findInCauses } from './error-handling-utils.js';
import { KafkaBackoffException } from './kafka-backoff-exception.js';
import { CircuitBreakerOpenException } from './listener-circuit-breaker.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * Wraps a container's error handler (every container does this) to keep two kinds of
 * "failure" away from it, because they are not failed deliveries and must never be counted,
 * retried or recovered:
 *
 * - {@link KafkaBackoffException}: a retry-topic record that is not due yet. Its partition is
 *   sought back to it and paused until it is due (Spring's
 *   `ContainerPartitionPausingBackOffManager`); the other partitions keep flowing.
 * - {@link CircuitBreakerOpenException}: the listener's circuit breaker is open. The record
 *   is sought back; the breaker keeps the consumer paused until it lets calls through.
 *
 * For a batch, a `BatchListenerFailedException(index)` around the hold says that the records
 * before `index` were processed.
 */
export class RecordHoldingErrorHandler implements CommonErrorHandler {
  private readonly pauser = new ContainerPausingBackOffHandler();

  constructor(
    readonly delegate: CommonErrorHandler,
    private readonly logger: Logger = defaultLogger(),
  ) {}

  isAckAfterHandle(): boolean {
    return this.delegate.isAckAfterHandle();
  }

  isCommitRecovered(): boolean {
    return this.delegate.isCommitRecovered?.() ?? false;
  }

  /** Holds are always sought back; other failures as the delegate says. */
  seeksAfterHandling(error?: Error): boolean {
    if (error !== undefined && isHold(error)) return true;
    return this.delegate.seeksAfterHandling?.() ?? true;
  }

  async handleOne(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    if (this.delegate.handleOne) return this.delegate.handleOne(error, record, consumer, container);
    return this.delegate.handleRemaining(error, [record], consumer, container);
  }

  deliveryAttempt(groupId: string, record: ConsumerRecord): number {
    return this.delegate.deliveryAttempt?.(groupId, record) ?? 1;
  }

  handleOtherException(error: unknown, consumer: ContainerConsumer, container: MessageListenerContainer, batchListener: boolean): void {
    this.delegate.handleOtherException(error, consumer, container, batchListener);
  }

  async handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    const first = records[0];
    if (!first || !isHold(error)) return this.delegate.handleRemaining(error, records, consumer, container);
    await this.hold(error, first, consumer, container);
    return false;
  }

  async handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    if (records.length === 0 || !isHold(error)) return this.delegate.handleBatch(error, records, consumer, container);
    const failure = findInCauses(error, BatchListenerFailedException);
    const index = failure?.index !== undefined && failure.index >= 0 && failure.index < records.length ? failure.index : 0;
    await this.hold(error, records[index]!, consumer, container);
    return index;
  }

  private async hold(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<void> {
    consumer.seek(record, record.offset);
    const backOff = findInCauses(error, KafkaBackoffException);
    if (backOff) {
      const wait = Math.max(0, backOff.dueTimestamp - Date.now());
      this.logger.debug(`${record} is not due for ${wait} ms; its partition is paused until then (${container.listenerId})`);
      await this.pauser.onNextBackOff(container, consumer, record, wait);
    } else {
      this.logger.debug(`${record} waits for the circuit breaker of ${container.listenerId}`);
    }
  }
}

function isHold(error: unknown): boolean {
  return findInCauses(error, KafkaBackoffException) !== undefined || findInCauses(error, CircuitBreakerOpenException) !== undefined;
}
