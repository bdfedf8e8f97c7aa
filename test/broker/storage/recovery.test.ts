import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDir, numberedBatch, openLog, partitionDir, readAll, testConfig, tempDir, type Row } from './helpers.js';
import type { PartitionLog } from '../../../src/broker/storage/partition-log.js';

const leader = { leaderEpoch: 1, assignOffsets: true } as const;
const config = testConfig({ segmentBytes: 2500, indexIntervalBytes: 300 });

interface Written {
  dir: string;
  rows: Row[];
  /** Batches of the last segment: file position, size, last offset. */
  lastSegmentBatches: { position: number; size: number; lastOffset: number }[];
  lastSegmentFile: string;
}

/** Writes batches of varying size over several segments, then "crashes" (no flush, no clean shutdown marker). */
function writeAndCrash(batches = 30): Written {
  const dir = partitionDir();
  const log = openLog(dir, config);
  for (let i = 0; i < batches; i++) log.append(numberedBatch(1 + (i % 5), `r${i}-`, { valueSize: 10 + ((i * 37) % 90) }), leader);
  log.highWatermark = log.logEndOffset;
  const rows = readAll(log);
  const active = log.activeSegment;
  const lastSegmentBatches = [...active.log.batches(0)].map((b) => ({ position: b.position, size: b.size, lastOffset: b.lastOffset }));
  const lastSegmentFile = active.log.file;
  log.closeHandlers();
  expect(lastSegmentBatches.length).toBeGreaterThan(3);
  return { dir, rows, lastSegmentBatches, lastSegmentFile };
}

function copyDir(from: string): string {
  const to = path.join(tempDir(), path.basename(from));
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Checks every index entry of every segment points at a batch start whose last offset it names. */
function expectIndexesConsistent(log: PartitionLog): void {
  for (const segment of log.segments) {
    const batches = new Map([...segment.log.batches(0)].map((b) => [b.position, b.lastOffset]));
    const index = segment.offsetIndex;
    for (let i = 0; i < index.entries; i++) {
      const entry = index.entry(i);
      expect(batches.get(entry.position)).toBe(entry.offset);
    }
    if (segment.size > 3 * config.indexIntervalBytes) expect(index.entries).toBeGreaterThan(0);
    expect(segment.timeIndex.lastEntry.timestamp).toBe(segment.maxTimestamp);
  }
}

/** A small seeded PRNG so the "random" cut positions are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('restart after a clean close', () => {
  it('keeps everything and reuses the indexes as written', () => {
    const dir = partitionDir();
    const log = openLog(dir, config);
    for (let i = 0; i < 30; i++) log.append(numberedBatch(3, `c${i}-`, { valueSize: 40 }), leader);
    log.highWatermark = log.logEndOffset;
    const before = readAll(log);
    const segments = log.numberOfSegments;
    log.close();
    expect(listDir(dir)).toContain('.kafka_cleanshutdown');
    const indexFiles = listDir(dir).filter((n) => n.endsWith('.index') || n.endsWith('.timeindex'));
    const snapshot = new Map(indexFiles.map((n) => [n, { bytes: fs.readFileSync(path.join(dir, n)), mtime: fs.statSync(path.join(dir, n)).mtimeMs }]));

    const reopened = openLog(dir, config);
    expect(listDir(dir)).not.toContain('.kafka_cleanshutdown');
    expect(reopened.logEndOffset).toBe(90);
    expect(reopened.recoveryPoint).toBe(90);
    expect(reopened.numberOfSegments).toBe(segments);
    expect(readAll(reopened)).toEqual(before);
    expectIndexesConsistent(reopened);
    for (const [name, { bytes, mtime }] of snapshot) {
      expect(fs.readFileSync(path.join(dir, name)).equals(bytes)).toBe(true);
      expect(fs.statSync(path.join(dir, name)).mtimeMs).toBe(mtime);
    }
    expect(reopened.append(numberedBatch(1), leader).firstOffset).toBe(90);
  });

  it('rebuilds index files deleted while the broker was down', () => {
    const dir = partitionDir();
    const log = openLog(dir, config);
    for (let i = 0; i < 30; i++) log.append(numberedBatch(3, `c${i}-`, { valueSize: 40 }), leader);
    const before = readAll(log);
    log.close();
    for (const name of listDir(dir)) if (name.endsWith('.index') || name.endsWith('.timeindex')) fs.rmSync(path.join(dir, name));
    const reopened = openLog(dir, config);
    expect(readAll(reopened)).toEqual(before);
    expectIndexesConsistent(reopened);
    expect(listDir(dir).filter((n) => n.endsWith('.index'))).toHaveLength(reopened.numberOfSegments);
  });

  it('recovers a tail torn after the clean shutdown marker was written', () => {
    const dir = partitionDir();
    const log = openLog(dir, config);
    for (let i = 0; i < 5; i++) log.append(numberedBatch(2), leader);
    const file = log.activeSegment.log.file;
    log.close();
    fs.appendFileSync(file, Buffer.from([0, 0, 0, 0, 0, 0, 0, 10, 0, 0]));
    const reopened = openLog(dir, config);
    expect(reopened.logEndOffset).toBe(10);
    expect(reopened.append(numberedBatch(1), leader).firstOffset).toBe(10);
    expect(readAll(reopened)).toHaveLength(11);
  });
});

describe('recovery after a crash', () => {
  it('keeps every complete batch and drops a torn tail, wherever the last segment was cut', () => {
    const written = writeAndCrash();
    const random = prng(7);
    const fileSize = fs.statSync(written.lastSegmentFile).size;
    const first = written.lastSegmentBatches[0]!;
    const cuts = [0, 1, first.size, first.size + 5, fileSize - 1, ...Array.from({ length: 6 }, () => Math.floor(random() * fileSize))];
    for (const cut of cuts) {
      const dir = copyDir(written.dir);
      const segmentFile = path.join(dir, path.basename(written.lastSegmentFile));
      fs.truncateSync(segmentFile, cut);
      const complete = written.lastSegmentBatches.filter((b) => b.position + b.size <= cut);
      const segmentBase = Number(path.basename(segmentFile).slice(0, 20));
      const expectedEnd = complete.length > 0 ? complete.at(-1)!.lastOffset + 1 : segmentBase;

      const log = openLog(dir, config);
      expect(log.logEndOffset, `cut at ${cut}`).toBe(expectedEnd);
      expect(fs.statSync(segmentFile).size).toBe(complete.reduce((n, b) => n + b.size, 0));
      expect(readAll(log)).toEqual(written.rows.filter((r) => r.offset < expectedEnd));
      expectIndexesConsistent(log);
      const next = log.append(numberedBatch(2, 'after'), leader);
      expect(next.firstOffset).toBe(expectedEnd);
      expect(readAll(log).slice(-2).map((r) => r.value)).toEqual(['after0', 'after1']);
      log.close();
    }
  });

  it('drops a batch whose bytes were flipped, and everything after it', () => {
    const written = writeAndCrash();
    const batches = written.lastSegmentBatches;
    for (const victim of [batches.length - 1, 1]) {
      const dir = copyDir(written.dir);
      const segmentFile = path.join(dir, path.basename(written.lastSegmentFile));
      const bytes = fs.readFileSync(segmentFile);
      const target = batches[victim]!;
      bytes[target.position + target.size - 3]! ^= 0xff; // inside the CRC-covered records
      fs.writeFileSync(segmentFile, bytes);
      const log = openLog(dir, config);
      const expectedEnd = batches[victim - 1]!.lastOffset + 1;
      expect(log.logEndOffset).toBe(expectedEnd);
      expect(readAll(log)).toEqual(written.rows.filter((r) => r.offset < expectedEnd));
      expect(log.append(numberedBatch(1), leader).firstOffset).toBe(expectedEnd);
    }
  });

  it('re-reads every segment after the recovery point, deleting the segments after a corrupt one', () => {
    const written = writeAndCrash();
    const dir = copyDir(written.dir);
    // As if nothing had ever been flushed.
    fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n1\norders 0 0\n');
    const logs = listDir(dir).filter((n) => n.endsWith('.log'));
    expect(logs.length).toBeGreaterThan(2);
    const second = path.join(dir, logs[1]!);
    const bytes = fs.readFileSync(second);
    bytes[bytes.length - 1]! ^= 0x01;
    fs.writeFileSync(second, bytes);
    const log = openLog(dir, config);
    expect(log.numberOfSegments).toBe(2);
    expect(listDir(dir).filter((n) => n.endsWith('.log'))).toEqual(logs.slice(0, 2));
    const end = log.logEndOffset;
    expect(end).toBeLessThan(written.rows.at(-1)!.offset);
    expect(readAll(log)).toEqual(written.rows.filter((r) => r.offset < end));
    expect(log.append(numberedBatch(1), leader).firstOffset).toBe(end);
  });

  it('rebuilds deleted index files and restores the leader epoch cache from the batches', () => {
    const written = writeAndCrash();
    const dir = copyDir(written.dir);
    fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n1\norders 0 0\n');
    fs.rmSync(path.join(dir, 'leader-epoch-checkpoint'));
    for (const name of listDir(dir)) if (name.endsWith('.index') || name.endsWith('.timeindex')) fs.rmSync(path.join(dir, name));
    const log = openLog(dir, config);
    expect(readAll(log)).toEqual(written.rows);
    expectIndexesConsistent(log);
    expect(log.leaderEpochCache.epochEntries).toEqual([{ epoch: 1, startOffset: 0 }]);
  });

  it('cleans up leftovers: .deleted and .cleaned files go, a committed .swap replaces the segments it covers', () => {
    const written = writeAndCrash();
    const dir = copyDir(written.dir);
    const logs = listDir(dir).filter((n) => n.endsWith('.log'));
    // A cleaner had merged the first two segments (keeping every record) and committed the swap.
    const merged = Buffer.concat([fs.readFileSync(path.join(dir, logs[0]!)), fs.readFileSync(path.join(dir, logs[1]!))]);
    fs.writeFileSync(path.join(dir, `${logs[0]}.swap`), merged);
    fs.writeFileSync(path.join(dir, '00000000000000000099.log.deleted'), 'old');
    const log = openLog(dir, config);
    expect(listDir(dir).filter((n) => n.endsWith('.swap') || n.endsWith('.deleted'))).toEqual([]);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, ...logs.slice(2).map((n) => Number(n.slice(0, 20)))]);
    expect(readAll(log)).toEqual(written.rows);
    expectIndexesConsistent(log);

    // An unfinished cleaning (.cleaned present) is thrown away, swap files at or above it too.
    const dir2 = copyDir(written.dir);
    fs.writeFileSync(path.join(dir2, `${logs[0]}.cleaned`), 'partial');
    fs.writeFileSync(path.join(dir2, `${logs[0]}.swap`), merged.subarray(0, 10));
    const log2 = openLog(dir2, config);
    expect(listDir(dir2).filter((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toEqual([]);
    expect(readAll(log2)).toEqual(written.rows);
  });
});

describe('what recovery cut, at WARN', () => {
  function capture(): { warnings: string[]; logger: { info(m: string): void; warn(m: string): void; error(m: string): void } } {
    const warnings: string[] = [];
    return { warnings, logger: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined } };
  }

  it('names the segment, the position, the bytes cut and the offsets the torn batch claimed', () => {
    const written = writeAndCrash();
    const dir = copyDir(written.dir);
    const segmentFile = path.join(dir, path.basename(written.lastSegmentFile));
    const last = written.lastSegmentBatches.at(-1)!;
    const before = written.lastSegmentBatches.at(-2)!;
    // The last batch torn after 40 of its bytes: its header (offsets) survived, its records did not.
    fs.truncateSync(segmentFile, last.position + 40);
    const { warnings, logger } = capture();
    const log = openLog(dir, config, { logger });
    const firstLost = before.lastOffset + 1;
    expect(log.logEndOffset).toBe(firstLost);
    expect(warnings).toContain(
      `recovery truncated segment ${segmentFile} at position ${last.position}: cut 40 bytes of torn or corrupt data; offsets from ${firstLost} lost (the first cut batch claims offsets ${firstLost}-${last.lastOffset})`,
    );
  });

  it('says when the cut bytes hold no readable batch header, and lists the segments deleted after the cut', () => {
    const written = writeAndCrash();
    const dir = copyDir(written.dir);
    fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n1\norders 0 0\n');
    const logs = listDir(dir).filter((n) => n.endsWith('.log'));
    const second = path.join(dir, logs[1]!);
    const size = fs.statSync(second).size;
    fs.appendFileSync(second, Buffer.alloc(30)); // zeroes, as a torn write past the end leaves
    const { warnings, logger } = capture();
    const log = openLog(dir, config, { logger });
    expect(warnings[0]).toBe(
      `recovery truncated segment ${second} at position ${size}: cut 30 bytes of torn or corrupt data; offsets from ${log.logEndOffset} lost, if the cut bytes held any (no readable batch header)`,
    );
    const deleted = warnings.slice(1);
    expect(deleted).toHaveLength(logs.length - 2);
    expect(deleted[0]).toMatch(new RegExp(`^recovery deleted segment .*${logs[2]!.replace('.', '\\.')} \\(offsets ${log.logEndOffset}-\\d+, \\d+ bytes\\): it follows the truncated tail$`));
  });
});
