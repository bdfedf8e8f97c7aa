import { FixedBackOff, STOP, type BackOff } from '../support/back-off.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { BatchListenerFailedException } from './batch-listener-failed-exception.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { ExceptionClassifier } from './exception-classifier.js';
import { FailedRecordTracker, rootCause } from './failed-record-tracker.js';
import type { ListenerConsumer } from './listener-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/** Called with a record whose retries are exhausted, as Spring's `ConsumerRecordRecoverer`. */
export type ConsumerRecordRecoverer = (record: ConsumerRecord, error: Error) => void | Promise<void>;

export interface DefaultErrorHandlerOptions {
  /** Default `FixedBackOff(0, 9)`: 10 deliveries, no delay (Spring's default). */
  backOff?: BackOff;
  /** Default: log the record at ERROR and move on. */
  recoverer?: ConsumerRecordRecoverer;
  classifier?: ExceptionClassifier;
  logger?: Logger;
}

/**
 * The container's default error handler, following Spring's `DefaultErrorHandler`: a failed
 * record is redelivered by seeking back to it, up to the back-off's limit (default: 10
 * deliveries, no delay); then the recoverer runs (default: log at ERROR) and the record is
 * skipped and committed. Fatal failures (see {@link ExceptionClassifier}) are recovered on
 * the first delivery. Nothing is silently lost: every skipped record is logged.
 *
 * Back-off delays are waited out in the consumer (heartbeating), so keep them short; pausing
 * back-offs, dead-letter publishing and retry topics come with the next iteration.
 */
export class DefaultErrorHandler implements CommonErrorHandler {
  readonly classifier: ExceptionClassifier;
  private readonly backOff: BackOff;
  private readonly tracker: FailedRecordTracker;
  private readonly logger: Logger;
  private readonly recoverer: ConsumerRecordRecoverer;

  constructor(options: DefaultErrorHandlerOptions = {}) {
    this.backOff = options.backOff ?? new FixedBackOff(0, 9);
    this.tracker = new FailedRecordTracker(this.backOff);
    this.classifier = options.classifier ?? new ExceptionClassifier();
    this.logger = options.logger ?? defaultLogger();
    this.recoverer =
      options.recoverer ??
      ((record, error) => this.logger.error(`Backoff ${String(this.backOff)} exhausted for ${record}; skipping it`, rootCause(error)));
  }

  isAckAfterHandle(): boolean {
    return true;
  }

  async handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ListenerConsumer, container: MessageListenerContainer): Promise<boolean> {
    const failed = records[0];
    if (!failed) return false;
    const recovered = await this.retryOrRecover(error, failed, consumer, container);
    // Redeliver from the failed record, or from the one after it once recovered.
    consumer.seek(failed, recovered ? failed.offset + 1 : failed.offset);
    return recovered;
  }

  async handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ListenerConsumer, container: MessageListenerContainer): Promise<number> {
    if (records.length === 0) return 0;
    const index = failedIndex(error, records);
    if (index === undefined) {
      // The failed record is unknown: the whole batch is retried, then every record is recovered.
      const recovered = await this.retryOrRecover(error, records[0]!, consumer, container, records);
      if (!recovered) consumer.seek(records[0]!, records[0]!.offset);
      return recovered ? records.length : 0;
    }
    const failed = records[index]!;
    const recovered = await this.retryOrRecover(error, failed, consumer, container);
    const processed = recovered ? index + 1 : index;
    const next = records[processed];
    if (next) consumer.seek(next, next.offset);
    else if (!recovered) consumer.seek(failed, failed.offset);
    return processed;
  }

  handleOtherException(error: unknown, _consumer: ListenerConsumer, container: MessageListenerContainer): void {
    this.logger.error(`Error in container ${container.listenerId} outside the listener`, error);
  }

  /** 1 for a record that has not failed yet, else the number of the coming delivery. */
  deliveryAttempt(groupId: string, record: ConsumerRecord): number {
    return this.tracker.deliveryAttempt(groupId, record);
  }

  private async retryOrRecover(
    error: Error,
    record: ConsumerRecord,
    consumer: ListenerConsumer,
    container: MessageListenerContainer,
    recoverAll: readonly ConsumerRecord[] = [record],
  ): Promise<boolean> {
    const retryable = this.classifier.isRetryable(error);
    const { attempts, backOff } = this.tracker.failedDelivery(consumer.groupId, record, error);
    if (retryable && backOff !== STOP) {
      this.logger.warn(`Listener ${container.listenerId} failed for ${record} (delivery ${attempts}); retrying: ${describe(error)}`);
      await this.sleep(backOff, consumer, container);
      return false;
    }
    if (!retryable) this.logger.warn(`Listener ${container.listenerId} failed for ${record} with a non-retryable error: ${describe(error)}`);
    this.tracker.clear(consumer.groupId, record);
    try {
      for (const each of recoverAll) await this.recoverer(each, error);
      return true;
    } catch (recoveryError) {
      this.logger.error(`Recovery of ${record} failed; it will be redelivered`, recoveryError);
      return false;
    }
  }

  /** Waits in short slices, heartbeating, and gives up early when the container stops. */
  private async sleep(ms: number, consumer: ListenerConsumer, container: MessageListenerContainer): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && container.isRunning()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
      await consumer.heartbeat();
    }
  }
}

function failedIndex(error: unknown, records: readonly ConsumerRecord[]): number | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (!(current instanceof BatchListenerFailedException)) continue;
    const index = current.record ? records.findIndex((r) => r.topic === current.record!.topic && r.partition === current.record!.partition && r.offset === current.record!.offset) : current.index;
    return index !== undefined && index >= 0 && index < records.length ? index : undefined;
  }
  return undefined;
}

function describe(error: unknown): string {
  const root = rootCause(error) as Error;
  return `${root.constructor.name}: ${root.message ?? String(root)}`;
}
