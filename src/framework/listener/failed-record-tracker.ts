import type { BackOff, BackOffExecution } from '../support/back-off.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { topicPartitionKey } from '../support/topic-partition.js';

interface FailedRecord {
  offset: number;
  errorName: string;
  attempts: number;
  execution: BackOffExecution;
}

/**
 * Delivery attempts of the record currently failing on each partition, as Spring's
 * `FailedRecordTracker`: the count restarts when another offset fails on that partition or
 * when the failure's class changes.
 */
export class FailedRecordTracker {
  private readonly failures = new Map<string, FailedRecord>();

  constructor(private readonly backOff: BackOff) {}

  /** Records a failed delivery and returns the back-off before the next attempt (or STOP). */
  failedDelivery(group: string, record: ConsumerRecord, error: unknown): { attempts: number; backOff: number } {
    const key = `${group}:${topicPartitionKey(record)}`;
    const errorName = rootCause(error).constructor.name;
    let failure = this.failures.get(key);
    if (!failure || failure.offset !== record.offset || failure.errorName !== errorName) {
      failure = { offset: record.offset, errorName, attempts: 0, execution: this.backOff.start() };
      this.failures.set(key, failure);
    }
    failure.attempts++;
    return { attempts: failure.attempts, backOff: failure.execution.nextBackOff() };
  }

  /** 1 for a record that has not failed yet, else the number of the next delivery. */
  deliveryAttempt(group: string, record: ConsumerRecord): number {
    const failure = this.failures.get(`${group}:${topicPartitionKey(record)}`);
    return failure && failure.offset === record.offset ? failure.attempts + 1 : 1;
  }

  clear(group: string, record: ConsumerRecord): void {
    this.failures.delete(`${group}:${topicPartitionKey(record)}`);
  }
}

/** The innermost cause, skipping the framework's wrappers. */
export function rootCause(error: unknown): object {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && current.cause instanceof Error && !seen.has(current)) {
    seen.add(current);
    current = current.cause;
  }
  return typeof current === 'object' && current !== null ? current : new Error(String(current));
}
