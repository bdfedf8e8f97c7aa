import type { Clock, TimerHandle } from './clock.js';

interface ManualTimer {
  readonly handle: TimerHandle;
  readonly callback: () => void;
  /** Repeat period for an interval; null for a one-shot timer. */
  readonly periodMs: number | null;
  dueMs: number;
  /** Scheduling order: timers due at the same time fire in the order they were set. */
  sequence: number;
}

/** Node clamps delays outside [1, 2^31 - 1] ms; an interval of 0 would fire forever at one instant. */
const MAX_DELAY_MS = 2 ** 31 - 1;

function delayOf(ms: number, minimum: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(minimum, Math.floor(ms)), MAX_DELAY_MS) : minimum;
}

/**
 * A clock that only moves when told: `advance(ms)` moves time forward and fires the timers that
 * fall due on the way, in time order. A test drives session timeouts, retention and delayed
 * requests in milliseconds and gets the same result every run.
 *
 * A timer that is already due when it is set (a delay of 0) fires on the next turn of the event
 * loop without an `advance`: no time has to pass for it, as with Node's own timers.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  private readonly timers = new Map<TimerHandle, ManualTimer>();
  private nextSequence = 0;
  /** Advances run one after the other, so each sees the time the previous one left. */
  private advancing: Promise<void> = Promise.resolve();
  private dueSoon = false;

  /** `startMs` defaults to the real time now, so records stamped by clients look current. */
  constructor(startMs: number = Date.now()) {
    this.currentMs = startMs;
  }

  now(): number {
    return this.currentMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.schedule(callback, delayOf(delayMs, 0), null);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    const period = delayOf(intervalMs, 1);
    return this.schedule(callback, period, period);
  }

  clearTimeout(handle: TimerHandle | null | undefined): void {
    if (handle) this.timers.delete(handle);
  }

  clearInterval(handle: TimerHandle | null | undefined): void {
    if (handle) this.timers.delete(handle);
  }

  /** How many timers are waiting (diagnostics, tests). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the next timer falls due (null: none is set). */
  get nextDueMs(): number | null {
    return this.earliest(Infinity)?.dueMs ?? null;
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then in time order (timers set by a
   * firing timer included, when due in the window). Between two timers, and after the last,
   * pending promise callbacks and I/O-free async work settle, so a response a timer completes
   * has been handed to its connection when the returned promise resolves.
   */
  advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) return Promise.reject(new RangeError(`advance needs a non-negative number of milliseconds, got ${ms}`));
    const run = this.advancing.then(() => this.runUntil(this.currentMs + ms));
    this.advancing = run.catch(() => undefined);
    return run;
  }

  private async runUntil(targetMs: number): Promise<void> {
    for (;;) {
      const timer = this.earliest(targetMs);
      if (!timer) break;
      this.currentMs = Math.max(this.currentMs, timer.dueMs);
      this.fire(timer);
      await settle();
    }
    this.currentMs = Math.max(this.currentMs, targetMs);
    await settle();
  }

  private schedule(callback: () => void, delayMs: number, periodMs: number | null): TimerHandle {
    const handle = Object.freeze({}) as unknown as TimerHandle;
    this.timers.set(handle, { handle, callback, periodMs, dueMs: this.currentMs + delayMs, sequence: this.nextSequence++ });
    if (delayMs === 0) this.fireDueSoon();
    return handle;
  }

  /** Fires the timers due at the current time on the next turn of the event loop. */
  private fireDueSoon(): void {
    if (this.dueSoon) return;
    this.dueSoon = true;
    setImmediate(() => {
      this.dueSoon = false;
      const run = this.advancing.then(() => this.runUntil(this.currentMs));
      // A timer that throws fails loudly, as it would on Node's own timers.
      this.advancing = run.catch((error: unknown) => {
        queueMicrotask(() => {
          throw error;
        });
      });
    });
  }

  private earliest(limitMs: number): ManualTimer | undefined {
    let found: ManualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.dueMs > limitMs) continue;
      if (!found || timer.dueMs < found.dueMs || (timer.dueMs === found.dueMs && timer.sequence < found.sequence)) found = timer;
    }
    return found;
  }

  private fire(timer: ManualTimer): void {
    if (timer.periodMs === null) {
      this.timers.delete(timer.handle);
    } else {
      timer.dueMs += timer.periodMs;
      timer.sequence = this.nextSequence++;
    }
    timer.callback();
  }
}

/** One turn of the event loop: every queued promise callback runs before it ends. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
