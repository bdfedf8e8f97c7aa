/**
 * Back-off policies, as Spring Framework's `BackOff`/`BackOffExecution`: an execution is
 * started per failing record and asked for the next delay until it says {@link STOP}.
 */
export const STOP = -1;

/** Spring's `UNLIMITED_ATTEMPTS` (`Long.MAX_VALUE`). */
export const UNLIMITED_ATTEMPTS = Number.POSITIVE_INFINITY;

export interface BackOffExecution {
  /** Milliseconds to wait before the next attempt, or {@link STOP}. */
  nextBackOff(): number;
}

export interface BackOff {
  start(): BackOffExecution;
}

/**
 * A fixed delay between attempts and a maximum number of retries (so `maxAttempts + 1`
 * deliveries), as Spring's `FixedBackOff(interval, maxAttempts)`. Without arguments: 5000 ms,
 * unlimited retries (Spring's defaults).
 */
export class FixedBackOff implements BackOff {
  readonly interval: number;
  readonly maxAttempts: number;

  constructor(interval = 5000, maxAttempts = UNLIMITED_ATTEMPTS) {
    if (!(interval >= 0)) throw new RangeError(`FixedBackOff interval must be >= 0, got ${interval}`);
    if (!(maxAttempts >= 0)) throw new RangeError(`FixedBackOff maxAttempts must be >= 0, got ${maxAttempts}`);
    this.interval = interval;
    this.maxAttempts = maxAttempts;
  }

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
    return `FixedBackOff{interval=${this.interval}, maxAttempts=${this.maxAttempts === UNLIMITED_ATTEMPTS ? 'unlimited' : this.maxAttempts}}`;
  }
}

/**
 * Growing delays, as Spring Framework's `ExponentialBackOff` (6.1): the first delay is
 * `initialInterval`, each next one is the previous × `multiplier` (truncated to whole ms) up
 * to `maxInterval`; it stops once the delays handed out add up to `maxElapsedTime`, or after
 * `maxAttempts` delays. Defaults (Spring's): 2000 ms, ×1.5, at most 30000 ms, no elapsed-time
 * or attempt limit, i.e. it **retries forever**: 2000, 3000, 4500, 6750, 10125, 15187, 22780,
 * 30000, 30000, ...
 */
export class ExponentialBackOff implements BackOff {
  static readonly DEFAULT_INITIAL_INTERVAL = 2000;
  static readonly DEFAULT_MULTIPLIER = 1.5;
  static readonly DEFAULT_MAX_INTERVAL = 30_000;
  static readonly DEFAULT_MAX_ELAPSED_TIME = Number.POSITIVE_INFINITY;

  protected initial: number;
  protected factor: number;
  protected max: number;
  protected elapsedLimit: number;
  protected attemptLimit = UNLIMITED_ATTEMPTS;

  constructor(
    initialInterval = ExponentialBackOff.DEFAULT_INITIAL_INTERVAL,
    multiplier = ExponentialBackOff.DEFAULT_MULTIPLIER,
    maxInterval = ExponentialBackOff.DEFAULT_MAX_INTERVAL,
    maxElapsedTime = ExponentialBackOff.DEFAULT_MAX_ELAPSED_TIME,
  ) {
    this.initial = checkNonNegative('initialInterval', initialInterval);
    this.factor = checkMultiplier(multiplier);
    this.max = checkNonNegative('maxInterval', maxInterval);
    this.elapsedLimit = checkNonNegative('maxElapsedTime', maxElapsedTime);
  }

  get initialInterval(): number {
    return this.initial;
  }

  set initialInterval(value: number) {
    this.initial = checkNonNegative('initialInterval', value);
  }

  get multiplier(): number {
    return this.factor;
  }

  set multiplier(value: number) {
    this.factor = checkMultiplier(value);
  }

  get maxInterval(): number {
    return this.max;
  }

  set maxInterval(value: number) {
    this.max = checkNonNegative('maxInterval', value);
  }

  get maxElapsedTime(): number {
    return this.elapsedLimit;
  }

  set maxElapsedTime(value: number) {
    this.elapsedLimit = checkNonNegative('maxElapsedTime', value);
  }

  /** The number of delays handed out before STOP (Spring Framework 6.1's `maxAttempts`). */
  get maxAttempts(): number {
    return this.attemptLimit;
  }

  set maxAttempts(value: number) {
    this.attemptLimit = checkNonNegative('maxAttempts', value);
  }

  start(): BackOffExecution {
    let currentInterval = -1;
    let currentElapsed = 0;
    let attempts = 0;
    const { initial, factor, max, elapsedLimit, attemptLimit } = this;
    return {
      nextBackOff: () => {
        if (currentElapsed >= elapsedLimit || attempts >= attemptLimit) return STOP;
        if (currentInterval >= max) currentInterval = max;
        else if (currentInterval < 0) currentInterval = Math.min(initial, max);
        else currentInterval = Math.min(Math.trunc(currentInterval * factor), max);
        currentElapsed += currentInterval;
        attempts++;
        return currentInterval;
      },
    };
  }

  toString(): string {
    const limit = (v: number) => (v === Number.POSITIVE_INFINITY ? 'unlimited' : String(v));
    return `ExponentialBackOff{initialInterval=${this.initial}, multiplier=${this.factor}, maxInterval=${this.max}, maxElapsedTime=${limit(this.elapsedLimit)}, maxAttempts=${limit(this.attemptLimit)}}`;
  }
}

/**
 * An {@link ExponentialBackOff} that stops after `maxRetries` delays, as Spring Kafka's
 * `ExponentialBackOffWithMaxRetries`: `maxElapsedTime` is derived as the sum of the first
 * `maxRetries` intervals and can't be set. Unset settings keep Spring's defaults
 * (2000 ms, ×1.5, 30000 ms). E.g. `(6)` with 1000 ms, ×2, at most 10000 ms: 1, 2, 4, 8, 10,
 * 10 s, then the recoverer.
 */
export class ExponentialBackOffWithMaxRetries extends ExponentialBackOff {
  readonly maxRetries: number;

  constructor(maxRetries: number, settings: { initialInterval?: number; multiplier?: number; maxInterval?: number } = {}) {
    super(settings.initialInterval, settings.multiplier, settings.maxInterval);
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
    this.maxRetries = maxRetries;
    this.recalculate();
  }

  override set initialInterval(value: number) {
    super.initialInterval = value;
    this.recalculate();
  }

  override get initialInterval(): number {
    return super.initialInterval;
  }

  override set multiplier(value: number) {
    super.multiplier = value;
    this.recalculate();
  }

  override get multiplier(): number {
    return super.multiplier;
  }

  override set maxInterval(value: number) {
    super.maxInterval = value;
    this.recalculate();
  }

  override get maxInterval(): number {
    return super.maxInterval;
  }

  override set maxElapsedTime(_value: number) {
    throw new Error('maxElapsedTime is derived from maxRetries and cannot be set');
  }

  override get maxElapsedTime(): number {
    return super.maxElapsedTime;
  }

  private recalculate(): void {
    // The maxRetries guard also runs during super()'s constructor, before maxRetries is set.
    if (this.maxRetries === undefined) return;
    let current = Math.min(this.initial, this.max);
    let elapsed = this.maxRetries > 0 ? current : 0;
    for (let i = 1; i < this.maxRetries; i++) {
      current = Math.min(Math.trunc(current * this.factor), this.max);
      elapsed += current;
    }
    this.elapsedLimit = elapsed;
  }

  override toString(): string {
    return `ExponentialBackOffWithMaxRetries{maxRetries=${this.maxRetries}, initialInterval=${this.initial}, multiplier=${this.factor}, maxInterval=${this.max}}`;
  }
}

function checkNonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
  return value;
}

function checkMultiplier(value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) throw new RangeError(`multiplier must be >= 1, got ${value}`);
  return value;
}
