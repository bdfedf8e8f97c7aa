import { AbstractIndex, growFloat64, growInt32 } from './abstract-index.js';
import { KafkaStorageError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';

/** A timestamp and the offset it maps to; timestamp -1 means "none" (Kafka's NO_TIMESTAMP). */
export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

const ENTRY_SIZE = 12;
export const NO_TIMESTAMP = -1;

/**
 * Kafka's `.timeindex`: entries of (timestamp int64, offset relative to the base int32). An
 * entry (t, o) says every record up to offset o has a timestamp <= t. Entries are added only
 * when the segment's max timestamp grows, so timestamps strictly increase.
 */
export class TimeIndex extends AbstractIndex {
  private timestamps: Float64Array = new Float64Array(0);
  private relativeOffsets: Int32Array = new Int32Array(0);

  constructor(file: string, baseOffset: number, maxIndexSize: number, files?: FileHandleCache) {
    super(file, baseOffset, maxIndexSize, ENTRY_SIZE, files);
  }

  protected parseEntries(data: Buffer, count: number): number {
    this.timestamps = new Float64Array(count);
    this.relativeOffsets = new Int32Array(count);
    let previousTimestamp = NO_TIMESTAMP;
    let previousOffset = 0;
    for (let i = 0; i < count; i++) {
      const timestamp = Number(data.readBigInt64BE(i * ENTRY_SIZE));
      const relative = data.readInt32BE(i * ENTRY_SIZE + 8);
      // An all-zero entry is the preallocated tail (a record stamped 0 ms is not worth indexing).
      if ((timestamp === 0 && relative === 0) || timestamp <= previousTimestamp || relative < previousOffset) return i;
      this.timestamps[i] = timestamp;
      this.relativeOffsets[i] = relative;
      previousTimestamp = timestamp;
      previousOffset = relative;
    }
    return count;
  }

  protected onTruncate(count: number): void {
    if (count === 0) {
      this.timestamps = new Float64Array(0);
      this.relativeOffsets = new Int32Array(0);
    }
  }

  /** One slot stays free for the entry written when the segment rolls (as in Kafka). */
  override isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    const n = this.entries;
    if (n === 0) return { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    return { timestamp: this.timestamps[n - 1]!, offset: this.baseOffset + this.relativeOffsets[n - 1]! };
  }

  entry(i: number): TimestampOffset {
    if (i < 0 || i >= this.entries) throw new RangeError(`time index entry ${i} out of range [0, ${this.entries})`);
    return { timestamp: this.timestamps[i]!, offset: this.baseOffset + this.relativeOffsets[i]! };
  }

  /**
   * Appends (timestamp, offset) if the timestamp is larger than the last entry's. `skipFullCheck`
   * lets the roll write its final entry into the reserved slot.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    const n = this.entries;
    if (!skipFullCheck && this.isFull()) throw new KafkaStorageError(`attempt to append to a full time index ${this.file} (${n} entries)`);
    if (n >= this.maxEntries) return;
    const last = this.lastEntry;
    if (n > 0 && offset < last.offset) {
      throw new KafkaStorageError(`time index entry offset ${offset} is below the last entry's ${last.offset} in ${this.file}`);
    }
    if (timestamp <= last.timestamp) return;
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new KafkaStorageError(`offset ${offset} does not fit the time index of base offset ${this.baseOffset}`);
    const entry = Buffer.allocUnsafe(ENTRY_SIZE);
    entry.writeBigInt64BE(BigInt(timestamp), 0);
    entry.writeInt32BE(relative, 8);
    this.writeEntry(entry);
    this.timestamps = growFloat64(this.timestamps, n + 1);
    this.relativeOffsets = growInt32(this.relativeOffsets, n + 1);
    this.timestamps[n] = timestamp;
    this.relativeOffsets[n] = relative;
  }

  /** The entry with the largest timestamp <= `targetTimestamp`, or (-1, baseOffset). */
  lookup(targetTimestamp: number): TimestampOffset {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid]! <= targetTimestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    return { timestamp: this.timestamps[found]!, offset: this.baseOffset + this.relativeOffsets[found]! };
  }

  /** Removes every entry whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    const relative = offset - this.baseOffset;
    let keep = this.entries;
    while (keep > 0 && this.relativeOffsets[keep - 1]! >= relative) keep--;
    this.truncateToEntries(keep);
  }
}
