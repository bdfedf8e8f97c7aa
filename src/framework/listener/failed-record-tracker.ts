import { STOP, type BackOff, type BackOffExecution } from '../support/back-off.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { topicPartitionKey } from '../support/topic-partition.js';
import { errorClassName, findRootCause } from './error-handling-utils.js';

interface FailedRecord {
  offset: number;
  errorName: string;
  attempts: number;
  execution: BackOffExecution;
}

export interface FailedRecordTrackerOptions {
  /** Start over when the (root) failure's class changes between deliveries (default true). */
  resetStateOnExceptionChange?: boolean;
}

/**
 * Delivery attempts of the record currently failing on each partition of each group, as
 * Spring's `FailedRecordTracker`: the count and the back-off execution restart when another
 * offset fails on that partition, or when the root failure's class changes.
 */
export class FailedRecordTracker {
  private readonly failures = new Map<string, FailedRecord>();
  resetStateOnExceptionChange: boolean;

  constructor(options: FailedRecordTrackerOptions = {}) {
    this.resetStateOnExceptionChange = options.resetStateOnExceptionChange ?? true;
  }

  /**
   * Records a failed delivery and returns its number (1 for the first) and the back-off
   * before the next one, or STOP when the record is to be recovered. A record that is not
   * `retryable` stops at once.
   */
  failedDelivery(group: string, record: ConsumerRecord, error: unknown, backOff: BackOff, retryable = true): { attempts: number; backOff: number } {
    const key = `${group}:${topicPartitionKey(record)}`;
    const errorName = errorClassName(findRootCause(error));
    let failure = this.failures.get(key);
    if (!failure || failure.offset !== record.offset || (this.resetStateOnExceptionChange && failure.errorName !== errorName)) {
      failure = { offset: record.offset, errorName, attempts: 0, execution: backOff.start() };
      this.failures.set(key, failure);
    }
    failure.attempts++;
    failure.errorName = errorName;
    return { attempts: failure.attempts, backOff: retryable ? failure.execution.nextBackOff() : STOP };
  }

  /** 1 for a record that has not failed yet, else the number of the next delivery. */
  deliveryAttempt(group: string, record: ConsumerRecord): number {
    const failure = this.failures.get(`${group}:${topicPartitionKey(record)}`);
    return failure && failure.offset === record.offset ? failure.attempts + 1 : 1;
  }

  /** Forgets the record's failures (after recovery, or to start the back-off over). */
  clear(group: string, record: ConsumerRecord): void {
    const key = `${group}:${topicPartitionKey(record)}`;
    if (this.failures.get(key)?.offset === record.offset) this.failures.delete(key);
  }
}
