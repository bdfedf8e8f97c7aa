/**
 * The broker's source of time. Every broker timer (sessions, retention, delayed requests,
 * transaction timeouts) reads and schedules through one Clock, so a test can replace real
 * time with a clock it advances by hand.
 */
export type TimerHandle = { readonly __timer: unique symbol } | NodeJS.Timeout;

export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  clearInterval(handle: TimerHandle | null | undefined): void;
}

/** Real time: Date.now and Node's timers. Timers are unref'd, so they never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    return setTimeout(callback, delayMs).unref();
  },
  clearTimeout(handle) {
    if (handle) clearTimeout(handle as NodeJS.Timeout);
  },
  setInterval(callback, intervalMs) {
    return setInterval(callback, intervalMs).unref();
  },
  clearInterval(handle) {
    if (handle) clearInterval(handle as NodeJS.Timeout);
  },
};
