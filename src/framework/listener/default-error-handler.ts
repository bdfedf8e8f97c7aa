import { FixedBackOff, STOP, type BackOff } from '../support/back-off.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger, type LogLevel } from '../support/logger.js';
import type { TopicPartition } from '../support/topic-partition.js';
import { ContainerPausingBackOffHandler, type BackOffHandler } from './back-off-handler.js';
import { BatchListenerFailedException } from './batch-listener-failed-exception.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { describeError, findInCauses } from './error-handling-utils.js';
import { ExceptionClassifier, type ErrorClass } from './exception-classifier.js';
import { FailedRecordTracker } from './failed-record-tracker.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';
import type { RetryListener } from './retry-listener.js';

/**
 * Called with a record whose retries are exhausted (or whose failure is not retryable), as
 * Spring's `ConsumerRecordRecoverer`: a function, or an object with `accept` (such as
 * `DeadLetterPublishingRecoverer`). Throwing (or rejecting) means the record was not
 * recovered: it is redelivered, never skipped.
 */
export type ConsumerRecordRecoverer =
  | ((record: ConsumerRecord, error: Error) => void | Promise<void>)
  | { accept(record: ConsumerRecord, error: Error): void | Promise<void> };

export interface DefaultErrorHandlerOptions {
  /** Default `FixedBackOff(0, 9)`: 10 deliveries, no delay (Spring's default). */
  backOff?: BackOff;
  /** Default: log the record at ERROR and move on. */
  recoverer?: ConsumerRecordRecoverer;
  /** How a back-off is waited out. Default: {@link ContainerPausingBackOffHandler} (pause the partition, keep heartbeating). */
  backOffHandler?: BackOffHandler;
  /** Chooses the back-off per record and failure; undefined means the default back-off. */
  backOffFunction?: (record: ConsumerRecord, error: Error) => BackOff | undefined;
  classifier?: ExceptionClassifier;
  retryListeners?: RetryListener[];
  /** Commit a recovered record's offset at once, whatever the ack mode (default false: per the ack mode). */
  commitRecovered?: boolean;
  /** After the recoverer throws, start the back-off over (default true); false goes straight back to the recoverer. */
  resetStateOnRecoveryFailure?: boolean;
  /** Start over when the failure's class changes between deliveries (default true). */
  resetStateOnExceptionChange?: boolean;
  /**
   * Commit a recovered record's offset with the processed ones (default true, Spring's
   * `ackAfterHandle`); false leaves it to the next processed record's commit.
   */
  ackAfterHandle?: boolean;
  /**
   * Seek back to the failed record for each retry (default true). False is Spring's
   * `seekAfterError: false`: the container keeps the batch in hand and invokes the listener
   * with the failed record again without fetching it; a back-off is slept through with
   * heartbeats (it holds the consumer's other partitions of that batch too).
   */
  seekAfterError?: boolean;
  /** Level of the "failed, will retry" log line (default 'warn'); the retry-topic handlers use 'debug'. */
  logLevel?: Exclude<LogLevel, 'silent'>;
  logger?: Logger;
}

/**
 * The container's default error handler, following Spring's `DefaultErrorHandler`.
 *
 * A failed record is retried by seeking its partition back to it, so nothing after it is lost
 * or reordered, as many times as the back-off allows (default `FixedBackOff(0, 9)`: 10
 * deliveries, no delay). Attempts are counted per group, topic, partition and offset, and
 * start over when another offset fails or the failure's class changes. A delay pauses only
 * that partition: the consumer keeps heartbeating and consuming its other partitions. When
 * the back-off is exhausted, or at once for a failure that is not retryable (deserialization,
 * conversion and argument-resolution failures by default), the recoverer runs (default: log
 * at ERROR) and the record counts as processed, so it is committed per the ack mode. If the
 * recoverer throws, the record is redelivered: it is never skipped unrecovered.
 *
 * Batch listeners: a `BatchListenerFailedException(index)` says which record failed; the ones
 * before it are committed, it is retried and recovered like a record, the rest are
 * redelivered. Any other failure retries the whole batch, then recovers each record.
 */
export class DefaultErrorHandler implements CommonErrorHandler {
  readonly classifier: ExceptionClassifier;
  /** Commit a recovered record's offset at once, whatever the ack mode. */
  commitRecovered: boolean;
  resetStateOnRecoveryFailure: boolean;
  /** Spring's `ackAfterHandle` (default true). */
  ackAfterHandle: boolean;
  /** Spring's `seekAfterError` (default true). */
  seekAfterError: boolean;
  backOffFunction: ((record: ConsumerRecord, error: Error) => BackOff | undefined) | undefined;
  private readonly backOff: BackOff;
  private readonly backOffHandler: BackOffHandler;
  private readonly tracker: FailedRecordTracker;
  private readonly logger: Logger;
  private readonly logLevel: Exclude<LogLevel, 'silent'>;
  private readonly recover: (record: ConsumerRecord, error: Error) => void | Promise<void>;
  private readonly retryListeners: RetryListener[];

  /** `()`, `(backOff)`, `(recoverer)`, `(recoverer, backOff)`, `(recoverer, backOff, backOffHandler)`, or an options object; options may follow the positional ones. */
  constructor(options?: DefaultErrorHandlerOptions);
  constructor(backOff: BackOff, options?: DefaultErrorHandlerOptions);
  constructor(recoverer: ConsumerRecordRecoverer | undefined, backOff?: BackOff, backOffHandlerOrOptions?: BackOffHandler | DefaultErrorHandlerOptions);
  constructor(...args: unknown[]) {
    const options = normalizeArguments(args);
    this.backOff = options.backOff ?? new FixedBackOff(0, 9);
    this.backOffHandler = options.backOffHandler ?? new ContainerPausingBackOffHandler();
    this.backOffFunction = options.backOffFunction;
    this.tracker = new FailedRecordTracker({ resetStateOnExceptionChange: options.resetStateOnExceptionChange });
    this.classifier = options.classifier ?? new ExceptionClassifier();
    this.commitRecovered = options.commitRecovered ?? false;
    this.resetStateOnRecoveryFailure = options.resetStateOnRecoveryFailure ?? true;
    this.ackAfterHandle = options.ackAfterHandle ?? true;
    this.seekAfterError = options.seekAfterError ?? true;
    this.retryListeners = [...(options.retryListeners ?? [])];
    this.logger = options.logger ?? defaultLogger();
    this.logLevel = options.logLevel ?? 'warn';
    const recoverer = options.recoverer;
    this.recover =
      recoverer === undefined
        ? (record, error) => this.logger.error(`Backoff ${String(this.backOffFor(record, error))} exhausted for ${record}; skipping it: ${describeError(error)}`, error)
        : typeof recoverer === 'function'
          ? recoverer
          : (record, error) => recoverer.accept(record, error);
  }

  // ---- configuration, with Spring's method names ----

  addNotRetryableExceptions(...types: ErrorClass[]): this {
    this.classifier.addNotRetryableExceptions(...types);
    return this;
  }

  addRetryableExceptions(...types: ErrorClass[]): this {
    this.classifier.addRetryableExceptions(...types);
    return this;
  }

  removeClassification(type: ErrorClass): boolean | undefined {
    return this.classifier.removeClassification(type);
  }

  setClassifications(classifications: ReadonlyMap<ErrorClass, boolean> | Iterable<[ErrorClass, boolean]>, defaultValue: boolean): this {
    this.classifier.setClassifications(classifications, defaultValue);
    return this;
  }

  /** Only failures added with `addRetryableExceptions` are retried (see ExceptionClassifier.defaultFalse). */
  defaultFalse(retainStandardFatal = false): this {
    this.classifier.defaultFalse(retainStandardFatal);
    return this;
  }

  setBackOffFunction(fn: ((record: ConsumerRecord, error: Error) => BackOff | undefined) | undefined): this {
    this.backOffFunction = fn;
    return this;
  }

  setRetryListeners(...listeners: RetryListener[]): this {
    this.retryListeners.splice(0, this.retryListeners.length, ...listeners);
    return this;
  }

  addRetryListener(listener: RetryListener): this {
    this.retryListeners.push(listener);
    return this;
  }

  set resetStateOnExceptionChange(value: boolean) {
    this.tracker.resetStateOnExceptionChange = value;
  }

  get resetStateOnExceptionChange(): boolean {
    return this.tracker.resetStateOnExceptionChange;
  }

  // ---- CommonErrorHandler ----

  isAckAfterHandle(): boolean {
    return this.ackAfterHandle;
  }

  setAckAfterHandle(ackAfterHandle: boolean): this {
    this.ackAfterHandle = ackAfterHandle;
    return this;
  }

  setSeekAfterError(seekAfterError: boolean): this {
    this.seekAfterError = seekAfterError;
    return this;
  }

  seeksAfterHandling(): boolean {
    return this.seekAfterError;
  }

  /**
   * `seekAfterError: false`: one failed delivery, without seeking. Resolves true once the
   * record is recovered; false means the container invokes the listener with it again, after
   * the back-off (slept here with heartbeats, cut short when the container stops).
   */
  async handleOne(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    const { recovered, backOff } = await this.retryOrRecover(error, record, consumer, container);
    if (!recovered && backOff > 0) await sleepWithHeartbeats(backOff, consumer, container);
    return recovered;
  }

  isCommitRecovered(): boolean {
    return this.commitRecovered;
  }

  async handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    const failed = records[0];
    if (!failed) return false;
    const { recovered, backOff } = await this.retryOrRecover(error, failed, consumer, container);
    // Every partition in the remainder goes back to its first unprocessed record; the
    // failed record's partition to the record itself unless it was recovered.
    seekToFirst(records, consumer, recovered ? failed : undefined);
    if (!recovered && backOff > 0) await this.backOffHandler.onNextBackOff(container, consumer, failed, backOff);
    return recovered;
  }

  async handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    if (records.length === 0) return 0;
    const index = failedIndex(error, records);
    if (index === undefined) {
      // The failed record is unknown: the whole batch is retried, then each record is recovered.
      const first = records[0]!;
      const { recovered, backOff } = await this.retryOrRecover(error, first, consumer, container, records);
      seekPastProcessed(records, recovered, consumer);
      if (recovered === 0 && backOff > 0) await this.backOffHandler.onNextBackOff(container, consumer, first, backOff);
      return recovered;
    }
    const failed = records[index]!;
    const { recovered, backOff } = await this.retryOrRecover(error, failed, consumer, container);
    const processed = recovered ? index + 1 : index;
    seekPastProcessed(records, processed, consumer);
    if (!recovered && backOff > 0) await this.backOffHandler.onNextBackOff(container, consumer, failed, backOff);
    return processed;
  }

  handleOtherException(error: unknown, _consumer: ContainerConsumer, container: MessageListenerContainer): void {
    this.logger.error(`Error in container ${container.listenerId} outside the listener`, error);
  }

  /** 1 for a record that has not failed yet, else the number of the coming delivery. */
  deliveryAttempt(groupId: string, record: ConsumerRecord): number {
    return this.tracker.deliveryAttempt(groupId, record);
  }

  /**
   * One failed delivery: counts it, and either returns the back-off before the next one or
   * runs the recoverer. With `recoverAll` (a failed batch), every record is recovered in order;
   * `recovered` is then how many were.
   */
  private async retryOrRecover(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<{ recovered: boolean; backOff: number }>;
  private async retryOrRecover(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer, recoverAll: readonly ConsumerRecord[]): Promise<{ recovered: number; backOff: number }>;
  private async retryOrRecover(
    error: Error,
    record: ConsumerRecord,
    consumer: ContainerConsumer,
    container: MessageListenerContainer,
    recoverAll?: readonly ConsumerRecord[],
  ): Promise<{ recovered: boolean | number; backOff: number }> {
    const group = consumer.groupId;
    const retryable = this.classifier.isRetryable(error);
    const { attempts, backOff } = this.tracker.failedDelivery(group, record, error, this.backOffFor(record, error), retryable);
    this.notify((l) => l.failedDelivery?.(record, error, attempts));
    const none = recoverAll ? 0 : false;
    if (backOff !== STOP) {
      this.log(`Listener ${container.listenerId} failed for ${record} (delivery ${attempts}); retrying${backOff > 0 ? ` in ${backOff} ms` : ''}: ${describeError(error)}`);
      return { recovered: none, backOff };
    }
    if (!retryable) this.log(`Listener ${container.listenerId} failed for ${record} with a non-retryable error (delivery ${attempts}); recovering it: ${describeError(error)}`);
    const toRecover = recoverAll ?? [record];
    let done = 0;
    try {
      for (const each of toRecover) {
        await this.recover(each, error);
        done++;
        this.notify((l) => l.recovered?.(each, error));
      }
      this.tracker.clear(group, record);
      return { recovered: recoverAll ? done : true, backOff: 0 };
    } catch (recoveryError) {
      const failedRecord = toRecover[done]!;
      this.notify((l) => l.recoveryFailed?.(failedRecord, error, recoveryError));
      if (this.resetStateOnRecoveryFailure || done > 0) this.tracker.clear(group, record);
      this.logger.error(`Recovery of ${failedRecord} failed; it will be redelivered: ${describeError(recoveryError)}`, recoveryError);
      return { recovered: recoverAll ? done : false, backOff: 0 };
    }
  }

  private backOffFor(record: ConsumerRecord, error: Error): BackOff {
    return this.backOffFunction?.(record, error) ?? this.backOff;
  }

  private notify(call: (listener: RetryListener) => void): void {
    for (const listener of this.retryListeners) {
      try {
        call(listener);
      } catch (error) {
        this.logger.error('A RetryListener failed', error);
      }
    }
  }

  private log(message: string): void {
    this.logger[this.logLevel](message);
  }
}

/** Sleeps `ms` in short slices, heartbeating so the group keeps the consumer; stops early when the container stops. */
async function sleepWithHeartbeats(ms: number, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<void> {
  const until = Date.now() + ms;
  while (container.isRunning()) {
    const left = until - Date.now();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 100)));
    await consumer.heartbeat();
  }
}

/** Seeks each partition of `records` to its first record (past `skip` when given). */
function seekToFirst(records: readonly ConsumerRecord[], consumer: ContainerConsumer, skip?: ConsumerRecord): void {
  const first = new Map<string, { partition: TopicPartition; offset: number }>();
  for (const record of records) {
    const key = `${record.topic}-${record.partition}`;
    const offset = record === skip ? record.offset + 1 : record.offset;
    if (!first.has(key)) first.set(key, { partition: record, offset });
  }
  for (const { partition, offset } of first.values()) consumer.seek(partition, offset);
}

/** Positions the consumer on the first unprocessed record of the batch, or past the batch when all are processed. */
function seekPastProcessed(records: readonly ConsumerRecord[], processed: number, consumer: ContainerConsumer): void {
  if (processed < records.length) seekToFirst(records.slice(processed), consumer);
  else seekToFirst([records[records.length - 1]!], consumer, records[records.length - 1]);
}

function failedIndex(error: unknown, records: readonly ConsumerRecord[]): number | undefined {
  const failure = findInCauses(error, BatchListenerFailedException);
  if (!failure) return undefined;
  const index = failure.record
    ? records.findIndex((r) => r.topic === failure.record!.topic && r.partition === failure.record!.partition && r.offset === failure.record!.offset)
    : failure.index;
  return index !== undefined && index >= 0 && index < records.length ? index : undefined;
}

function normalizeArguments(args: unknown[]): DefaultErrorHandlerOptions {
  const [first, second, third] = args;
  if (args.length === 0 || (first === undefined && args.length === 1)) return {};
  if (isBackOff(first)) return { ...(second as DefaultErrorHandlerOptions | undefined), backOff: first };
  if (isRecoverer(first) || first === undefined) {
    const rest: DefaultErrorHandlerOptions = isBackOffHandler(third) ? { backOffHandler: third } : ((third as DefaultErrorHandlerOptions | undefined) ?? {});
    return { ...rest, recoverer: (first as ConsumerRecordRecoverer | undefined) ?? rest.recoverer, backOff: (second as BackOff | undefined) ?? rest.backOff };
  }
  return first as DefaultErrorHandlerOptions;
}

function isBackOff(value: unknown): value is BackOff {
  return typeof (value as Partial<BackOff> | null)?.start === 'function';
}

function isRecoverer(value: unknown): value is ConsumerRecordRecoverer {
  return typeof value === 'function' || typeof (value as { accept?: unknown } | null)?.accept === 'function';
}

function isBackOffHandler(value: unknown): value is BackOffHandler {
  return typeof (value as Partial<BackOffHandler> | null)?.onNextBackOff === 'function';
}
