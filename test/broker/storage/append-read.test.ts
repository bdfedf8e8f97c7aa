import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { readBatchHeader, TimestampType, validateBatches } from '../../../src/protocol/records/index.js';
import { InvalidAppendOffsetError, KafkaStorageError, RecordBatchTooLargeError } from '../../../src/broker/storage/errors.js';
import { batch, lastOffsetOf, steppedClock, numberedBatch, openLog, partitionDir, readAll, rows, testConfig } from './helpers.js';

const leader = { leaderEpoch: 3, assignOffsets: true } as const;

describe('PartitionLog append and read', () => {
  it('assigns offsets by rewriting baseOffset and the leader epoch in place', () => {
    const log = openLog(partitionDir(), testConfig());
    const first = numberedBatch(3);
    const second = batch([{ key: 'a', value: 'x' }, { key: 'b', value: 'y' }]);
    const blob = Buffer.concat([first, second]);
    const info = log.append(blob, leader);
    expect(info).toMatchObject({ firstOffset: 0, lastOffset: 4, recordCount: 5, batchCount: 2, logAppendTime: -1, validBytes: blob.length });
    // The caller's buffer now holds the stored form, and it still validates (CRC untouched).
    const headers = validateBatches(blob).map((b) => b.header);
    expect(headers.map((h) => [h.baseOffset, h.partitionLeaderEpoch])).toEqual([
      [0n, 3],
      [3n, 3],
    ]);
    const next = log.append(numberedBatch(2), leader);
    expect([next.firstOffset, next.lastOffset, log.logEndOffset]).toEqual([5, 6, 7]);
  });

  it('returns the stored bytes as they are', () => {
    const log = openLog(partitionDir(), testConfig());
    const blob = Buffer.concat([numberedBatch(2, 'a'), numberedBatch(4, 'b')]);
    log.append(blob, leader);
    const read = log.read(0, 1 << 20);
    expect(read.kind).toBe('records');
    expect(read.records.equals(blob)).toBe(true);
    expect(rows(read.records).map((r) => `${r.offset}:${r.value}`)).toEqual(['0:a0', '1:a1', '2:b0', '3:b1', '4:b2', '5:b3']);
  });

  it('starts a read in the middle of a batch at that batch', () => {
    const log = openLog(partitionDir(), testConfig());
    log.append(numberedBatch(4, 'a'), leader);
    log.append(numberedBatch(4, 'b'), leader);
    const read = log.read(6, 1 << 20);
    const got = rows(read.records);
    expect(got[0]!.offset).toBe(4);
    expect(got.map((r) => r.offset)).toEqual([4, 5, 6, 7]);
  });

  it('cuts at whole batches under maxBytes, and returns one oversized batch only with minOneBatch', () => {
    const log = openLog(partitionDir(), testConfig());
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = numberedBatch(2, `b${i}-`, { valueSize: 100 });
      sizes.push(b.length);
      log.append(b, leader);
    }
    const two = log.read(0, sizes[0]! + sizes[1]! + 10, { minOneBatch: false });
    expect(two.records.length).toBe(sizes[0]! + sizes[1]!);
    expect(lastOffsetOf(two.records)).toBe(3);
    expect(log.read(0, 10, { minOneBatch: false }).records.length).toBe(0);
    const one = log.read(0, 10, { minOneBatch: true });
    expect(one.records.length).toBe(sizes[0]);
    expect(log.read(0, 0, { minOneBatch: true }).records.length).toBe(sizes[0]);
  });

  it('never serves batches at or past maxOffset (the high watermark)', () => {
    const log = openLog(partitionDir(), testConfig());
    log.append(numberedBatch(3), leader);
    log.append(numberedBatch(3), leader);
    log.append(numberedBatch(3), leader);
    expect(log.highWatermark).toBe(0); // the caller drives it
    log.highWatermark = 6;
    expect(rows(log.read(0, 1 << 20, { maxOffset: log.highWatermark }).records).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    // A bound inside a batch leaves that whole batch out.
    expect(rows(log.read(0, 1 << 20, { maxOffset: 5 }).records).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(log.read(6, 1 << 20, { maxOffset: 6 })).toMatchObject({ kind: 'records', highWatermark: 6 });
    expect(log.read(6, 1 << 20, { maxOffset: 6 }).records.length).toBe(0);
    log.highWatermark = 100; // clamped to the log end
    expect(log.highWatermark).toBe(9);
  });

  it('answers OffsetOutOfRange below the log start and past the log end, and empty at the end', () => {
    const log = openLog(partitionDir(), testConfig());
    log.append(numberedBatch(5), leader);
    expect(log.read(5, 100)).toMatchObject({ kind: 'records', logEndOffset: 5 });
    expect(log.read(5, 100).records.length).toBe(0);
    expect(log.read(6, 100)).toMatchObject({ kind: 'offset-out-of-range', fetchOffset: 6, logStartOffset: 0, logEndOffset: 5 });
    log.highWatermark = log.logEndOffset;
    log.deleteRecordsBefore(2);
    expect(log.read(1, 100)).toMatchObject({ kind: 'offset-out-of-range', logStartOffset: 2 });
    expect(log.read(1, 100).records.length).toBe(0);
    expect(rows(log.read(2, 1 << 20).records)[0]!.offset).toBe(0); // the batch holding 2
  });

  it('stamps LogAppendTime with the log clock or the given time', () => {
    const clock = steppedClock(5_000_000);
    const log = openLog(partitionDir(), testConfig({ messageTimestampType: 'LogAppendTime' }), { clock });
    const blob = numberedBatch(2, 'm', { timestamp: 1000 });
    const info = log.append(blob, leader);
    expect(info.logAppendTime).toBe(5_000_000);
    const header = readBatchHeader(blob);
    expect(header.timestampType).toBe(TimestampType.LogAppendTime);
    expect(header.maxTimestamp).toBe(5_000_000n);
    expect(rows(log.read(0, 1 << 20).records).map((r) => r.timestamp)).toEqual([5_000_000, 5_000_000]);
    expect(log.append(numberedBatch(1), { ...leader, logAppendTimeMs: 42 }).logAppendTime).toBe(42);
  });

  it('as a follower keeps the given offsets and refuses ones that go back', () => {
    const log = openLog(partitionDir(), testConfig());
    const b = numberedBatch(3, 'f', {});
    b.writeBigInt64BE(10n, 0);
    b.writeInt32BE(7, 12);
    const info = log.append(b, { leaderEpoch: 0, assignOffsets: false });
    expect([info.firstOffset, info.lastOffset, log.logEndOffset]).toEqual([10, 12, 13]);
    expect(log.leaderEpochCache.epochEntries).toEqual([{ epoch: 7, startOffset: 10 }]);
    const stale = numberedBatch(1);
    stale.writeBigInt64BE(12n, 0);
    expect(() => log.append(stale, { leaderEpoch: 0, assignOffsets: false })).toThrow(InvalidAppendOffsetError);
    expect(log.logEndOffset).toBe(13);
  });

  it('rejects a batch larger than segment.bytes and a truncated blob', () => {
    const log = openLog(partitionDir(), testConfig({ segmentBytes: 200 }));
    let caught: unknown;
    try {
      log.append(numberedBatch(5, 'big', { valueSize: 100 }), leader);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RecordBatchTooLargeError);
    expect((caught as RecordBatchTooLargeError).errorCode).toBe(ErrorCode.RECORD_LIST_TOO_LARGE);
    const b = numberedBatch(1);
    expect(() => log.append(b.subarray(0, b.length - 1), leader)).toThrow(/truncated/);
    expect(log.logEndOffset).toBe(0);
  });

  it('wakes append listeners once per burst, after the caller moved the high watermark', async () => {
    const log = openLog(partitionDir(), testConfig(), { highWatermark: 0 });
    const seen: { logEndOffset: number; highWatermark: number }[] = [];
    const stop = log.onAppend((change) => seen.push(change));
    const hw: number[] = [];
    log.onHighWatermarkChange((change) => hw.push(change.highWatermark));
    log.append(numberedBatch(2), leader);
    log.append(numberedBatch(2), leader);
    log.highWatermark = log.logEndOffset;
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([{ logEndOffset: 4, highWatermark: 4 }]);
    expect(hw).toEqual([4]);
    stop();
    log.append(numberedBatch(1), leader);
    await Promise.resolve();
    expect(seen).toHaveLength(1);
  });

  it('refuses every call once closed', () => {
    const log = openLog(partitionDir(), testConfig());
    log.append(numberedBatch(1), leader);
    log.close();
    expect(() => log.append(numberedBatch(1), leader)).toThrow(KafkaStorageError);
    expect(() => log.read(0, 100)).toThrow(KafkaStorageError);
  });

  it('reads everything back across many segments', () => {
    const log = openLog(partitionDir(), testConfig({ segmentBytes: 400 }));
    for (let i = 0; i < 40; i++) log.append(numberedBatch(1 + (i % 4), `b${i}-`), leader);
    expect(log.numberOfSegments).toBeGreaterThan(5);
    const all = readAll(log);
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: log.logEndOffset }, (_, i) => i));
  });
});
