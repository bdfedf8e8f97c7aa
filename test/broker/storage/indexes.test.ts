import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../../src/broker/storage/offset-index.js';
import { TimeIndex } from '../../../src/broker/storage/time-index.js';
import { tempDir } from './helpers.js';

describe('OffsetIndex', () => {
  it('has no file until its first entry, preallocates then, looks up the largest entry <= target, and trims to its entries', () => {
    const file = path.join(tempDir(), '00000000000000000100.index');
    const index = new OffsetIndex(file, 100, 80);
    expect(index.entries).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    index.append(105, 4200);
    expect(fs.statSync(file).size).toBe(80);
    index.append(110, 8400);
    index.append(130, 12700);
    expect(index.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(104)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(105)).toEqual({ offset: 105, position: 4200 });
    expect(index.lookup(129)).toEqual({ offset: 110, position: 8400 });
    expect(index.lookup(10_000)).toEqual({ offset: 130, position: 12700 });
    expect(() => index.append(120, 13000)).toThrow();
    index.trimToValidSize();
    expect(fs.statSync(file).size).toBe(24);
    // Kafka layout: relative offset int32, position int32.
    const bytes = fs.readFileSync(file);
    expect([bytes.readInt32BE(0), bytes.readInt32BE(4), bytes.readInt32BE(16), bytes.readInt32BE(20)]).toEqual([5, 4200, 30, 12700]);

    const reloaded = new OffsetIndex(file, 100, 80);
    expect(reloaded.entries).toBe(3);
    expect(reloaded.lookup(111)).toEqual({ offset: 110, position: 8400 });
    reloaded.truncateTo(110);
    expect(reloaded.entries).toBe(1);
    expect(fs.statSync(file).size).toBe(8);
    expect(new OffsetIndex(file, 100, 80).lastOffset).toBe(105);
  });

  it('stops loading at the zeroed, preallocated tail after a crash', () => {
    const file = path.join(tempDir(), '00000000000000000000.index');
    const index = new OffsetIndex(file, 0, 800);
    index.append(10, 5000);
    index.append(20, 9000);
    index.closeHandler(); // no trim: as a crash leaves it
    expect(fs.statSync(file).size).toBe(800);
    const reloaded = new OffsetIndex(file, 0, 800);
    expect(reloaded.entries).toBe(2);
    expect(reloaded.isFull()).toBe(false);
    expect(new OffsetIndex(file, 0, 16).isFull()).toBe(true);
  });
});

describe('TimeIndex', () => {
  it('appends only when the timestamp grows and finds the largest entry <= target', () => {
    const file = path.join(tempDir(), '00000000000000000000.timeindex');
    const index = new TimeIndex(file, 0, 120);
    index.maybeAppend(1000, 3);
    index.maybeAppend(1000, 5); // same timestamp: skipped
    index.maybeAppend(900, 6); // smaller: skipped
    index.maybeAppend(2000, 9);
    expect(index.entries).toBe(2);
    expect(index.lookup(999)).toEqual({ timestamp: -1, offset: 0 });
    expect(index.lookup(1500)).toEqual({ timestamp: 1000, offset: 3 });
    expect(index.lookup(5000)).toEqual({ timestamp: 2000, offset: 9 });
    expect(index.lastEntry).toEqual({ timestamp: 2000, offset: 9 });
    index.trimToValidSize();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(24);
    expect([Number(bytes.readBigInt64BE(12)), bytes.readInt32BE(20)]).toEqual([2000, 9]);
    const reloaded = new TimeIndex(file, 0, 120);
    reloaded.truncateTo(9);
    expect(reloaded.lastEntry).toEqual({ timestamp: 1000, offset: 3 });
  });

  it('keeps the last slot for the entry written at roll', () => {
    const index = new TimeIndex(path.join(tempDir(), '00000000000000000000.timeindex'), 0, 36);
    index.maybeAppend(1, 1);
    index.maybeAppend(2, 2);
    expect(index.isFull()).toBe(true);
    expect(() => index.maybeAppend(3, 3)).toThrow();
    index.maybeAppend(3, 3, true);
    expect(index.entries).toBe(3);
  });
});
