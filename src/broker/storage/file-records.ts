import * as fs from 'node:fs';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  MIN_BATCH_LENGTH,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORDS_COUNT_OFFSET,
} from '../../protocol/records/index.js';
import { unlinkIfExists } from './unlink-if-exists.js';

/** The header fields of a stored batch the log needs, as numbers, and where it sits in the file. */
export interface FileBatch {
  position: number;
  /** batchLength + LOG_OVERHEAD. */
  size: number;
  baseOffset: number;
  lastOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  maxTimestamp: number;
  recordsCount: number;
  /** -1 when the batch has no producer (ids are below 2^53 in practice). */
  producerId: number;
  /** The whole batch (only when iterated `withData`). */
  data: Buffer | null;
}

export interface BatchIterationOptions {
  /** Exclusive end position (default: the file size). */
  end?: number;
  /** Read each batch's bytes (default false: headers only). */
  withData?: boolean;
}

/** Reads the header fields at `at` of a buffer holding at least RECORD_BATCH_HEADER_SIZE bytes there. */
export function readFileBatchHeader(buf: Buffer, at: number, position: number): FileBatch {
  const baseOffset = Number(buf.readBigInt64BE(at));
  return {
    position,
    size: buf.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD,
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH_OFFSET),
    attributes: buf.readInt16BE(at + ATTRIBUTES_OFFSET),
    maxTimestamp: Number(buf.readBigInt64BE(at + MAX_TIMESTAMP_OFFSET)),
    recordsCount: buf.readInt32BE(at + RECORDS_COUNT_OFFSET),
    producerId: Number(buf.readBigInt64BE(at + PRODUCER_ID_OFFSET)),
    data: null,
  };
}

const HEADER_CHUNK = 8 * 1024;
const DATA_CHUNK = 256 * 1024;

/**
 * Kafka's FileRecords: a segment's `.log` file of record batches, appended and read with
 * synchronous positional I/O on a descriptor kept open for the segment's life.
 */
export class FileRecords {
  private size: number;

  private constructor(
    private path: string,
    private fd: number | null,
  ) {
    this.size = fs.fstatSync(fd!).size;
  }

  /** Opens (creating it when `create`) the file. */
  static open(path: string, create: boolean): FileRecords {
    const fd = fs.openSync(path, create ? (fs.existsSync(path) ? 'r+' : 'w+') : 'r+');
    return new FileRecords(path, fd);
  }

  get file(): string {
    return this.path;
  }

  get sizeInBytes(): number {
    return this.size;
  }

  private handle(): number {
    if (this.fd === null) throw new Error(`log file ${this.path} is closed`);
    return this.fd;
  }

  /** Appends `data` at the end; returns the bytes written. */
  append(data: Buffer): number {
    const fd = this.handle();
    let written = 0;
    while (written < data.length) {
      written += fs.writeSync(fd, data, written, data.length - written, this.size + written);
    }
    this.size += data.length;
    return data.length;
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Buffer {
    const fd = this.handle();
    const wanted = Math.max(0, Math.min(length, this.size - position));
    const out = Buffer.allocUnsafe(wanted);
    let got = 0;
    while (got < wanted) {
      const n = fs.readSync(fd, out, got, wanted - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === wanted ? out : out.subarray(0, got);
  }

  /** Cuts the file to `size` bytes; returns the bytes removed. */
  truncateTo(size: number): number {
    if (size < 0 || size > this.size) throw new RangeError(`cannot truncate ${this.path} of ${this.size} bytes to ${size}`);
    const removed = this.size - size;
    if (removed > 0) fs.ftruncateSync(this.handle(), size);
    this.size = size;
    return removed;
  }

  flush(): void {
    if (this.fd !== null) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  get isOpen(): boolean {
    return this.fd !== null;
  }

  renameTo(path: string): void {
    fs.renameSync(this.path, path);
    this.path = path;
  }

  deleteIfExists(): boolean {
    this.close();
    return unlinkIfExists(this.path);
  }

  lastModified(): number {
    return fs.fstatSync(this.handle()).mtimeMs;
  }

  setLastModified(ms: number): void {
    const seconds = ms / 1000;
    fs.futimesSync(this.handle(), seconds, seconds);
  }

  /**
   * Iterates the complete batches from `start` in file order, reading in chunks. Stops at the
   * end, at a torn tail or at framing that cannot be a magic 2 batch: the caller compares the
   * last batch's end with the file size when that matters (recovery).
   */
  *batches(start = 0, options: BatchIterationOptions = {}): Generator<FileBatch, void, undefined> {
    const end = Math.min(options.end ?? this.size, this.size);
    const withData = options.withData ?? false;
    const chunk = withData ? DATA_CHUNK : HEADER_CHUNK;
    let window: Buffer = Buffer.alloc(0);
    let windowStart = 0;
    const ensure = (position: number, length: number): boolean => {
      if (position + length > end) return false;
      if (position >= windowStart && position + length <= windowStart + window.length) return true;
      window = this.read(position, Math.min(Math.max(length, chunk), end - position));
      windowStart = position;
      return window.length >= length;
    };
    let position = start;
    while (position < end) {
      if (!ensure(position, RECORD_BATCH_HEADER_SIZE)) return;
      const at = position - windowStart;
      const batchLength = window.readInt32BE(at + BATCH_LENGTH_OFFSET);
      if (batchLength < MIN_BATCH_LENGTH || window.readInt8(at + MAGIC_OFFSET) !== CURRENT_MAGIC) return;
      const batch = readFileBatchHeader(window, at, position);
      if (position + batch.size > end) return;
      if (withData) {
        if (!ensure(position, batch.size)) return;
        const from = position - windowStart;
        batch.data = window.subarray(from, from + batch.size);
      }
      yield batch;
      position += batch.size;
    }
  }

  /** The first batch whose last offset is >= `targetOffset`, scanning from `startingPosition`. */
  searchForOffset(targetOffset: number, startingPosition: number): FileBatch | null {
    for (const batch of this.batches(startingPosition)) {
      if (batch.lastOffset >= targetOffset) return batch;
    }
    return null;
  }
}
