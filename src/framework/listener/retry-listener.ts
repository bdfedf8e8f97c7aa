import type { ConsumerRecord } from '../support/consumer-record.js';

/**
 * Notified of delivery failures and recoveries by {@link DefaultErrorHandler}, as Spring's
 * `RetryListener`. Every method is optional; a listener that throws is logged and ignored.
 */
export interface RetryListener {
  /** A delivery failed; `deliveryAttempt` is 1 for the first delivery. */
  failedDelivery?(record: ConsumerRecord, error: Error, deliveryAttempt: number): void;
  /** The recoverer handled the record (it will not be redelivered). */
  recovered?(record: ConsumerRecord, error: Error): void;
  /** The recoverer threw: the record will be redelivered. */
  recoveryFailed?(record: ConsumerRecord, original: Error, failure: unknown): void;
}
