import type { ConsumerRecord } from '../support/consumer-record.js';
import type { MessageListenerContainer } from './message-listener-container.js';
import type { GenericMessageListener } from './message-listener.js';

/** Ends an observation: no argument when the listener returned, the error when it threw. */
export type ObservationEnd = (error?: unknown) => void;

/**
 * The scope a record is processed in (tracing's `process` span): the dispatcher runs the
 * record interceptor, the filter, the listener and the error handler inside it, then ends it
 * once, with the error when the record failed.
 */
export interface RecordScope {
  /** Calls `work` with the scope current (a promise it returns keeps it for its continuations). */
  run<T>(work: () => T): T;
  end(error?: unknown): void;
}

/** Opens a record's scope, or none for this record (it is not processed now, or tracing was switched off since). */
export type RecordScopeOpener = (record: ConsumerRecord) => RecordScope | undefined;

/** Opens the scope of a batch listener's batch (as fetched, before interceptor and filter), or none. */
export type BatchScopeOpener = (records: readonly ConsumerRecord[]) => RecordScope | undefined;

/**
 * Told about the listener path by the dispatcher, for metrics and health (Spring's listener
 * observation). Containers without one pay nothing but an optional-chaining check.
 */
export interface ListenerObserver {
  /** Before the listener gets a record (or, for a batch listener, a batch). */
  listenerStarted(container: MessageListenerContainer, records: readonly ConsumerRecord[]): ObservationEnd;
  /**
   * Optional, instead of {@link listenerStarted} for a record listener without a record
   * interceptor: the record is done, `seconds` after the container started on it (building the
   * record, converting the payload, the listener), `error` when the listener threw. The
   * container times records itself, with the one clock reading per record it takes anyway.
   */
  recordObserved?(container: MessageListenerContainer, record: ConsumerRecord, seconds: number, error?: unknown): void;
  /** The error handler dealt with a failure: `recovered`, or left for redelivery (a retry). */
  failureHandled(container: MessageListenerContainer, record: ConsumerRecord, recovered: boolean): void;
  /** Once per consumer start: the listener to run in place of `listener`. */
  wrapListener?(listener: GenericMessageListener, container: MessageListenerContainer): GenericMessageListener;
  /**
   * Once per consumer start of a record listener: how to open each record's scope, or none at
   * all (then the record path has no per-record cost).
   */
  recordScopes?(container: MessageListenerContainer): RecordScopeOpener | undefined;
  /**
   * Once per consumer start of a batch listener: how to open each batch's scope (tracing's
   * `process` span with links), in which the dispatcher runs the batch interceptor, the
   * filter, the listener and the error handler; or none.
   */
  batchScopes?(container: MessageListenerContainer): BatchScopeOpener | undefined;
}

/**
 * An observer that only wraps the listener or opens record and batch scopes (tracing without
 * metrics): the dispatcher calls it per record only through the scope opener it returned.
 */
export type ListenerWrapper = Pick<ListenerObserver, 'wrapListener' | 'recordScopes' | 'batchScopes'>;

/** The part of a container's observer the dispatcher calls for every record; none for a wrapper alone. */
export function recordObserverOf(observer: ListenerObserver | ListenerWrapper | undefined): ListenerObserver | undefined {
  return observer !== undefined && 'listenerStarted' in observer ? observer : undefined;
}
