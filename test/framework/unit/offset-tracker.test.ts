import { describe, expect, test } from 'vitest';
import { OffsetTracker } from '../../../src/framework/listener/offset-tracker.js';

const p0 = { topic: 't', partition: 0 };
const p1 = { topic: 't', partition: 1 };

describe('OffsetTracker', () => {
  test('commits one past the contiguous run of done records', () => {
    const tracker = new OffsetTracker();
    for (const offset of [0, 1, 2, 3]) tracker.delivered(p0, offset);
    tracker.markDone(p0, 0);
    tracker.markDone(p0, 2);
    tracker.markDone(p0, 3);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 1 }]);
    tracker.committed(tracker.pendingCommits());
    expect(tracker.pendingCommits()).toEqual([]);
    tracker.markDone(p0, 1);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 4 }]);
  });

  test('follows offset order, not adjacency (gaps from compaction or markers)', () => {
    const tracker = new OffsetTracker();
    for (const offset of [10, 13, 20]) tracker.delivered(p0, offset);
    tracker.markDone(p0, 10);
    tracker.markDone(p0, 13);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 14 }]);
  });

  test('keeps partitions apart', () => {
    const tracker = new OffsetTracker();
    tracker.delivered(p0, 5);
    tracker.delivered(p1, 7);
    tracker.markDone(p1, 7);
    expect(tracker.pendingCommits()).toEqual([{ partition: p1, offset: 8 }]);
  });

  test('a redelivery drops what was tracked from that offset on', () => {
    const tracker = new OffsetTracker();
    for (const offset of [0, 1, 2]) tracker.delivered(p0, offset);
    tracker.markDone(p0, 0);
    tracker.markDone(p0, 2);
    tracker.delivered(p0, 1); // seek back to 1: 2 will come again
    expect(tracker.markDone(p0, 2)).toBe(false);
    tracker.markDone(p0, 1);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 2 }]);
  });

  test('ignores acks for unknown or committed records and never commits backwards', () => {
    const tracker = new OffsetTracker();
    tracker.delivered(p0, 0);
    tracker.markDone(p0, 0);
    tracker.committed(tracker.pendingCommits());
    expect(tracker.markDone(p0, 0)).toBe(false);
    expect(tracker.markDone(p0, 99)).toBe(false);
    tracker.committed([{ partition: p0, offset: 0 }]);
    expect(tracker.committedOffset(p0)).toBe(1);
  });

  test('reset forgets everything', () => {
    const tracker = new OffsetTracker();
    tracker.delivered(p0, 0);
    tracker.markDone(p0, 0);
    tracker.reset();
    expect(tracker.hasPendingCommits()).toBe(false);
  });
});
