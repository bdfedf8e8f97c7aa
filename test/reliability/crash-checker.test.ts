import { describe, expect, it } from 'vitest';
import { checkCommittedOffsets, checkLog, type LogCheckInput } from './crash/checker.js';
import { recordValue, type StoredRecord } from './crash/records.js';

// The crash soak's checker on logs written by hand: a clean log passes, and each kind of
// damage is reported as its own kind (so a soak that reports nothing really found nothing).

const at = (partition: number, offset: number, producer: string, sequence: number): StoredRecord => ({ partition, offset, value: recordValue(producer, partition, sequence) });
const clean = [at(0, 0, 'a', 0), at(0, 1, 'b', 0), at(0, 2, 'a', 1), at(1, 0, 'a', 0), at(1, 1, 'a', 1)];
const input = (stored: StoredRecord[], acked = clean, high = [3, 2]): LogCheckInput => ({
  topic: 't',
  partitions: 2,
  stored,
  offsets: new Map(high.map((h, p) => [p, { low: 0, high: h }])),
  acked,
});
const kinds = (i: LogCheckInput) => checkLog(i).anomalies.map((a) => a.kind);

describe('crash soak checker', () => {
  it('finds nothing wrong in a clean log, and counts what it checked', () => {
    const result = checkLog(input(clean));
    expect(result).toEqual({ anomalies: [], ackedChecked: 5, storedRecords: 5 });
  });

  it('allows an unacknowledged record to be stored (once)', () => {
    expect(kinds(input(clean, clean.slice(0, 3)))).toEqual([]);
  });

  it('reports a lost acknowledged record, and the offset gap it leaves', () => {
    expect(kinds(input(clean.filter((r) => !(r.partition === 0 && r.offset === 1))))).toEqual(['offset gap', 'lost']);
  });

  it('reports a lost tail as lost, with the high watermark behind the acknowledgement', () => {
    expect(kinds(input(clean.slice(0, 4), clean, [3, 1]))).toEqual(['lost']);
  });

  it('reports a record stored twice', () => {
    expect(kinds(input([...clean, { partition: 1, offset: 2, value: recordValue('a', 1, 1) }], clean, [3, 3]))).toEqual(['duplicate', 'reordered']);
  });

  it('reports a producer sequence out of order', () => {
    const swapped = [at(0, 0, 'a', 1), at(0, 1, 'b', 0), at(0, 2, 'a', 0), at(1, 0, 'a', 0), at(1, 1, 'a', 1)];
    expect(kinds(input(swapped, swapped))).toEqual(['reordered']);
  });

  it('reports a record not at its acknowledged offset', () => {
    const acked = clean.map((r) => (r.partition === 1 && r.offset === 1 ? { ...r, offset: 5 } : r));
    expect(kinds(input(clean, acked))).toEqual(['offset mismatch']);
  });

  it('reports a read that stops short of the high watermark', () => {
    expect(kinds(input(clean, clean, [4, 2]))).toEqual(['offset gap']);
  });

  it('reports a committed offset behind an acknowledged commit', () => {
    const acknowledged = new Map([[0, 10], [1, 20]]);
    expect(checkCommittedOffsets('g', 't', acknowledged, new Map([[0, 10], [1, 25]]))).toEqual([]);
    expect(checkCommittedOffsets('g', 't', acknowledged, new Map([[0, 9]])).map((a) => a.detail)).toEqual([
      'group g t-0: commit of 10 was acknowledged, the broker now has 9',
      'group g t-1: commit of 20 was acknowledged, the broker now has -1',
    ]);
  });
});
