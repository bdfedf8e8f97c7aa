import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDir, steppedClock, numberedBatch, openLog, partitionDir, readAll, rows, testConfig } from './helpers.js';

const leader = { leaderEpoch: 0, assignOffsets: true } as const;

describe('segments and indexes on disk', () => {
  it('lays files out like Kafka: 20-digit base offset names, .log/.index/.timeindex', () => {
    const dir = partitionDir('payments', 3);
    const log = openLog(dir, testConfig({ segmentBytes: 300 }));
    for (let i = 0; i < 6; i++) log.append(numberedBatch(2, `v${i}`, { valueSize: 40 }), leader);
    const bases = log.segments.map((s) => s.baseOffset);
    expect(bases.length).toBeGreaterThan(1);
    expect(bases[0]).toBe(0);
    const names = listDir(dir);
    for (const base of bases.slice(0, -1)) {
      const prefix = String(base).padStart(20, '0');
      expect(prefix).toHaveLength(20);
      expect(names).toEqual(expect.arrayContaining([`${prefix}.log`, `${prefix}.index`, `${prefix}.timeindex`]));
    }
    // The active segment's indexes get their files with their first entries (none yet here).
    const active = String(bases.at(-1)).padStart(20, '0');
    expect(names).toContain(`${active}.log`);
    expect(names).not.toContain(`${active}.index`);
    expect(names).toEqual(expect.arrayContaining(['leader-epoch-checkpoint', 'recovery-point-offset-checkpoint']));
    // The log start is still 0: an absent checkpoint stands for it, so none was written.
    expect(names).not.toContain('log-start-offset-checkpoint');
    expect(path.basename(dir)).toBe('payments-3');
    // Each segment starts with the batch whose base offset names it.
    for (const segment of log.segments) {
      const first = fs.readFileSync(segment.log.file).readBigInt64BE(0);
      expect(Number(first)).toBe(segment.baseOffset);
    }
    // Rolled segments' indexes are trimmed to their entries.
    const [first] = log.segments;
    expect(fs.statSync(first!.offsetIndex.file).size).toBe(first!.offsetIndex.entries * 8);
  });

  it('preallocates the active segment\'s index from its first entry and trims it when the segment rolls', () => {
    const dir = partitionDir();
    const log = openLog(dir, testConfig({ indexIntervalBytes: 100, segmentBytes: 4000 }));
    log.append(numberedBatch(2, 'a', { valueSize: 80 }), leader);
    expect(fs.existsSync(log.activeSegment.offsetIndex.file)).toBe(false);
    log.append(numberedBatch(2, 'b', { valueSize: 80 }), leader);
    const active = log.activeSegment;
    expect(active.offsetIndex.entries).toBe(1);
    expect(fs.statSync(active.offsetIndex.file).size).toBe(10485760);
    log.roll();
    expect(fs.statSync(active.offsetIndex.file).size).toBe(8);
    log.close();
  });

  it('adds an offset index entry after every index.interval.bytes and finds batches through it', () => {
    const dir = partitionDir();
    const log = openLog(dir, testConfig({ indexIntervalBytes: 1000 }));
    const positions: { position: number; size: number; base: number; last: number }[] = [];
    let position = 0;
    for (let i = 0; i < 40; i++) {
      const b = numberedBatch(3, `i${i}-`, { valueSize: 30 });
      const info = log.append(b, leader);
      positions.push({ position, size: b.length, base: info.firstOffset, last: info.lastOffset });
      position += b.length;
    }
    const segment = log.activeSegment;
    const index = segment.offsetIndex;
    // Kafka's rule: an entry is added before a batch once more than interval bytes went by since the last one.
    const expected: { offset: number; position: number }[] = [];
    let since = 0;
    for (const p of positions) {
      if (since > 1000) {
        expected.push({ offset: p.last, position: p.position });
        since = 0;
      }
      since += p.size;
    }
    expect(index.entries).toBe(expected.length);
    expect(Array.from({ length: index.entries }, (_, i) => index.entry(i))).toEqual(expected);
    expect(index.entries).toBeGreaterThanOrEqual(Math.floor(position / 1000) - 1);
    for (const p of positions) {
      const found = segment.translateOffset(p.base + 1);
      expect(found?.position).toBe(p.position);
      // The index bounds the scan: lookup never points past the batch.
      expect(index.lookup(p.base + 1).position).toBeLessThanOrEqual(p.position);
    }
    const mid = positions[25]!;
    expect(rows(log.read(mid.base + 2, 1).records)[0]!.offset).toBe(mid.base);
  });

  it('rolls when the next append would pass segment.bytes', () => {
    const log = openLog(partitionDir(), testConfig({ segmentBytes: 1000 }));
    const size = numberedBatch(2, 'x', { valueSize: 50 }).length;
    const perSegment = Math.floor(1000 / size);
    for (let i = 0; i < perSegment * 3; i++) log.append(numberedBatch(2, 'x', { valueSize: 50 }), leader);
    expect(log.numberOfSegments).toBe(3);
    for (const segment of log.segments) expect(segment.size).toBeLessThanOrEqual(1000);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, perSegment * 2, perSegment * 4]);
    // Rolling flushed what rolled out: the recovery point sits at the active segment's base.
    expect(log.recoveryPoint).toBe(log.activeSegment.baseOffset);
  });

  it('rolls on segment.ms measured from the first batch timestamp (injected clock, no sleeping)', () => {
    const clock = steppedClock();
    const log = openLog(partitionDir(), testConfig({ segmentMs: 60_000 }), { clock });
    log.append(numberedBatch(1, 'a', { timestamp: clock.now() }), leader);
    clock.advance(30_000);
    log.append(numberedBatch(1, 'b', { timestamp: clock.now() }), leader);
    expect(log.numberOfSegments).toBe(1);
    clock.advance(30_001);
    log.append(numberedBatch(1, 'c', { timestamp: clock.now() }), leader);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 2]);
    expect(readAll(log).map((r) => r.value)).toEqual(['a0', 'b0', 'c0']);
  });

  it('rolls each segment a random segment.jitter.ms earlier, drawn when the segment is created', () => {
    const clock = steppedClock();
    const draws = [0.5, 0.25];
    const random = () => draws.shift() ?? 0;
    const log = openLog(partitionDir(), testConfig({ segmentMs: 60_000, segmentJitterMs: 60_000 }), { clock, random });
    const t0 = clock.now();
    log.append(numberedBatch(1, 'a', { timestamp: t0 }), leader);
    // Jitter 30 000 ms: past 60 000 - 30 000 it rolls.
    log.append(numberedBatch(1, 'b', { timestamp: t0 + 30_000 }), leader);
    expect(log.numberOfSegments).toBe(1);
    log.append(numberedBatch(1, 'c', { timestamp: t0 + 30_001 }), leader);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 2]);
    // The new segment drew 15 000 ms.
    log.append(numberedBatch(1, 'd', { timestamp: t0 + 30_001 + 45_000 }), leader);
    expect(log.numberOfSegments).toBe(2);
    log.append(numberedBatch(1, 'e', { timestamp: t0 + 30_001 + 45_001 }), leader);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 2, 4]);
  });

  it('draws segment.jitter.ms below min(segment.jitter.ms, segment.ms), and none without it', () => {
    expect(testConfig({ segmentMs: 1000, segmentJitterMs: 5000 }).randomSegmentJitter(() => 0.999999)).toBe(999);
    expect(testConfig({ segmentMs: 1000, segmentJitterMs: 100 }).randomSegmentJitter(() => 0.5)).toBe(50);
    expect(testConfig({ segmentMs: 1000 }).randomSegmentJitter(() => 0.5)).toBe(0);
  });

  it('rolls on segment.ms by wall clock when batches carry no timestamp', () => {
    const clock = steppedClock();
    const log = openLog(partitionDir(), testConfig({ segmentMs: 1000 }), { clock });
    log.append(numberedBatch(1, 'a', { timestamp: -1 }), leader);
    clock.advance(1001);
    log.append(numberedBatch(1, 'b', { timestamp: -1 }), leader);
    expect(log.numberOfSegments).toBe(2);
  });

  it('rolls when the offset index is full', () => {
    const log = openLog(partitionDir(), testConfig({ indexIntervalBytes: 0, segmentIndexBytes: 32 }));
    for (let i = 0; i < 12; i++) log.append(numberedBatch(1), leader);
    expect(log.numberOfSegments).toBeGreaterThan(1);
    for (const segment of log.segments) expect(segment.offsetIndex.entries).toBeLessThanOrEqual(4);
    expect(readAll(log)).toHaveLength(12);
  });

  it('replaces an empty active segment on an explicit roll instead of keeping it', () => {
    const log = openLog(partitionDir(), testConfig());
    log.append(numberedBatch(2), leader);
    log.roll();
    log.roll();
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 2]);
    const follower = numberedBatch(1);
    follower.writeBigInt64BE(50n, 0);
    log.roll(50);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 50]);
    log.append(follower, { leaderEpoch: 0, assignOffsets: false });
    expect(log.logEndOffset).toBe(51);
  });
});
