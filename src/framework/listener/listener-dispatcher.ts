import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { ConsumerRecords } from '../support/consumer-records.js';
import type { Logger } from '../support/logger.js';
import { filterBatch, type RecordFilterStrategy } from './adapter/record-filter-strategy.js';
import { isRebalanceError, type AckHandler } from './ack-handler.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { BatchAcknowledgment, RecordAcknowledgment, type NackRequest } from './consumer-acknowledgment.js';
import { deserializationErrorOf, type ConsumerRecordFactory } from './consumer-record-factory.js';
import type { ContainerProperties } from './container-properties.js';
import type { ContainerConsumer } from './container-consumer.js';
import { ListenerExecutionFailedException } from './listener-execution-failed-exception.js';
import { isBatchListener, type GenericMessageListener } from './message-listener.js';
import type { MessageListenerContainer } from './message-listener-container.js';
import type { BatchInterceptor, RecordInterceptor } from './record-interceptor.js';
import type { BatchScopeOpener, ListenerObserver, ObservationEnd, RecordScope, RecordScopeOpener } from './listener-observer.js';

/** What the dispatcher needs from its container. */
export interface DispatchContext {
  readonly container: MessageListenerContainer;
  readonly properties: ContainerProperties;
  readonly listener: GenericMessageListener;
  readonly ackHandler: AckHandler;
  readonly errorHandler: CommonErrorHandler;
  readonly recordFactory: ConsumerRecordFactory;
  readonly consumer: ContainerConsumer;
  readonly groupId: string;
  readonly logger: Logger;
  readonly recordInterceptor?: RecordInterceptor;
  readonly batchInterceptor?: BatchInterceptor;
  readonly recordFilterStrategy?: RecordFilterStrategy;
  /** The listener is called for records that failed to deserialize too (a `@SendTo` listener answers a request among them with an error reply). */
  readonly listenerTakesUndeserializable?: boolean;
  /** Metrics and health (docs/observability.md). */
  readonly observer?: ListenerObserver;
  /** Opens the scope (tracing's `process` span) each record is processed in; none costs the record path nothing. */
  readonly recordScopes?: RecordScopeOpener;
  /** Opens the scope (tracing's `process` span with links) each batch of a batch listener is processed in. */
  readonly batchScopes?: BatchScopeOpener;
  /** Stop taking new records (the container is stopping). */
  isStopping(): boolean;
  /** A nack sleep is in progress: records fetched meanwhile are left for redelivery. */
  isNackPaused(): boolean;
  /** Pause every assigned partition for `sleep` ms (a nack). */
  pauseForNack(sleep: number): void;
  /** The group is rebalancing: commit and run the revoke callbacks before kafkajs rejoins. */
  onRebalance(): Promise<void>;
  /**
   * A number that changes whenever something may have repositioned the consumer (a seek):
   * only then does the record loop ask kafkajs whether its batch went stale, which costs a
   * JSON.stringify each time. Without it, kafkajs is asked for every record.
   */
  positionChanges?(): number;
}

type Outcome =
  | { kind: 'processed'; nack?: NackRequest }
  | { kind: 'skipped' }
  /** `thrown`: what the listener threw, when the listener was called (not for a record that failed to deserialize). */
  | { kind: 'failed'; error: Error; thrown?: { error: unknown } };

type BatchOutcome =
  | { kind: 'skipped' }
  | { kind: 'processed'; records: ConsumerRecord[]; discarded: ConsumerRecord[]; nack?: NackRequest }
  /** `thrown`: what the interceptor or the listener threw. */
  | { kind: 'failed'; records: ConsumerRecord[]; discarded: ConsumerRecord[]; error: Error; thrown: { error: unknown } };

const PROCESSED: Outcome = { kind: 'processed' };
const SKIPPED_OUTCOME: Outcome = { kind: 'skipped' };
/** How often the record loop offers kafkajs a heartbeat (it sends one when its own interval is up). */
const HEARTBEAT_CHECK_MS = 100;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The body of the container's consumer loop: takes one kafkajs batch (a partition's share of a
 * fetch), turns it into ConsumerRecords, runs interceptors, filter and listener, hands
 * failures to the error handler and tells the AckHandler what happened. Positions advance
 * through kafkajs' `resolveOffset` only for records that are done with; anything else is
 * fetched again. Only rebalance errors escape, so that kafkajs rejoins the group.
 */
export class ListenerDispatcher {
  private payload: EachBatchPayload | undefined;
  /** When the record loop last heartbeated (`performance.now()`; kafkajs sends one only once its interval is up). */
  private lastHeartbeat = 0;
  /** The observer to call with the container's own timing (record listeners without an interceptor), else none. */
  private readonly timedObserver: Required<Pick<ListenerObserver, 'recordObserved'>> | undefined;
  /** The observer to call around the listener, when it is not {@link timedObserver}. */
  private readonly untimedObserver: ListenerObserver | undefined;

  constructor(private readonly ctx: DispatchContext) {
    const { observer, recordInterceptor } = ctx;
    this.timedObserver = observer?.recordObserved && !recordInterceptor ? (observer as Required<Pick<ListenerObserver, 'recordObserved'>>) : undefined;
    this.untimedObserver = this.timedObserver ? undefined : observer;
  }

  /** Heartbeats through the batch in hand; outside a batch kafkajs heartbeats by itself. */
  async heartbeat(): Promise<void> {
    if (!this.payload) return;
    try {
      await this.payload.heartbeat();
    } catch (error) {
      if (isRebalanceError(error)) await this.ctx.onRebalance();
      throw error;
    }
  }

  async dispatch(payload: EachBatchPayload): Promise<void> {
    if (this.ctx.isStopping() || this.ctx.isNackPaused() || payload.batch.messages.length === 0) return;
    this.payload = payload;
    try {
      if (isBatchListener(this.ctx.listener)) await this.dispatchBatch(payload);
      else await this.dispatchRecords(payload);
      await this.guard(this.ctx.ackHandler.batchEnd());
    } finally {
      this.payload = undefined;
    }
  }

  private async dispatchRecords(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { ackHandler, consumer, container, properties } = this.ctx;
    const { topic, partition, messages } = batch;
    const offsets = ackHandler.partitionOffsets(batch);
    const waitForAcks = ackHandler.waitsForImmediateAcks;
    const positionChanges = this.ctx.positionChanges;
    let positionsSeen = positionChanges?.();
    // kafkajs' position moves once, past the last record done with, when the loop leaves (or
    // before anything else may reposition the consumer): resolveOffset costs a Long per call.
    let resolved: string | undefined;
    const resolve = () => {
      if (resolved !== undefined) payload.resolveOffset(resolved);
      resolved = undefined;
    };
    const observer = this.timedObserver;
    const recordScopes = this.ctx.recordScopes;
    // One clock reading per record: it times the record for the observer and spaces the heartbeats.
    let startedAt = performance.now();
    try {
      for (let i = 0; i < messages.length; i++) {
        // Stopping: leave after the record in hand (stopImmediate), or after the batch.
        if (!payload.isRunning() || (properties.stopImmediate && this.ctx.isStopping())) return;
        if (positionChanges === undefined || positionChanges() !== positionsSeen) {
          positionsSeen = positionChanges?.();
          if (payload.isStale()) return;
        }
        const message = messages[i]!;
        const record = this.toRecord(topic, partition, message);
        offsets.delivered(record.offset);
        // The record's scope holds interceptor, filter, listener and error handler; it ends before commits and heartbeats.
        const scope = recordScopes?.(record);
        const invoked = scope ? this.invokeInScope(scope, record) : this.invokeRecord(record);
        let outcome: Outcome;
        try {
          outcome = invoked instanceof Promise ? await invoked : invoked;
        } catch (error) {
          scope?.end(error);
          throw error;
        }
        const endedAt = performance.now();
        if (observer) {
          if (outcome.kind === 'processed') observer.recordObserved(container, record, (endedAt - startedAt) / 1000);
          else if (outcome.kind === 'failed' && outcome.thrown) observer.recordObserved(container, record, (endedAt - startedAt) / 1000, outcome.thrown.error);
        }
        if (outcome.kind === 'failed') {
          resolve();
          const next = scope ? await this.handleFailureInScope(scope, outcome, record, payload, i) : await this.handleFailure(outcome, record, payload, i);
          if (next === 'stop') return; // the error handler has positioned the consumer
          if (next === 'again') i--;
          startedAt = performance.now();
          continue;
        }
        scope?.end();
        if (outcome.kind === 'processed' && outcome.nack) {
          resolve();
          await this.guard(ackHandler.commit());
          consumer.seek(record, record.offset);
          this.ctx.pauseForNack(outcome.nack.sleep);
          return;
        }
        resolved = message.offset;
        // Commits and heartbeats only when due: the usual record awaits nothing but the listener.
        let waited = false;
        if (ackHandler.markProcessedIn(offsets, record.offset, outcome.kind === 'skipped')) {
          await this.guard(ackHandler.commit());
          waited = true;
        }
        if (waitForAcks) {
          await this.guard(ackHandler.immediateAcksCommitted());
          waited = true;
        }
        if (endedAt - this.lastHeartbeat >= HEARTBEAT_CHECK_MS) {
          this.lastHeartbeat = endedAt;
          await this.heartbeat();
          waited = true;
        }
        // The next record's time starts here, unless a commit or heartbeat was waited for.
        startedAt = waited ? performance.now() : endedAt;
      }
    } finally {
      resolve();
    }
  }

  /**
   * A failed record to the error handler, after committing what was processed before it (as
   * Spring does): 'next' or 'again' go on with the batch in hand, 'stop' leaves it.
   */
  private async handleFailure(outcome: Extract<Outcome, { kind: 'failed' }>, record: ConsumerRecord, payload: EachBatchPayload, index: number): Promise<'next' | 'again' | 'stop'> {
    const { ackHandler, errorHandler, consumer, container } = this.ctx;
    const { topic, partition, messages } = payload.batch;
    await this.guard(ackHandler.commit());
    if (errorHandler.seeksAfterHandling?.(outcome.error) === false) return this.handleInPlace(outcome.error, record, payload, messages[index]!.offset);
    const remaining = [record, ...messages.slice(index + 1).map((m) => this.toRecord(topic, partition, m))];
    const recovered = await this.callErrorHandler(() => errorHandler.handleRemaining(outcome.error, remaining, consumer, container), false);
    this.ctx.observer?.failureHandled(container, record, recovered);
    if (recovered && errorHandler.isAckAfterHandle()) {
      await this.guard(ackHandler.recordProcessed(record, true));
      if (errorHandler.isCommitRecovered?.()) await this.guard(ackHandler.commit());
    }
    return 'stop';
  }

  // The scoped calls live in their own methods: a closure in the record loop would make V8 allocate a context for every record, traced or not.
  private invokeInScope(scope: RecordScope, record: ConsumerRecord): Outcome | Promise<Outcome> {
    return scope.run(() => this.invokeRecord(record));
  }

  /** Error handling inside the failed record's scope, which then ends with what the record failed with. */
  private async handleFailureInScope(scope: RecordScope, outcome: Extract<Outcome, { kind: 'failed' }>, record: ConsumerRecord, payload: EachBatchPayload, index: number): Promise<'next' | 'again' | 'stop'> {
    try {
      return await scope.run(() => this.handleFailure(outcome, record, payload, index));
    } finally {
      scope.end(outcome.thrown ? outcome.thrown.error : outcome.error);
    }
  }

  private invokeRecord(record: ConsumerRecord): Outcome | Promise<Outcome> {
    const { recordInterceptor, recordFilterStrategy } = this.ctx;
    if (!recordInterceptor) {
      if (recordFilterStrategy && deserializationErrorOf(record) === undefined && recordFilterStrategy.filter(record)) return SKIPPED_OUTCOME;
      return this.invokeListener(record);
    }
    return this.invokeIntercepted(record, recordInterceptor);
  }

  /** The listener alone (no interceptor): a promise only when the listener returns one. */
  private invokeListener(record: ConsumerRecord): Outcome | Promise<Outcome> {
    const { ackHandler, logger, container, listener, consumer } = this.ctx;
    const observer = this.untimedObserver;
    const ack = new RecordAcknowledgment(record, ackHandler, logger);
    let observed: ObservationEnd | undefined;
    let result: unknown;
    const deserializationError = deserializationErrorOf(record);
    if (deserializationError && !this.ctx.listenerTakesUndeserializable) {
      ack.listenerReturned();
      return { kind: 'failed', error: this.wrap(deserializationError, record) };
    }
    try {
      observed = observer?.listenerStarted(container, [record]);
      result = listener.onMessage(record as never, ack, consumer);
    } catch (error) {
      return this.listenerFailed(error, record, ack, observed);
    }
    if (isPromiseLike(result)) return this.listenerSettled(result, record, ack, observed);
    return this.listenerReturned(ack, observed);
  }

  private async listenerSettled(result: PromiseLike<unknown>, record: ConsumerRecord, ack: RecordAcknowledgment, observed: ObservationEnd | undefined): Promise<Outcome> {
    try {
      await result;
    } catch (error) {
      return this.listenerFailed(error, record, ack, observed);
    }
    return this.listenerReturned(ack, observed);
  }

  private listenerReturned(ack: RecordAcknowledgment, observed: ObservationEnd | undefined): Outcome {
    observed?.();
    ack.listenerReturned();
    const nack = ack.nackRequest;
    return nack ? { kind: 'processed', nack } : PROCESSED;
  }

  private listenerFailed(error: unknown, record: ConsumerRecord, ack: RecordAcknowledgment, observed: ObservationEnd | undefined): Outcome {
    observed?.(error);
    ack.listenerReturned();
    return { kind: 'failed', error: this.wrap(error, record), thrown: { error } };
  }

  private async invokeIntercepted(record: ConsumerRecord, recordInterceptor: RecordInterceptor): Promise<Outcome> {
    const { recordFilterStrategy, consumer, logger } = this.ctx;
    const ack = new RecordAcknowledgment(record, this.ctx.ackHandler, logger);
    let current: ConsumerRecord | null = record;
    try {
      const deserializationError = deserializationErrorOf(record);
      if (deserializationError && !this.ctx.listenerTakesUndeserializable) throw deserializationError;
      current = await recordInterceptor.intercept(record, consumer);
      if (current === null || recordFilterStrategy?.filter(current)) return SKIPPED_OUTCOME;
      const observed = this.ctx.observer?.listenerStarted(this.ctx.container, [current]);
      try {
        await this.ctx.listener.onMessage(current as never, ack, consumer);
      } catch (error) {
        observed?.(error);
        throw error;
      }
      observed?.();
      ack.listenerReturned();
      await this.quietly(() => recordInterceptor.success?.(current!, consumer));
      return { kind: 'processed', nack: ack.nackRequest };
    } catch (error) {
      ack.listenerReturned();
      await this.quietly(() => recordInterceptor.failure?.(current ?? record, error, consumer));
      return { kind: 'failed', error: this.wrap(error, record), thrown: { error } };
    } finally {
      await this.quietly(() => recordInterceptor.afterRecord?.(current ?? record, consumer));
    }
  }

  private async dispatchBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { ackHandler, consumer } = this.ctx;
    const all = batch.messages.map((m) => this.toRecord(batch.topic, batch.partition, m));
    for (const record of all) ackHandler.delivered(record);
    const lastOffset = batch.messages[batch.messages.length - 1]!.offset;

    const scope = this.ctx.batchScopes?.(all);
    const outcome = scope ? await this.processBatchInScope(scope, all) : await this.processBatch(all);
    if (outcome.kind === 'failed') return; // the error handler has positioned the consumer
    // Commit bookkeeping and positions: after the batch's scope, as a record's commits are after its own.
    if (outcome.kind === 'skipped') {
      await this.markSkipped(all);
      payload.resolveOffset(lastOffset);
      return;
    }
    const { records, discarded, nack } = outcome;
    await this.markSkipped(discarded);
    if (nack) {
      await this.markSkipped(records.slice(0, nack.index));
      await this.guard(ackHandler.commit());
      consumer.seek(records[nack.index]!, records[nack.index]!.offset);
      this.ctx.pauseForNack(nack.sleep);
      return;
    }
    await ackHandler.batchRecordsProcessed(records);
    payload.resolveOffset(lastOffset);
  }

  /** The batch's scope holds interceptor, filter, listener and error handler; it ends with what the batch failed with. */
  private async processBatchInScope(scope: RecordScope, all: ConsumerRecord[]): Promise<BatchOutcome> {
    let outcome: BatchOutcome;
    try {
      outcome = await scope.run(() => this.processBatch(all));
    } catch (error) {
      scope.end(error);
      throw error;
    }
    scope.end(outcome.kind === 'failed' ? outcome.thrown.error : undefined);
    return outcome;
  }

  /** Interceptor, filter and listener for a batch, and the error handler when they failed. */
  private async processBatch(all: ConsumerRecord[]): Promise<BatchOutcome> {
    const outcome = await this.invokeBatch(all);
    if (outcome.kind !== 'failed') return outcome;
    const { ackHandler, errorHandler, consumer, container } = this.ctx;
    await this.markSkipped(outcome.discarded);
    await this.guard(ackHandler.commit());
    const processed = await this.callErrorHandler(() => errorHandler.handleBatch(outcome.error, outcome.records, consumer, container), 0);
    this.ctx.observer?.failureHandled(container, outcome.records[0] ?? all[0]!, processed > 0);
    if (errorHandler.isAckAfterHandle()) await this.markSkipped(outcome.records.slice(0, processed));
    if (processed > 0 && errorHandler.isCommitRecovered?.()) await this.guard(ackHandler.commit());
    return outcome;
  }

  /** Interceptor, filter and listener for a batch; never throws. */
  private async invokeBatch(all: ConsumerRecord[]): Promise<BatchOutcome> {
    const { batchInterceptor, recordFilterStrategy, consumer, ackHandler, logger } = this.ctx;
    let records = all;
    let discarded: ConsumerRecord[] = [];
    try {
      if (batchInterceptor) {
        const intercepted = await batchInterceptor.intercept(ConsumerRecords.fromList(records), consumer);
        if (intercepted === null) return { kind: 'skipped' };
        records = [...intercepted];
      }
      if (recordFilterStrategy) {
        const kept = filterBatch(recordFilterStrategy, records);
        discarded = records.filter((r) => !kept.includes(r));
        records = kept;
        if (records.length === 0 && (recordFilterStrategy.ignoreEmptyBatch?.() ?? false)) return { kind: 'skipped' };
      }
      const ack = new BatchAcknowledgment(records, this.ctx.properties.ackMode, ackHandler, logger);
      const observed = this.ctx.observer?.listenerStarted(this.ctx.container, records);
      try {
        await this.ctx.listener.onMessage(ConsumerRecords.fromList(records) as never, ack, consumer);
        observed?.();
      } catch (error) {
        observed?.(error);
        throw error;
      } finally {
        ack.listenerReturned();
      }
      await this.quietly(() => batchInterceptor?.success?.(ConsumerRecords.fromList(records), consumer));
      return { kind: 'processed', records, discarded, nack: ack.nackRequest };
    } catch (error) {
      await this.quietly(() => batchInterceptor?.failure?.(ConsumerRecords.fromList(records), error, consumer));
      return { kind: 'failed', records, discarded, error: this.wrap(error, records[0] ?? all[0]!), thrown: { error } };
    }
  }

  /**
   * A handler that does not seek (Spring's `handleOne`, `seekAfterError: false`): the batch in
   * hand goes on without a new fetch, with the next record once the failed one is recovered
   * ('next'), or with the failed record again ('again').
   */
  private async handleInPlace(error: Error, record: ConsumerRecord, payload: EachBatchPayload, offset: string): Promise<'next' | 'again' | 'stop'> {
    const { ackHandler, errorHandler, consumer, container } = this.ctx;
    const handle = () => (errorHandler.handleOne ? errorHandler.handleOne(error, record, consumer, container) : errorHandler.handleRemaining(error, [record], consumer, container));
    const recovered = await this.callErrorHandler(handle, false);
    this.ctx.observer?.failureHandled(container, record, recovered);
    if (recovered) {
      if (errorHandler.isAckAfterHandle()) {
        await this.guard(ackHandler.recordProcessed(record, true));
        if (errorHandler.isCommitRecovered?.()) await this.guard(ackHandler.commit());
      }
      payload.resolveOffset(offset);
      return 'next';
    }
    if (!payload.isRunning() || payload.isStale() || this.ctx.isStopping()) {
      // Fetched again from the failed record (unless someone else has positioned the partition).
      if (!payload.isStale()) consumer.seek(record, record.offset);
      return 'stop';
    }
    return 'again';
  }

  /** Records the listener will never see count as done (in every ack mode). */
  private async markSkipped(records: readonly ConsumerRecord[]): Promise<void> {
    for (const record of records) await this.guard(this.ctx.ackHandler.recordProcessed(record, true));
  }

  private toRecord(topic: string, partition: number, message: KafkaMessage): ConsumerRecord {
    return this.ctx.recordFactory.create(topic, partition, message);
  }

  private async callErrorHandler<T>(handle: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await handle();
    } catch (error) {
      if (isRebalanceError(error)) {
        await this.ctx.onRebalance();
        throw error;
      }
      this.ctx.logger.error(`Error handler failed in container ${this.ctx.container.listenerId}`, error);
      return fallback;
    }
  }

  /** Commit failures: rebalances end the batch (kafkajs rejoins); others go to the error handler. */
  private async guard(commit: Promise<void>): Promise<void> {
    try {
      await commit;
    } catch (error) {
      if (isRebalanceError(error)) {
        await this.ctx.onRebalance();
        throw error;
      }
      this.ctx.errorHandler.handleOtherException(error, this.ctx.consumer, this.ctx.container, isBatchListener(this.ctx.listener));
    }
  }

  private async quietly(callback: () => unknown): Promise<void> {
    try {
      await callback();
    } catch (error) {
      this.ctx.logger.error(`Interceptor failed in container ${this.ctx.container.listenerId}`, error);
    }
  }

  private wrap(error: unknown, record: ConsumerRecord): Error {
    if (error instanceof ListenerExecutionFailedException) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ListenerExecutionFailedException(`Listener failed for ${record}: ${message}`, this.ctx.groupId, { cause: error });
  }
}
