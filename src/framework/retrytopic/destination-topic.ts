import { findRootCause } from '../listener/error-handling-utils.js';
import { DltStrategy } from './dlt-strategy.js';

/** Spring's `DestinationTopic.Type`. */
export type DestinationTopicType = 'MAIN' | 'RETRY' | 'REUSABLE_RETRY_TOPIC' | 'DLT' | 'NO_OPS';

/** One link of a retry-topic chain before it is tied to a topic name, as Spring's `DestinationTopic.Properties`. */
export interface DestinationTopicProperties {
  /** Delay before a record published here is due (ms). */
  readonly delay: number;
  /** Appended to the main topic's name (and to the container id and group). */
  readonly suffix: string;
  readonly type: DestinationTopicType;
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly numPartitions: number;
  readonly dltStrategy: DltStrategy;
  /** Whether a failure at attempt `attempt` goes on to a retry topic (classification included). */
  readonly shouldRetryOn: (attempt: number, error: unknown) => boolean;
  /** Ms since the original timestamp after which failures go to the DLT; -1: none. */
  readonly timeout: number;
  readonly autoStartDltHandler?: boolean;
  /** A DLT for these failures only (exception-based routing); empty or absent: the DLT for any failure. */
  readonly usedForExceptions?: readonly (abstract new (...args: never[]) => unknown)[];
}

/** A link of the chain, as Spring's `DestinationTopic`. */
export class DestinationTopic {
  constructor(
    readonly destinationName: string,
    readonly properties: DestinationTopicProperties,
  ) {}

  get delay(): number {
    return this.properties.delay;
  }

  get timeout(): number {
    return this.properties.timeout;
  }

  isMainTopic(): boolean {
    return this.properties.type === 'MAIN';
  }

  isDltTopic(): boolean {
    return this.properties.type === 'DLT';
  }

  isNoOpsTopic(): boolean {
    return this.properties.type === 'NO_OPS';
  }

  isReusableRetryTopic(): boolean {
    return this.properties.type === 'REUSABLE_RETRY_TOPIC';
  }

  /** A DLT that takes this failure: the plain DLT, or a routed one whose classes match the error or its cause. */
  isDltFor(error: unknown): boolean {
    if (!this.isDltTopic()) return false;
    const classes = this.properties.usedForExceptions ?? [];
    if (classes.length === 0) return true;
    // Spring matches the error and its cause; the root cause is added for the framework's wrappers (listener failure, timestamp).
    const candidates = [error, (error as { cause?: unknown } | null)?.cause, findRootCause(error)];
    return classes.some((type) => candidates.some((candidate) => candidate instanceof type));
  }

  isAlwaysRetryOnDltFailure(): boolean {
    return this.properties.dltStrategy === DltStrategy.ALWAYS_RETRY_ON_ERROR;
  }

  shouldRetryOn(attempt: number, error: unknown): boolean {
    return this.properties.shouldRetryOn(attempt, error);
  }

  toString(): string {
    return `${this.destinationName} (${this.properties.type}${this.delay > 0 ? `, ${this.delay} ms` : ''})`;
  }
}
