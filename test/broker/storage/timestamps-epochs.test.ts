import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batch, numberedBatch, openLog, partitionDir, readAll, testConfig } from './helpers.js';

const T = 1_700_000_000_000;

describe('offsetForTimestamp and maxTimestampOffset', () => {
  it('finds the first record whose timestamp is >= the target, across segments and inside batches', () => {
    const log = openLog(partitionDir(), testConfig({ segmentBytes: 400, indexIntervalBytes: 100 }));
    // Offsets 0..19, record i stamped T + 10*i, four records per batch, compressed every other batch.
    for (let b = 0; b < 5; b++) {
      const records = Array.from({ length: 4 }, (_, j) => ({ key: `k${b * 4 + j}`, value: `v${b * 4 + j}`, timestamp: T + 10 * (b * 4 + j) }));
      log.append(batch(records, { compression: b % 2 }), { leaderEpoch: b, assignOffsets: true });
    }
    expect(log.numberOfSegments).toBeGreaterThan(1);
    expect(log.offsetForTimestamp(T - 1000)).toEqual({ timestamp: T, offset: 0, leaderEpoch: 0 });
    expect(log.offsetForTimestamp(T + 10 * 6)).toEqual({ timestamp: T + 60, offset: 6, leaderEpoch: 1 });
    expect(log.offsetForTimestamp(T + 10 * 6 + 1)).toEqual({ timestamp: T + 70, offset: 7, leaderEpoch: 1 });
    expect(log.offsetForTimestamp(T + 10 * 17 - 5)).toEqual({ timestamp: T + 170, offset: 17, leaderEpoch: 4 });
    expect(log.offsetForTimestamp(T + 10 * 19 + 1)).toBeNull();
    // Below the log start offset nothing is returned even when older records remain in the segment.
    log.highWatermark = log.logEndOffset;
    log.deleteRecordsBefore(2);
    expect(log.offsetForTimestamp(T)).toEqual({ timestamp: T + 20, offset: 2, leaderEpoch: 0 });
  });

  it('returns the record holding the largest timestamp, not the last one', () => {
    const log = openLog(partitionDir(), testConfig({ segmentBytes: 300 }));
    expect(log.maxTimestampOffset()).toBeNull();
    log.append(batch([{ key: 'a', timestamp: T + 5 }, { key: 'b', timestamp: T + 1 }]), { leaderEpoch: 0, assignOffsets: true });
    log.append(batch([{ key: 'c', timestamp: T + 2 }, { key: 'd', timestamp: T + 900 }, { key: 'e', timestamp: T + 3 }], { compression: 1 }), { leaderEpoch: 0, assignOffsets: true });
    for (let i = 0; i < 5; i++) log.append(numberedBatch(2, 'late', { timestamp: T + 100 }), { leaderEpoch: 0, assignOffsets: true });
    expect(log.numberOfSegments).toBeGreaterThan(1);
    expect(log.maxTimestampOffset()).toEqual({ timestamp: T + 900, offset: 3, leaderEpoch: 0 });
    log.close();
    const reopened = openLog(log.dir, testConfig({ segmentBytes: 300 }));
    expect(reopened.maxTimestampOffset()).toEqual({ timestamp: T + 900, offset: 3, leaderEpoch: 0 });
    expect(reopened.offsetForTimestamp(T + 4)).toEqual({ timestamp: T + 5, offset: 0, leaderEpoch: 0 });
  });
});

describe('leader epoch cache', () => {
  it('records where each epoch starts and persists it as Kafka does', () => {
    const dir = partitionDir();
    const log = openLog(dir, testConfig());
    log.append(numberedBatch(3), { leaderEpoch: 0, assignOffsets: true });
    log.append(numberedBatch(2), { leaderEpoch: 0, assignOffsets: true });
    log.append(numberedBatch(4), { leaderEpoch: 2, assignOffsets: true });
    log.assignEpochStartOffset(5); // a new leader with nothing written yet
    expect(log.leaderEpochCache.epochEntries).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 5 },
      { epoch: 5, startOffset: 9 },
    ]);
    expect(fs.readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n3\n0 0\n2 5\n5 9\n');
  });

  it('answers OffsetForLeaderEpoch with KIP-101/279 semantics', () => {
    const log = openLog(partitionDir(), testConfig());
    log.append(numberedBatch(3), { leaderEpoch: 2, assignOffsets: true });
    log.append(numberedBatch(2), { leaderEpoch: 4, assignOffsets: true });
    log.append(numberedBatch(4), { leaderEpoch: 7, assignOffsets: true });
    // Current epoch: ends at the log end.
    expect(log.endOffsetForLeaderEpoch(7)).toEqual({ leaderEpoch: 7, endOffset: 9 });
    // A known older epoch ends where the next one starts.
    expect(log.endOffsetForLeaderEpoch(4)).toEqual({ leaderEpoch: 4, endOffset: 5 });
    expect(log.endOffsetForLeaderEpoch(2)).toEqual({ leaderEpoch: 2, endOffset: 3 });
    // An epoch the log skipped: the largest epoch below it, ending where the next starts.
    expect(log.endOffsetForLeaderEpoch(5)).toEqual({ leaderEpoch: 4, endOffset: 5 });
    // Older than anything known (KIP-279): the requested epoch, ending at the first known start.
    expect(log.endOffsetForLeaderEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 0 });
    // Newer than anything known, or undefined.
    expect(log.endOffsetForLeaderEpoch(8)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(log.endOffsetForLeaderEpoch(-1)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });
});

describe('truncateTo', () => {
  it('removes offsets from the target on, across segments, and the next append continues there', () => {
    const dir = partitionDir();
    const log = openLog(dir, testConfig({ segmentBytes: 400 }));
    for (let i = 0; i < 12; i++) log.append(numberedBatch(2, `t${i}-`), { leaderEpoch: i < 6 ? 1 : 3, assignOffsets: true });
    log.highWatermark = log.logEndOffset;
    expect(log.numberOfSegments).toBeGreaterThan(2);
    expect(log.truncateTo(99)).toBe(false);
    expect(log.truncateTo(10)).toBe(true);
    expect(log.logEndOffset).toBe(10);
    expect(log.highWatermark).toBe(10);
    expect(log.segments.every((s) => s.baseOffset <= 10)).toBe(true);
    expect(readAll(log).map((r) => r.offset)).toEqual([...Array(10).keys()]);
    expect(log.leaderEpochCache.epochEntries).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(log.append(numberedBatch(1, 'new'), { leaderEpoch: 4, assignOffsets: true }).firstOffset).toBe(10);
    expect(log.endOffsetForLeaderEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 10 });
    // The files agree after a crash: nothing truncated comes back.
    log.closeHandlers();
    const reopened = openLog(dir, testConfig({ segmentBytes: 400 }));
    const kept = Array.from({ length: 5 }, (_, i) => [`t${i}-0`, `t${i}-1`]).flat();
    expect(readAll(reopened).map((r) => r.value)).toEqual([...kept, 'new0']);
    expect(reopened.logEndOffset).toBe(11);
  });

  it('truncates fully and restarts at an offset below the first segment', () => {
    const log = openLog(partitionDir(), testConfig());
    log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([100, 100]);
    expect(log.append(numberedBatch(2), { leaderEpoch: 0, assignOffsets: true }).firstOffset).toBe(100);
    expect(log.truncateTo(50)).toBe(true);
    expect([log.logStartOffset, log.logEndOffset, log.segments[0]!.baseOffset]).toEqual([50, 50, 50]);
  });
});
