import type { Clock, TimerHandle } from './clock.js';

/**
 * Fetches that wait for data (Kafka's fetch purgatory). A waiting fetch registers interest in
 * its partitions; an append to one of them re-checks it, and a timer completes it at
 * max_wait_ms. No polling: appends wake fetches.
 */
export interface DelayedOperation {
  /** Re-checks the condition; returns true when the operation completed (and must be dropped). */
  tryComplete(): boolean;
  /** Completes the operation whatever its condition (timeout, shutdown). */
  forceComplete(): void;
}

/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class FetchPurgatory {
  private readonly watchers = new Map<string, Set<Watch>>();

  constructor(private readonly clock: Clock) {}

  /**
   * Parks `operation` on `keys` until it completes or `timeoutMs` passes. Returns at once
   * (completing it) when the condition already holds. With `onConnectionClose`, the operation
   * is dropped, uncompleted, when its client's connection closes: nobody would read the answer.
   */
  watch(operation: DelayedOperation, keys: readonly string[], timeoutMs: number, onConnectionClose?: (callback: () => void) => () => void): void {
    if (operation.tryComplete()) return;
    const watch: Watch = { operation, keys, timer: undefined, done: false, unregister: undefined };
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(watch);
    }
    watch.timer = this.clock.setTimeout(() => this.finish(watch, true), Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
    watch.unregister = onConnectionClose?.(() => this.finish(watch, false));
  }

  /** Called after an append (or anything that changes what a fetch would see) on `key`. */
  checkAndComplete(key: string): void {
    const set = this.watchers.get(key);
    if (!set) return;
    for (const watch of [...set]) {
      if (!watch.done && watch.operation.tryComplete()) this.finish(watch, false);
    }
  }

  /** How many operations are parked. */
  get size(): number {
    const all = new Set<Watch>();
    for (const set of this.watchers.values()) for (const w of set) all.add(w);
    return all.size;
  }

  /** Completes everything now (broker shutdown). */
  completeAll(): void {
    const all = new Set<Watch>();
    for (const set of this.watchers.values()) for (const w of set) all.add(w);
    for (const watch of all) this.finish(watch, true);
  }

  private finish(watch: Watch, force: boolean): void {
    if (watch.done) return;
    watch.done = true;
    this.clock.clearTimeout(watch.timer);
    watch.unregister?.();
    for (const key of watch.keys) {
      const set = this.watchers.get(key);
      set?.delete(watch);
      if (set?.size === 0) this.watchers.delete(key);
    }
    if (force) watch.operation.forceComplete();
  }
}

interface Watch {
  readonly operation: DelayedOperation;
  readonly keys: readonly string[];
  timer: TimerHandle | undefined;
  done: boolean;
  unregister: (() => void) | undefined;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}-${partition}`;
