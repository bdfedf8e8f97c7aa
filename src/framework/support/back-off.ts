/**
 * Back-off policies, as Spring Framework's `BackOff`/`BackOffExecution`: an execution is
 * started per failing record and asked for the next delay until it says {@link STOP}.
 */
export const STOP = -1;

export interface BackOffExecution {
  /** Milliseconds to wait before the next attempt, or {@link STOP}. */
  nextBackOff(): number;
}

export interface BackOff {
  start(): BackOffExecution;
}

/**
 * A fixed delay between attempts and a maximum number of retries (so `maxAttempts + 1`
 * deliveries), as Spring's `FixedBackOff(interval, maxAttempts)`.
 */
export class FixedBackOff implements BackOff {
  constructor(
    readonly interval = 5000,
    readonly maxAttempts = Number.POSITIVE_INFINITY,
  ) {}

  start(): BackOffExecution {
    let attempts = 0;
    return {
      nextBackOff: () => {
        attempts++;
        return attempts <= this.maxAttempts ? this.interval : STOP;
      },
    };
  }

  toString(): string {
    return `FixedBackOff{interval=${this.interval}, maxAttempts=${this.maxAttempts}}`;
  }
}
