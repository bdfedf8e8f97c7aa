import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/broker/manual-clock.js';

describe('ManualClock', () => {
  it('stands still until advanced, then fires the timers due in time order', async () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 300);
    await clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_099);
    await clock.advance(150);
    expect(fired).toEqual(['a@1100', 'b@1200']);
    expect(clock.now()).toBe(1_249);
    await clock.advance(1_000);
    expect(fired).toEqual(['a@1100', 'b@1200', 'c@1300']);
    expect(clock.now()).toBe(2_249);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers set by a firing timer when they fall due in the same advance', async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 50);
      clock.setTimeout(() => fired.push(clock.now()), 500);
    }, 100);
    await clock.advance(200);
    expect(fired).toEqual([100, 150]);
    expect(clock.nextDueMs).toBe(600);
  });

  it('lets the promise work a timer starts settle before the next timer fires', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => order.push('async work of the first timer'));
    }, 10);
    clock.setTimeout(() => order.push('second timer'), 20);
    await clock.advance(20);
    expect(order).toEqual(['async work of the first timer', 'second timer']);
  });

  it('repeats intervals at their period and forgets cleared timers', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const interval = clock.setInterval(() => ticks.push(clock.now()), 100);
    let cancelledRan = false;
    const cancelled = clock.setTimeout(() => (cancelledRan = true), 150);
    clock.clearTimeout(cancelled);
    await clock.advance(350);
    expect(ticks).toEqual([100, 200, 300]);
    expect(cancelledRan).toBe(false);
    clock.clearInterval(interval);
    await clock.advance(1_000);
    expect(ticks).toEqual([100, 200, 300]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer that is already due without an advance, and runs advances one after the other', async () => {
    const clock = new ManualClock(0);
    const fired = new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 0));
    expect(await fired).toBe(0);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 100);
    clock.setTimeout(() => seen.push(clock.now()), 200);
    await Promise.all([clock.advance(150), clock.advance(100)]);
    expect(seen).toEqual([100, 200]);
    expect(clock.now()).toBe(250);
  });

  it('refuses to move backwards or by a non-number', async () => {
    const clock = new ManualClock(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.NaN)).rejects.toThrow(RangeError);
    expect(clock.now()).toBe(0);
  });
});
