import type { ConsumerRecord } from '../support/consumer-record.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/** Ends an observation: no argument when the listener returned, the error when it threw. */
export type ObservationEnd = (error?: unknown) => void;

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
}
