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
import { defaultFileHandleCache, type EvictableFile, type FileHandleCache } from './file-handle-cache.js';
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
 * synchronous positional I/O. The descriptor is opened on first use and may be closed by the
 * broker's {@link FileHandleCache} when other files need it; the next use reopens it. Data
 * written through a closed descriptor stays in the page cache: `flush` fsyncs the file
 * (reopening it) whenever something was written since the last flush.
 */
export class FileRecords implements EvictableFile {
  private size: number;
  private fd: number | null = null;
  private closed = false;
  /**
   * Written (or truncated) since the last fsync. An existing file starts dirty: a previous
   * run may have left unflushed pages (the recovery point says whether flushes reach it).
   */
  private dirty: boolean;

  private constructor(
    private path: string,
    private readonly files: FileHandleCache,
    size: number,
  ) {
    this.size = size;
    this.dirty = size > 0;
  }

  /**
   * Opens the file: with `create`, a new empty file (the caller knows none is there: a segment
   * is created in a new directory or after its leftovers were removed); otherwise an existing
   * file, only stat'ed until it is used.
   */
  static open(path: string, create: boolean, files: FileHandleCache = defaultFileHandleCache): FileRecords {
    if (create) {
      const records = new FileRecords(path, files, 0);
      records.fd = files.openFile(records, path, 'w+');
      return records;
    }
    return new FileRecords(path, files, fs.statSync(path).size);
  }

  get file(): string {
    return this.path;
  }

  get sizeInBytes(): number {
    return this.size;
  }

  /** Whether a descriptor is open right now (tests of the open-file cap). */
  get hasHandle(): boolean {
    return this.fd !== null;
  }

  private handle(): number {
    if (this.closed) throw new Error(`log file ${this.path} is closed`);
    if (this.fd === null) this.fd = this.files.openFile(this, this.path, 'r+');
    else this.files.touch(this);
    return this.fd;
  }

  releaseHandle(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  /** Appends `data` at the end; returns the bytes written. */
  append(data: Buffer): number {
    const fd = this.handle();
    let written = 0;
    while (written < data.length) {
      written += fs.writeSync(fd, data, written, data.length - written, this.size + written);
    }
    this.size += data.length;
    this.dirty = true;
    return data.length;
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Buffer {
    const wanted = Math.max(0, Math.min(length, this.size - position));
    if (wanted === 0) return Buffer.alloc(0);
    const fd = this.handle();
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
    if (removed > 0) {
      fs.ftruncateSync(this.handle(), size);
      this.dirty = true;
    }
    this.size = size;
    return removed;
  }

  /** Whether something was written since the last flush. */
  get needsFlush(): boolean {
    return this.dirty && !this.closed;
  }

  /** fsyncs what was written since the last flush (nothing to do otherwise). */
  flush(): void {
    if (!this.needsFlush) return;
    fs.fsyncSync(this.handle());
    this.dirty = false;
  }

  /** flush() on the thread pool, so that many files can be flushed at once. */
  async flushAsync(): Promise<void> {
    if (!this.needsFlush) return;
    const fd = this.handle();
    this.dirty = false;
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  close(): void {
    this.closed = true;
    this.files.closed(this);
    this.releaseHandle();
  }

  get isOpen(): boolean {
    return !this.closed;
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
    return fs.statSync(this.path).mtimeMs;
  }

  setLastModified(ms: number): void {
    const seconds = ms / 1000;
    fs.utimesSync(this.path, seconds, seconds);
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
