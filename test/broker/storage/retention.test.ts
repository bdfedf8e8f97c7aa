import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError } from '../../../src/broker/storage/errors.js';
import { listDir, steppedClock, numberedBatch, openLog, partitionDir, readAll, testConfig } from './helpers.js';

const leader = { leaderEpoch: 0, assignOffsets: true } as const;
const HOUR = 3_600_000;

/** Three closed segments of 4 records each (one batch per segment), stamped an hour apart, plus an active one. */
function fourSegments(dir: string, overrides = {}) {
  const clock = steppedClock(10 * HOUR);
  const log = openLog(dir, testConfig({ segmentBytes: 1 << 20, ...overrides }), { clock });
  for (let i = 0; i < 4; i++) {
    log.append(numberedBatch(4, `s${i}-`, { timestamp: clock.now() }), leader);
    if (i < 3) log.roll();
    clock.advance(HOUR);
  }
  log.highWatermark = log.logEndOffset;
  return { log, clock };
}

describe('retention', () => {
  it('deletes whole closed segments older than retention.ms and moves the log start offset', () => {
    const dir = partitionDir();
    const { log, clock } = fourSegments(dir, { retentionMs: 3.5 * HOUR });
    // Newest records per segment: 10h, 11h, 12h, 13h; now 14h.
    expect(log.applyRetention(clock.now())).toBe(1);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([4, 8, 12]);
    expect(log.logStartOffset).toBe(4);
    expect(fs.existsSync(`${dir}/00000000000000000000.log`)).toBe(false);
    clock.advance(10 * HOUR);
    expect(log.applyRetention(clock.now())).toBe(2);
    // The active segment stays however old it is.
    expect(log.segments.map((s) => s.baseOffset)).toEqual([12]);
    expect(log.logStartOffset).toBe(12);
    expect(readAll(log).map((r) => r.offset)).toEqual([12, 13, 14, 15]);
    expect(log.read(3, 100).kind).toBe('offset-out-of-range');
  });

  it('deletes the oldest segments while the log stays at or above retention.bytes', () => {
    const dir = partitionDir();
    const { log, clock } = fourSegments(dir, { retentionMs: -1 });
    const segmentSize = log.segments[0]!.size;
    const reconfigured = log.config.with({ retentionBytes: segmentSize * 2 });
    log.updateConfig(reconfigured);
    expect(log.applyRetention(clock.now())).toBe(2);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([8, 12]);
    expect(log.size).toBe(segmentSize * 2);
    expect(log.logStartOffset).toBe(8);
    expect(log.applyRetention(clock.now())).toBe(0);
  });

  it('keeps segments with offsets at or above the high watermark', () => {
    const { log, clock } = fourSegments(partitionDir(), { retentionMs: 1 });
    log.highWatermark = 5;
    expect(log.applyRetention(clock.now())).toBe(1);
    expect(log.logStartOffset).toBe(4);
  });

  it('does not apply time or size retention under cleanup.policy=compact', () => {
    const { log, clock } = fourSegments(partitionDir(), { retentionMs: 1, retentionBytes: 1, cleanupPolicy: 'compact' });
    expect(log.applyRetention(clock.now())).toBe(0);
    expect(log.numberOfSegments).toBe(4);
  });

  it('renames deleted segments to .deleted and removes them after file.delete.delay.ms (or at close)', () => {
    const dir = partitionDir();
    const { log, clock } = fourSegments(dir, { retentionMs: 2.5 * HOUR, fileDeleteDelayMs: 60_000 });
    log.applyRetention(clock.now());
    expect(listDir(dir)).toEqual(expect.arrayContaining(['00000000000000000000.log.deleted', '00000000000000000000.index.deleted']));
    log.close();
    expect(listDir(dir).filter((n) => n.endsWith('.deleted'))).toEqual([]);
  });
});

describe('DeleteRecords', () => {
  it('advances the log start offset and deletes segments wholly below it', () => {
    const dir = partitionDir();
    const { log } = fourSegments(dir);
    expect(log.deleteRecordsBefore(6)).toBe(6);
    expect(log.logStartOffset).toBe(6);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([4, 8, 12]);
    expect(readAll(log).map((r) => r.offset)[0]).toBe(6);
    expect(log.read(5, 100).kind).toBe('offset-out-of-range');
    // Going back is a no-op; -1 means the high watermark.
    expect(log.deleteRecordsBefore(2)).toBe(6);
    expect(log.deleteRecordsBefore(-1)).toBe(16);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([12]);
    expect(log.read(16, 100).kind).toBe('records');
  });

  it('refuses to pass the high watermark', () => {
    const { log } = fourSegments(partitionDir());
    log.highWatermark = 10;
    expect(() => log.deleteRecordsBefore(11)).toThrow(OffsetOutOfRangeError);
    expect(log.logStartOffset).toBe(0);
  });

  it('persists the log start offset across a restart (crash or clean)', () => {
    const dir = partitionDir();
    const { log } = fourSegments(dir);
    log.deleteRecordsBefore(6);
    log.closeHandlers();
    const reopened = openLog(dir, testConfig());
    expect(reopened.logStartOffset).toBe(6);
    expect(reopened.read(5, 100).kind).toBe('offset-out-of-range');
    expect(fs.readFileSync(`${dir}/log-start-offset-checkpoint`, 'utf8')).toBe('0\n1\norders 0 6\n');
  });
});
