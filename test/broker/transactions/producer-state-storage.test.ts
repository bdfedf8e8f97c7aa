import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogCleaner } from '../../../src/broker/storage/log-cleaner.js';
import { ControlRecordType, encodeControlBatch, encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { listDir, steppedClock, openLog, partitionDir, testConfig } from '../storage/helpers.js';

// The storage side of transactions and idempotence: producer state in the log (validation,
// LSO), `.txnindex` files of aborted transactions, `<offset>.snapshot` files, and how both
// survive a roll, a clean close, a crash, a truncation and the cleaner.

const client = { leaderEpoch: 0, assignOffsets: true, origin: 'client' } as const;
const coordinator = { leaderEpoch: 0, assignOffsets: true, origin: 'coordinator' } as const;

function data(producerId: number, epoch: number, seq: number, values: string[], transactional: boolean, key = 'k'): Buffer {
  return encodeRecordBatchSync({ producerId, producerEpoch: epoch, baseSequence: seq, transactional, records: values.map((value) => ({ key, value, timestamp: 1_700_000_000_000 })) });
}

function marker(producerId: number, epoch: number, commit: boolean): Buffer {
  return encodeControlBatch({ producerId, producerEpoch: epoch, timestamp: 1_700_000_000_000, type: commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch: 0 });
}

describe('producer state and transaction index on disk', () => {
  it('indexes an aborted transaction with its marker segment and finds it from the segment of its data', () => {
    const dir = partitionDir('txn', 0);
    const log = openLog(dir, testConfig());
    log.append(data(7, 0, 0, ['a0', 'a1'], true), client); // 0-1, aborted later
    log.append(data(8, 0, 0, ['b0'], true), client); // 2, producer 8 stays open
    log.roll();
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(0);
    log.append(marker(7, 0, false), coordinator); // 3
    log.highWatermark = log.logEndOffset;
    // Producer 7 is done; producer 8's open transaction now holds the LSO at 2.
    expect(log.lastStableOffset).toBe(2);
    expect(log.collectAbortedTransactions(0, 4)).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 3, lastStableOffset: 2 }]);
    expect(log.collectAbortedTransactions(4, 10)).toEqual([]);
    const txnIndex = path.join(dir, '00000000000000000003.txnindex');
    expect(fs.statSync(txnIndex).size).toBe(34);
    expect(listDir(dir)).not.toContain('00000000000000000000.txnindex');
    // The roll snapshotted the producer state at the new segment's base.
    expect(listDir(dir)).toContain('00000000000000000003.snapshot');

    log.append(marker(8, 0, true), coordinator); // 4
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(5);
    // Committed transactions are not indexed.
    expect(log.collectAbortedTransactions(0, 5)).toHaveLength(1);
  });

  it('keeps producer state, LSO and aborted transactions across a clean close and a crash', () => {
    const dir = partitionDir('txn', 1);
    let log = openLog(dir, testConfig());
    log.append(data(1, 0, 0, ['x', 'y'], false), client); // idempotent 0-1
    log.append(data(2, 0, 0, ['t'], true), client); // 2
    log.append(marker(2, 0, false), coordinator); // 3
    log.append(data(3, 0, 0, ['open'], true), client); // 4, left open
    log.highWatermark = log.logEndOffset;
    log.close();
    expect(listDir(dir)).toContain('00000000000000000005.snapshot');

    log = openLog(dir, testConfig());
    expect(log.lastStableOffset).toBe(4);
    expect(log.producerState.lastEntry(1)?.lastSeq).toBe(1);
    expect(log.append(data(1, 0, 0, ['x', 'y'], false), client)).toMatchObject({ duplicate: true, firstOffset: 0, lastOffset: 1 });
    expect(log.collectAbortedTransactions(0, 5)).toEqual([{ producerId: 2, firstOffset: 2, lastOffset: 3, lastStableOffset: 4 }]);

    // A crash: no snapshot at the end, no clean shutdown marker, and the index file lost.
    log.append(data(1, 0, 2, ['z'], false), client); // 5
    log.closeHandlers();
    for (const name of listDir(dir)) if (name.endsWith('.snapshot') || name.endsWith('.txnindex')) fs.rmSync(path.join(dir, name));
    log = openLog(dir, testConfig());
    expect(log.logEndOffset).toBe(6);
    expect(log.lastStableOffset).toBe(4);
    expect(log.producerState.lastEntry(1)?.lastSeq).toBe(2);
    expect(() => log.append(data(1, 0, 4, ['gap'], false), client)).toThrow(/out of order sequence/);
    expect(log.collectAbortedTransactions(0, 6)).toEqual([{ producerId: 2, firstOffset: 2, lastOffset: 3, lastStableOffset: 4 }]);
    expect(listDir(dir)).toContain('00000000000000000000.txnindex');
  });

  it('truncation reopens a transaction whose marker it removes', () => {
    const log = openLog(partitionDir('txn', 2), testConfig());
    log.append(data(5, 0, 0, ['t0', 't1'], true), client); // 0-1
    log.append(marker(5, 0, false), coordinator); // 2
    log.append(data(6, 0, 0, ['later'], false), client); // 3
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(4);
    log.truncateTo(2);
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(0);
    expect(log.collectAbortedTransactions(0, 2)).toEqual([]);
    expect(log.producerState.lastEntry(6)).toBeUndefined();
    // The marker can be written again.
    log.append(marker(5, 0, false), coordinator);
    expect(log.collectAbortedTransactions(0, 3)).toEqual([{ producerId: 5, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
  });

  it('checks epochs of coordinator writes and coordinator epochs of markers', () => {
    const log = openLog(partitionDir('txn', 3), testConfig());
    log.append(data(9, 3, 0, ['a'], true), client);
    expect(() => log.append(data(9, 2, 1, ['old'], true), coordinator)).toThrow(/older than the current epoch/);
    log.append(encodeControlBatch({ producerId: 9, producerEpoch: 3, timestamp: 0, type: ControlRecordType.Commit, coordinatorEpoch: 5 }), coordinator);
    expect(() => log.append(encodeControlBatch({ producerId: 9, producerEpoch: 3, timestamp: 0, type: ControlRecordType.Commit, coordinatorEpoch: 4 }), coordinator)).toThrow(/coordinator epoch/);
    // A non-transactional write while a transaction is open is refused.
    log.append(data(9, 3, 1, ['b'], true), client);
    expect(() => log.append(data(9, 3, 2, ['c'], false), client)).toThrow(/expected a transactional write/);
  });

  it('forgets idle producers after producer.id.expiration.ms, but not those with an open transaction', () => {
    const clock = steppedClock();
    const log = openLog(partitionDir('txn', 4), testConfig(), { clock });
    const at = (t: number, producerId: number, transactional: boolean) =>
      encodeRecordBatchSync({ producerId, producerEpoch: 0, baseSequence: 0, transactional, records: [{ key: 'k', value: 'v', timestamp: t }] });
    log.append(at(clock.now(), 1, false), client);
    log.append(at(clock.now(), 2, true), client);
    clock.advance(60_000);
    expect(log.removeExpiredProducers(30_000)).toBe(1);
    expect([...log.producerState.activeProducers.keys()]).toEqual([2]);
  });

  it('keeps the aborted transactions of segments the cleaner replaces', async () => {
    const clock = steppedClock();
    const dir = partitionDir('txn-compact', 0);
    const log = openLog(dir, testConfig({ cleanupPolicy: 'compact' }), { clock });
    log.append(data(4, 0, 0, ['aborted'], true, 'key'), client); // 0
    log.append(marker(4, 0, false), coordinator); // 1
    log.append(encodeRecordBatchSync({ records: [{ key: 'key', value: 'v1', timestamp: clock.now() }, { key: 'key', value: 'v2', timestamp: clock.now() }] }), client); // 2-3
    log.roll();
    log.append(encodeRecordBatchSync({ records: [{ key: 'other', value: 'x', timestamp: clock.now() }] }), client);
    log.highWatermark = log.logEndOffset;
    const stats = await new LogCleaner({ now: clock.now }).clean(log);
    expect(stats.cleaned).toBe(true);
    expect(log.collectAbortedTransactions(0, 4)).toEqual([{ producerId: 4, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }]);
    expect(listDir(dir)).toContain('00000000000000000000.txnindex');
    expect(listDir(dir).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);
  });
});
