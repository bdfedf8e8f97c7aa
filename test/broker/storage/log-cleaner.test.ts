import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ControlRecordType, CorruptRecordBatchError, decodeRecordBatchesSync, encodeControlBatch } from '../../../src/protocol/records/index.js';
import { checkRecordsHaveKeys, checkRecordsHaveKeysAsync } from '../../../src/broker/storage/compacted-records.js';
import { LogCleaner } from '../../../src/broker/storage/log-cleaner.js';
import type { PartitionLog } from '../../../src/broker/storage/partition-log.js';
import { batch, listDir, steppedClock, openLog, partitionDir, readAll, rows, testConfig, type SimpleRecord } from './helpers.js';

const leader = { leaderEpoch: 0, assignOffsets: true } as const;
const DAY = 86_400_000;

function compactedLog(overrides = {}, clock = steppedClock()) {
  const log = openLog(partitionDir(), testConfig({ cleanupPolicy: 'compact', segmentBytes: 600, ...overrides }), { clock });
  return { log, clock };
}

function put(log: PartitionLog, records: SimpleRecord[], options: Parameters<typeof batch>[1] = {}): number {
  const info = log.append(batch(records, options), leader);
  log.highWatermark = log.logEndOffset;
  return info.firstOffset;
}

/** All stored batches of the log, decoded (headers and records). */
function storedBatches(log: PartitionLog) {
  return log.segments.flatMap((s) => decodeRecordBatchesSync(s.log.read(0, s.size)));
}

describe('LogCleaner', () => {
  it('keeps the last value per key in closed segments, with offsets unchanged', async () => {
    const { log, clock } = compactedLog();
    const written = new Map<number, { key: string; value: string }>();
    for (let round = 0; round < 6; round++) {
      for (let k = 0; k < 4; k++) {
        const offset = put(log, [{ key: `k${k}`, value: `r${round}-k${k}`, timestamp: clock.now() }]);
        written.set(offset, { key: `k${k}`, value: `r${round}-k${k}` });
      }
    }
    expect(log.numberOfSegments).toBeGreaterThan(2);
    const activeBase = log.activeSegment.baseOffset;
    const endBefore = log.logEndOffset;
    const stats = await new LogCleaner({ now: clock.now }).clean(log, clock.now());
    expect(stats.cleaned).toBe(true);
    expect(stats.endOffset).toBe(activeBase);

    const after = readAll(log);
    // Offsets never move: every surviving record is exactly what was written at that offset.
    for (const r of after) expect({ key: r.key, value: r.value }).toEqual(written.get(r.offset));
    const cleanedPart = after.filter((r) => r.offset < activeBase);
    const latest = new Map<string, number>();
    for (const [offset, { key }] of written) if (offset < activeBase) latest.set(key, offset);
    expect(cleanedPart.map((r) => r.offset).sort((a, b) => a - b)).toEqual([...latest.values()].sort((a, b) => a - b));
    // The active segment is untouched.
    expect(after.filter((r) => r.offset >= activeBase)).toHaveLength(endBefore - activeBase);
    expect(log.logEndOffset).toBe(endBefore);
    expect(log.cleanerCheckpoint).toBe(activeBase);
    expect(put(log, [{ key: 'k0', value: 'next' }])).toBe(endBefore);
    // A read from a removed offset starts at the next surviving batch (one record per batch here).
    const fromOne = rows(log.read(1, 1 << 20).records);
    expect(fromOne[0]!.offset).toBe(after.map((r) => r.offset).find((o) => o >= 1));
  });

  it('merges small cleaned segments into one named after the first', async () => {
    const { log, clock } = compactedLog();
    for (let i = 0; i < 30; i++) put(log, [{ key: 'same', value: `v${i}` }]);
    const segmentsBefore = log.numberOfSegments;
    expect(segmentsBefore).toBeGreaterThan(3);
    const cleaner = new LogCleaner();
    // Groups are sized before cleaning (as in Kafka): full segments shrink first, then merge on the next pass.
    await cleaner.clean(log, clock.now());
    expect(log.numberOfSegments).toBe(segmentsBefore);
    await cleaner.clean(log, clock.now());
    expect(log.numberOfSegments).toBe(2);
    expect(log.segments[0]!.baseOffset).toBe(0);
    expect(listDir(log.dir).filter((n) => n.endsWith('.log'))).toHaveLength(2);
    expect(listDir(log.dir).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);
    const values = readAll(log).map((r) => r.value);
    expect(values[0]).toBe(`v${log.activeSegment.baseOffset - 1}`);
  });

  it('removes tombstones only after delete.retention.ms, marking their batch with the delete horizon', async () => {
    const { log, clock } = compactedLog({ deleteRetentionMs: DAY });
    const cleaner = new LogCleaner({ now: clock.now });
    put(log, [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1', timestamp: clock.now() + 1 }], { timestamp: clock.now() });
    const tombstoneAt = put(log, [{ key: 'a', value: null, timestamp: clock.now() + 2 }]);
    log.roll();
    put(log, [{ key: 'c', value: 'c1' }]);

    const t0 = clock.now();
    await cleaner.clean(log, t0);
    let stored = readAll(log);
    expect(stored.map((r) => [r.key, r.value])).toEqual([
      ['b', 'b1'],
      ['a', null],
      ['c', 'c1'],
    ]);
    const tombstoneBatch = storedBatches(log).find((b) => Number(b.baseOffset) === tombstoneAt)!;
    expect(tombstoneBatch.hasDeleteHorizon).toBe(true);
    expect(Number(tombstoneBatch.baseTimestamp)).toBe(t0 + DAY);
    // Record timestamps survive the rewrite.
    expect(stored.find((r) => r.key === 'a')!.timestamp).toBe(t0 + 2);
    expect(cleaner.needsCleaning(log, t0 + DAY - 1)).toBe(false);
    expect(cleaner.needsCleaning(log, t0 + DAY)).toBe(true);

    await cleaner.clean(log, t0 + DAY - 1);
    expect(readAll(log).some((r) => r.key === 'a')).toBe(true);
    const stats = await cleaner.clean(log, t0 + DAY);
    expect(stats.tombstonesRemoved).toBe(1);
    stored = readAll(log);
    expect(stored.map((r) => r.key)).toEqual(['b', 'c']);
    expect(stored.map((r) => r.offset)).toEqual([1, 3]);
  });

  it('preserves producer id, epoch, base sequence and the batch offset range', async () => {
    const { log, clock } = compactedLog();
    const idempotent = { producerId: 4242n, producerEpoch: 7, baseSequence: 30 };
    put(log, [{ key: 'x', value: '1' }, { key: 'y', value: '1' }, { key: 'z', value: '1' }], idempotent);
    put(log, [{ key: 'x', value: '2' }], { producerId: 4242n, producerEpoch: 7, baseSequence: 33 });
    put(log, [{ key: 'y', value: '2' }, { key: 'z', value: '2' }], { producerId: 99n, producerEpoch: 1, baseSequence: 0 });
    put(log, [{ key: 'y', value: '3' }, { key: 'z', value: '3' }], { producerId: 99n, producerEpoch: 1, baseSequence: 2 });
    log.roll();
    put(log, [{ key: 'w', value: '1' }]);
    await new LogCleaner().clean(log, clock.now());
    const batches = storedBatches(log).filter((b) => b.baseOffset < 8n);
    // 4242's first batch lost every record and is not its producer's last batch: dropped.
    expect(batches.map((b) => [Number(b.baseOffset), b.lastOffsetDelta, b.producerId, b.producerEpoch, b.baseSequence, b.records.length])).toEqual([
      [3, 0, 4242n, 7, 33, 1],
      // Producer 99's first batch is empty and not its last: dropped; its last batch stays whole.
      [6, 1, 99n, 1, 2, 2],
    ]);

    // A batch emptied by compaction that is its producer's last keeps an empty header.
    const second = compactedLog();
    put(second.log, [{ key: 'a', value: '1' }], { producerId: 5n, producerEpoch: 0, baseSequence: 0 });
    put(second.log, [{ key: 'a', value: '2' }, { key: 'b', value: '1' }], { producerId: 6n, producerEpoch: 0, baseSequence: 0 });
    put(second.log, [{ key: 'b', value: '2' }], { producerId: 7n, producerEpoch: 0, baseSequence: 0 });
    put(second.log, [{ key: 'a', value: '3' }, { key: 'b', value: '3' }], { producerId: 5n, producerEpoch: 0, baseSequence: 1 });
    second.log.roll();
    put(second.log, [{ key: 'c', value: '1' }]);
    await new LogCleaner().clean(second.log, second.clock.now());
    const kept = storedBatches(second.log).filter((b) => b.baseOffset < 6n);
    expect(kept.map((b) => [Number(b.baseOffset), b.lastOffsetDelta, b.producerId, b.baseSequence, b.records.length])).toEqual([
      [1, 1, 6n, 0, 0],
      [3, 0, 7n, 0, 0],
      [4, 1, 5n, 1, 2],
    ]);
  });

  it('rewrites compressed batches with their codec and keeps control batches', async () => {
    const { log, clock } = compactedLog();
    put(log, [{ key: 'a', value: '1' }, { key: 'b', value: '1' }], { compression: 1 });
    put(log, [{ key: 'a', value: '2' }], { compression: 1 });
    const marker = encodeControlBatch({ producerId: 77n, producerEpoch: 0, timestamp: clock.now(), type: ControlRecordType.Commit, coordinatorEpoch: 0 });
    log.append(marker, leader);
    log.roll();
    put(log, [{ key: 'c', value: '1' }]);
    log.highWatermark = log.logEndOffset;
    await new LogCleaner().clean(log, clock.now());
    const batches = storedBatches(log);
    expect(batches[0]!.compression).toBe(1);
    expect(batches[0]!.records.map((r) => r.key?.toString())).toEqual(['b']);
    expect(batches.filter((b) => b.isControl)).toHaveLength(1);
  });

  it('drops records of aborted transactions and treats committed ones like any other', async () => {
    const { log, clock } = compactedLog();
    const txn = (pid: bigint) => ({ producerId: pid, producerEpoch: 0, baseSequence: 0, transactional: true });
    put(log, [{ key: 'k', value: 'committed' }], txn(1n));
    log.append(encodeControlBatch({ producerId: 1n, producerEpoch: 0, timestamp: clock.now(), type: ControlRecordType.Commit, coordinatorEpoch: 0 }), leader);
    put(log, [{ key: 'k', value: 'aborted' }], txn(2n));
    log.append(encodeControlBatch({ producerId: 2n, producerEpoch: 0, timestamp: clock.now(), type: ControlRecordType.Abort, coordinatorEpoch: 0 }), leader);
    put(log, [{ key: 'k', value: 'open' }], txn(3n));
    log.roll();
    put(log, [{ key: 'other', value: '1' }]);
    await new LogCleaner().clean(log, clock.now());
    const values = readAll(log).map((r) => r.value);
    // The aborted value does not shadow the committed one; an open transaction stays untouched.
    expect(values).toContain('committed');
    expect(values).not.toContain('aborted');
    expect(values).toContain('open');
    expect(storedBatches(log).filter((b) => b.isControl)).toHaveLength(2);
  });

  it('never cleans the active segment or past the high watermark', async () => {
    const { log, clock } = compactedLog();
    for (let i = 0; i < 20; i++) put(log, [{ key: 'k', value: `v${i}` }]);
    log.highWatermark = 3;
    const cleaner = new LogCleaner();
    expect(cleaner.cleanableRange(log, clock.now()).firstUncleanableOffset).toBe(3);
    await cleaner.clean(log, clock.now());
    const offsets = readAll(log).map((r) => r.offset);
    expect(offsets.filter((o) => o >= 3)).toEqual(Array.from({ length: 17 }, (_, i) => i + 3));
    // Below the bound only the latest value survives; the rest of the segment is kept as is.
    expect(offsets.filter((o) => o < 3)).toEqual([2]);
  });

  it('decides by min.cleanable.dirty.ratio and skips logs that are not compacted', async () => {
    const { log, clock } = compactedLog({ minCleanableDirtyRatio: 0.5 });
    const cleaner = new LogCleaner();
    for (let i = 0; i < 12; i++) put(log, [{ key: `k${i % 3}`, value: `v${i}` }]);
    expect(cleaner.cleanableRange(log, clock.now()).dirtyRatio).toBe(1);
    expect(cleaner.needsCleaning(log, clock.now())).toBe(true);
    await cleaner.clean(log, clock.now());
    expect(cleaner.cleanableRange(log, clock.now()).dirtyBytes).toBe(0);
    expect(cleaner.needsCleaning(log, clock.now())).toBe(false);
    const plain = openLog(partitionDir('plain'), testConfig());
    expect((await cleaner.clean(plain, clock.now())).skipped).toBe('not-compacted');
  });

  it('honours min.compaction.lag.ms and max.compaction.lag.ms (injected clock)', async () => {
    const clock = steppedClock();
    const { log } = compactedLog({ minCompactionLagMs: 60_000, maxCompactionLagMs: 600_000, minCleanableDirtyRatio: 1 }, clock);
    for (let i = 0; i < 8; i++) put(log, [{ key: 'k', value: `old${i}`, timestamp: clock.now() }]);
    log.roll();
    clock.advance(120_000);
    const t1 = clock.now();
    for (let i = 0; i < 8; i++) put(log, [{ key: 'k', value: `new${i}`, timestamp: t1 }]);
    log.roll();
    put(log, [{ key: 'k', value: 'active', timestamp: t1 }]);
    const cleaner = new LogCleaner();
    // Segments younger than the min lag are not cleanable yet.
    expect(cleaner.cleanableRange(log, t1).firstUncleanableOffset).toBe(8);
    await cleaner.clean(log, t1);
    expect(readAll(log).map((r) => r.value)).toEqual(['old7', ...Array.from({ length: 8 }, (_, i) => `new${i}`), 'active']);
    expect(cleaner.needsCleaning(log, t1)).toBe(false);
    // Old enough to clean, but the dirty ratio is below 1...
    const later = t1 + 61_000;
    expect(cleaner.cleanableRange(log, later).dirtyRatio).toBeLessThan(1);
    expect(cleaner.needsCleaning(log, later)).toBe(false);
    // ...until the dirty data passes max.compaction.lag.ms.
    expect(cleaner.needsCleaning(log, t1 + 600_001)).toBe(true);
    await cleaner.clean(log, t1 + 600_001);
    expect(readAll(log).map((r) => r.value)).toEqual(['new7', 'active']);
  });

  it('cleans a dirty range larger than its offset map over several passes', async () => {
    const { log, clock } = compactedLog({ segmentBytes: 1 << 20 });
    for (let i = 0; i < 12; i++) put(log, [{ key: `k${i % 3}`, value: `v${i}` }]);
    log.roll();
    put(log, [{ key: 'k0', value: 'active' }]);
    const cleaner = new LogCleaner({ maxOffsetMapEntries: 3 });
    const checkpoints: number[] = [];
    const survivors: number[] = [];
    for (let pass = 0; pass < 4; pass++) {
      await cleaner.clean(log, clock.now());
      checkpoints.push(log.cleanerCheckpoint!);
      survivors.push(readAll(log).filter((r) => r.offset < 12).length);
    }
    expect(checkpoints).toEqual([3, 6, 9, 12]);
    expect(survivors).toEqual([12, 9, 6, 3]);
    expect(readAll(log).map((r) => r.value)).toEqual(['v9', 'v10', 'v11', 'active']);
  });

  it('with compact,delete also applies retention', async () => {
    const clock = steppedClock();
    const { log } = compactedLog({ cleanupPolicy: 'compact,delete', retentionMs: DAY }, clock);
    for (let i = 0; i < 12; i++) put(log, [{ key: `k${i % 2}`, value: `v${i}`, timestamp: clock.now() }]);
    await new LogCleaner().clean(log, clock.now());
    expect(new Set(readAll(log).filter((r) => r.offset < log.activeSegment.baseOffset).map((r) => r.key)).size).toBe(2);
    clock.advance(2 * DAY);
    expect(log.applyRetention(clock.now())).toBeGreaterThan(0);
    expect(log.numberOfSegments).toBe(1);
    expect(log.logStartOffset).toBe(log.activeSegment.baseOffset);
  });

  it('survives a restart: the cleaned log reopens clean and after a crash', async () => {
    const { log, clock } = compactedLog();
    for (let i = 0; i < 20; i++) put(log, [{ key: `k${i % 4}`, value: `v${i}` }]);
    await new LogCleaner().clean(log, clock.now());
    const before = readAll(log);
    const dir = log.dir;
    log.closeHandlers();
    const reopened = openLog(dir, log.config);
    expect(readAll(reopened)).toEqual(before);
    expect(reopened.cleanerCheckpoint).toBe(log.cleanerCheckpoint);
  });
});

describe('keys in compacted topics', () => {
  it('flags records without a key as INVALID_RECORD, control batches exempt', async () => {
    const ok = Buffer.concat([batch([{ key: 'a' }]), encodeControlBatch({ producerId: 1n, producerEpoch: 0, timestamp: 0, type: ControlRecordType.Commit, coordinatorEpoch: 0 })]);
    expect(() => checkRecordsHaveKeys(ok)).not.toThrow();
    await expect(checkRecordsHaveKeysAsync(ok)).resolves.toBeUndefined();
    const bad = Buffer.concat([batch([{ key: 'a' }]), batch([{ key: 'b' }, { key: null }], { compression: 1 })]);
    let caught: unknown;
    try {
      checkRecordsHaveKeys(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CorruptRecordBatchError);
    expect((caught as CorruptRecordBatchError).errorCode).toBe(ErrorCode.INVALID_RECORD);
    await expect(checkRecordsHaveKeysAsync(bad)).rejects.toBeInstanceOf(CorruptRecordBatchError);
  });
});

describe('LogCleaner and a log that goes away', () => {
  it('gives up cleanly when the log is closed during a pass', async () => {
    const { log, clock } = compactedLog();
    for (let i = 0; i < 30; i++) put(log, [{ key: `k${i % 3}`, value: `v${i}` }], { compression: 1 });
    const dir = log.dir;
    const pass = new LogCleaner({ yieldEveryBytes: 1 }).clean(log, clock.now());
    log.close();
    const stats = await pass;
    expect(stats.cleaned).toBe(false);
    expect(stats.skipped).toBe('log-closed');
    expect(listDir(dir).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
    const reopened = openLog(dir, log.config);
    expect(readAll(reopened)).toHaveLength(30);
  });
});
