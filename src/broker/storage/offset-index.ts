import { AbstractIndex, growInt32 } from './abstract-index.js';
import { KafkaStorageError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';

/** An offset and the file position of the batch to start scanning from. */
export interface OffsetPosition {
  offset: number;
  position: number;
}

const ENTRY_SIZE = 8;

/**
 * Kafka's `.index`: sparse entries of (offset relative to the segment's base offset int32,
 * file position int32). An entry (o, p) says the batch whose last offset is o starts at p;
 * one is added after every `index.interval.bytes` of log. Offsets and positions strictly grow.
 */
export class OffsetIndex extends AbstractIndex {
  private relativeOffsets: Int32Array = new Int32Array(0);
  private positions: Int32Array = new Int32Array(0);

  constructor(file: string, baseOffset: number, maxIndexSize: number, files?: FileHandleCache) {
    super(file, baseOffset, maxIndexSize, ENTRY_SIZE, files);
  }

  protected parseEntries(data: Buffer, count: number): number {
    this.relativeOffsets = new Int32Array(count);
    this.positions = new Int32Array(count);
    let previousOffset = -1;
    let previousPosition = 0;
    for (let i = 0; i < count; i++) {
      const relative = data.readInt32BE(i * ENTRY_SIZE);
      const position = data.readInt32BE(i * ENTRY_SIZE + 4);
      // Real entries never sit at position 0, so zeroes mark the preallocated tail.
      if (relative <= previousOffset || position <= previousPosition) return i;
      this.relativeOffsets[i] = relative;
      this.positions[i] = position;
      previousOffset = relative;
      previousPosition = position;
    }
    return count;
  }

  protected onTruncate(count: number): void {
    if (count === 0) {
      this.relativeOffsets = new Int32Array(0);
      this.positions = new Int32Array(0);
    }
  }

  /** The last indexed offset, or the base offset when the index is empty. */
  get lastOffset(): number {
    const n = this.entries;
    return n === 0 ? this.baseOffset : this.baseOffset + this.relativeOffsets[n - 1]!;
  }

  get lastPosition(): number {
    const n = this.entries;
    return n === 0 ? 0 : this.positions[n - 1]!;
  }

  entry(i: number): OffsetPosition {
    if (i < 0 || i >= this.entries) throw new RangeError(`index entry ${i} out of range [0, ${this.entries})`);
    return { offset: this.baseOffset + this.relativeOffsets[i]!, position: this.positions[i]! };
  }

  append(offset: number, position: number): void {
    const n = this.entries;
    if (n >= this.maxEntries) throw new KafkaStorageError(`attempt to append to a full index ${this.file} (${n} entries)`);
    const relative = offset - this.baseOffset;
    if (n > 0 && (relative <= this.relativeOffsets[n - 1]! || position <= this.positions[n - 1]!)) {
      throw new KafkaStorageError(`index entry (${offset}, ${position}) does not follow (${this.lastOffset}, ${this.lastPosition}) in ${this.file}`);
    }
    if (relative < 0 || relative > 0x7fffffff) throw new KafkaStorageError(`offset ${offset} does not fit the index of base offset ${this.baseOffset}`);
    const entry = Buffer.allocUnsafe(ENTRY_SIZE);
    entry.writeInt32BE(relative, 0);
    entry.writeInt32BE(position, 4);
    this.writeEntry(entry);
    this.relativeOffsets = growInt32(this.relativeOffsets, n + 1);
    this.positions = growInt32(this.positions, n + 1);
    this.relativeOffsets[n] = relative;
    this.positions[n] = position;
  }

  /** The entry with the largest offset <= `targetOffset`, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const i = this.largestLowerBound(targetOffset - this.baseOffset);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.relativeOffsets[i]!, position: this.positions[i]! };
  }

  /** Removes every entry whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    const relative = offset - this.baseOffset;
    const i = this.largestLowerBound(relative - 1);
    this.truncateToEntries(i + 1);
  }

  /** Index of the last entry with relative offset <= `relative`, or -1. */
  private largestLowerBound(relative: number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relativeOffsets[mid]! <= relative) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
