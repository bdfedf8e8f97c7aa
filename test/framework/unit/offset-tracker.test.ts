import fc from 'fast-check';
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

  test('long runs: the window slides and compacts without losing outstanding records', () => {
    const tracker = new OffsetTracker();
    for (let offset = 0; offset < 2000; offset++) tracker.delivered(p0, offset * 2); // gaps
    for (let offset = 0; offset < 1500; offset++) tracker.markDone(p0, offset * 2);
    tracker.committed(tracker.pendingCommits()); // covers 1,500 of 2,000 tracked records
    expect(tracker.committedOffset(p0)).toBe(2999);
    expect(tracker.markDone(p0, 2998)).toBe(false);
    expect(tracker.isDone(p0, 3000)).toBe(false);
    expect(tracker.markDone(p0, 3002)).toBe(true);
    expect(tracker.pendingCommits()).toEqual([]);
    tracker.delivered(p0, 3004); // a seek back: 3004 onwards comes again
    expect(tracker.isDone(p0, 3006)).toBe(false);
    expect(tracker.markDone(p0, 3006)).toBe(false);
    for (const offset of [3000, 3004]) tracker.markDone(p0, offset);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 3005 }]);
    const partition = tracker.partition(p0);
    tracker.reset();
    expect(tracker.pendingCommits()).toEqual([]);
    partition.delivered(7); // still valid after a reset
    partition.markDone(7);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 8 }]);
  });

  test('a record outstanding through many commits holds the commit back, then releases it all', () => {
    const tracker = new OffsetTracker();
    for (let offset = 0; offset < 3000; offset++) {
      tracker.delivered(p0, offset);
      if (offset !== 10) tracker.markDone(p0, offset);
      if (offset % 500 === 0) tracker.committed(tracker.pendingCommits());
    }
    expect(tracker.pendingCommits()).toEqual([]);
    expect(tracker.committedOffset(p0)).toBe(10);
    tracker.markDone(p0, 10);
    expect(tracker.pendingCommits()).toEqual([{ partition: p0, offset: 3000 }]);
  });

  test('agrees with a plain list model for any mix of deliveries, seeks, acks and commits', () => {
    // The model keeps every tracked delivery in a list and scans it, as the tracker did before
    // it kept an index: the tracker must answer exactly the same.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('next' as const) }),
      fc.record({ kind: fc.constant('seek' as const), back: fc.nat(6) }),
      fc.record({ kind: fc.constant('done' as const), pick: fc.nat(1000) }),
      fc.record({ kind: fc.constant('stale' as const), at: fc.nat(60) }),
      fc.record({ kind: fc.constant('commit' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const tracker = new OffsetTracker();
        let model: Array<{ offset: number; done: boolean }> = [];
        let committed: number | undefined;
        let position = 0;
        const modelOffset = () => {
          let last: number | undefined;
          for (const d of model) {
            if (!d.done) break;
            last = d.offset;
          }
          return last === undefined ? undefined : last + 1;
        };
        for (const o of ops) {
          if (o.kind === 'seek') position = Math.max(committed ?? 0, position - o.back);
          if (o.kind === 'next' || o.kind === 'seek') {
            model = model.filter((d) => d.offset < position);
            model.push({ offset: position, done: false });
            tracker.delivered(p0, position);
            position += 1 + (position % 3 === 0 ? 1 : 0); // gaps, as compaction leaves them
          } else if (o.kind === 'done' || o.kind === 'stale') {
            // 'done' acks a tracked record (mostly the oldest outstanding one), 'stale' any offset.
            const outstanding = model.filter((d) => !d.done);
            const at = o.kind === 'stale' ? o.at : (o.pick % 3 === 0 ? model[o.pick % Math.max(1, model.length)] : outstanding[0])?.offset;
            if (at === undefined) continue;
            const delivery = model.find((d) => d.offset === at);
            expect(tracker.markDone(p0, at)).toBe(delivery !== undefined);
            if (delivery) delivery.done = true;
          } else {
            const offset = modelOffset();
            const expected = offset !== undefined && (committed === undefined || offset > committed) ? [{ partition: p0, offset }] : [];
            expect(tracker.pendingCommits()).toEqual(expected);
            tracker.committed(expected);
            if (offset !== undefined && expected.length > 0) {
              committed = offset;
              model = model.filter((d) => d.offset >= offset);
            }
          }
          for (const d of model) expect(tracker.isDone(p0, d.offset)).toBe(d.done);
        }
      }),
      { seed: 1207, numRuns: 300 },
    );
  });
});
