/**
 * Shared fixtures for the storage tests: temp partition directories (removed after each
 * test), a manual clock, batch builders on top of the records encoder, and a reader that
 * turns stored bytes back into (offset, key, value, timestamp) rows.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';
import { absoluteRecords, decodeRecordBatchesSync, encodeRecordBatchSync, type RecordBatchInput } from '../../../src/protocol/records/index.js';
import { LogConfig, type LogConfigValues } from '../../../src/broker/storage/log-config.js';
import { PartitionLog, type PartitionLogOptions } from '../../../src/broker/storage/partition-log.js';
import { systemClock, type Clock } from '../../../src/broker/clock.js';

const dirs: string[] = [];
const openLogs: PartitionLog[] = [];

afterEach(() => {
  for (const log of openLogs.splice(0)) {
    try {
      log.closeHandlers();
    } catch {
      // Already closed or deleted.
    }
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamwright-storage-'));
  dirs.push(dir);
  return dir;
}

/** A partition directory `<tmp>/<topic>-<partition>` (not created). */
export function partitionDir(topic = 'orders', partition = 0): string {
  return path.join(tempDir(), `${topic}-${partition}`);
}

/** Time that moves only when the test moves it (synchronously); timers stay on the real clock. */
export interface SteppedClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function steppedClock(start = 1_700_000_000_000): SteppedClock {
  let t = start;
  return {
    ...systemClock,
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

/** Test configs delete files right away (file.delete.delay.ms=0). */
export function testConfig(overrides: Partial<LogConfigValues> = {}): LogConfig {
  return LogConfig.DEFAULT.with({ fileDeleteDelayMs: 0, ...overrides });
}

/** Opens a log and registers it so a failing test still releases its descriptors. */
export function openLog(dir: string, config: LogConfig, options: PartitionLogOptions = {}): PartitionLog {
  const log = PartitionLog.open(dir, config, options);
  openLogs.push(log);
  return log;
}

export interface SimpleRecord {
  key?: string | null;
  value?: string | null;
  timestamp?: number;
}

/** One uncompressed (or compressed) batch of records; timestamps default to `timestamp`. */
export function batch(records: readonly SimpleRecord[], options: Partial<Omit<RecordBatchInput, 'records'>> & { timestamp?: number } = {}): Buffer {
  const { timestamp = 1_700_000_000_000, ...rest } = options;
  return encodeRecordBatchSync({
    ...rest,
    records: records.map((r) => ({ key: r.key ?? null, value: r.value === undefined ? 'v' : r.value, timestamp: r.timestamp ?? timestamp })),
  });
}

/** A batch of `count` records with values `${prefix}${i}` and keys `k${i}`, padded to roughly `valueSize` bytes each. */
export function numberedBatch(count: number, prefix = 'm', options: { timestamp?: number; valueSize?: number } = {}): Buffer {
  const pad = options.valueSize ? 'x'.repeat(options.valueSize) : '';
  return batch(
    Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${prefix}${i}${pad}` })),
    { timestamp: options.timestamp },
  );
}

export interface Row {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  batchBaseOffset: number;
}

/** Decodes stored bytes into rows (verifies each batch's CRC). */
export function rows(records: Buffer): Row[] {
  const out: Row[] = [];
  for (const decoded of decodeRecordBatchesSync(records)) {
    for (const r of absoluteRecords(decoded)) {
      out.push({
        offset: Number(r.offset),
        key: r.key === null ? null : r.key.toString(),
        value: r.value === null ? null : r.value.toString(),
        timestamp: Number(r.timestamp),
        batchBaseOffset: Number(decoded.baseOffset),
      });
    }
  }
  return out;
}

/** Every row of the log from its start, read segment by segment. */
export function readAll(log: PartitionLog, maxOffset?: number): Row[] {
  const out: Row[] = [];
  let offset = log.logStartOffset;
  const end = maxOffset ?? log.logEndOffset;
  for (let guard = 0; offset < end && guard < 100_000; guard++) {
    const result = log.read(offset, 1 << 20, { maxOffset: end, minOneBatch: true });
    if (result.kind !== 'records') throw new Error(`unexpected ${result.kind} at ${offset}`);
    const got = rows(result.records).filter((r) => r.offset >= offset);
    if (result.records.length === 0) {
      // A gap (compaction) between segments: continue after the segment that ended.
      const next = log.segments.find((s) => s.baseOffset > offset);
      if (next === undefined) break;
      offset = next.baseOffset;
      continue;
    }
    out.push(...got);
    offset = lastOffsetOf(result.records) + 1;
  }
  return out;
}

/** The last offset of the last batch in a blob. */
export function lastOffsetOf(records: Buffer): number {
  let position = 0;
  let last = -1;
  while (position + 61 <= records.length) {
    last = Number(records.readBigInt64BE(position)) + records.readInt32BE(position + 23);
    position += records.readInt32BE(position + 8) + 12;
  }
  return last;
}

export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}
