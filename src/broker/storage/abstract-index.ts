import * as fs from 'node:fs';
import { fsyncFile } from './atomic-file.js';
import { defaultFileHandleCache, withDescriptors, type EvictableFile, type FileHandleCache } from './file-handle-cache.js';
import { unlinkIfExists } from './unlink-if-exists.js';

/**
 * What Kafka's AbstractIndex does for `.index` and `.timeindex`: a file of fixed-size
 * entries, preallocated to `segment.index.bytes` while the segment is active and trimmed to
 * its entries when the segment rolls or closes.
 *
 * Entries are also kept in memory (typed arrays): lookups never touch the file, which exists
 * for a Kafka-compatible layout and fast restarts. The file is loaded lazily on first use and
 * created with the first entry written: an index without entries (a new or small segment)
 * has no file, which recovery reads as empty. While entries are written it is preallocated
 * and open, through the broker's {@link FileHandleCache}, which may close it when other files
 * need the descriptor (the next write reopens it); inactive segments' indexes hold none.
 */
export abstract class AbstractIndex implements EvictableFile {
  /** Entries the preallocated file can hold. */
  readonly maxEntries: number;
  protected count = 0;
  private loaded = false;
  private fd: number | null = null;
  /** The file on disk is longer than its entries (preallocated), whether open or not. */
  private preallocated = false;
  /** Written since the last fsync. */
  private dirty = false;

  protected constructor(
    private path: string,
    readonly baseOffset: number,
    readonly maxIndexSize: number,
    protected readonly entrySize: number,
    private readonly files: FileHandleCache = defaultFileHandleCache,
  ) {
    this.maxEntries = Math.floor(maxIndexSize / entrySize);
  }

  get file(): string {
    return this.path;
  }

  /** Number of entries (loads the file on first use). */
  get entries(): number {
    this.ensureLoaded();
    return this.count;
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Bytes of valid entries. */
  get sizeInBytes(): number {
    return this.entries * this.entrySize;
  }

  /** Parses the file's valid prefix into memory; returns how many entries were valid. */
  protected abstract parseEntries(data: Buffer, count: number): number;
  /** Drops in-memory entries past `count` (the subclass resets its arrays as it likes). */
  protected abstract onTruncate(count: number): void;

  protected ensureLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    let data: Buffer;
    try {
      data = withDescriptors(() => fs.readFileSync(this.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    this.count = this.parseEntries(data, Math.min(Math.floor(data.length / this.entrySize), this.maxEntries));
  }

  /** Forgets what was loaded and starts empty, without reading the file (the caller rebuilds it). */
  reset(): void {
    this.loaded = true;
    this.count = 0;
    this.onTruncate(0);
    // Old entries must not survive: the file is emptied (the next write preallocates it again).
    if (this.fd !== null) {
      fs.ftruncateSync(this.fd, 0);
      this.preallocated = false;
      this.dirty = true;
    } else if (fs.existsSync(this.path)) {
      fs.truncateSync(this.path, 0);
      this.preallocated = false;
    }
  }

  protected writeEntry(entry: Buffer): void {
    const fd = this.openForWrite();
    fs.writeSync(fd, entry, 0, entry.length, this.count * this.entrySize);
    this.count++;
    this.dirty = true;
  }

  /** Keeps the first `count` entries (in memory and on disk: stale entries must not survive a reload). */
  protected truncateToEntries(count: number): void {
    this.ensureLoaded();
    if (count >= this.count) return;
    this.count = count;
    this.onTruncate(count);
    this.truncateFile(count * this.entrySize);
  }

  private truncateFile(bytes: number): void {
    if (this.fd !== null) {
      fs.ftruncateSync(this.fd, bytes);
      // Re-extend so the active index stays preallocated (zero-filled past the entries).
      fs.ftruncateSync(this.fd, this.maxEntries * this.entrySize);
      this.dirty = true;
    } else if (fs.existsSync(this.path)) {
      fs.truncateSync(this.path, bytes);
      this.preallocated = false;
    }
  }

  private openForWrite(): number {
    if (this.fd !== null) {
      this.files.touch(this);
      return this.fd;
    }
    this.ensureLoaded();
    const fd = this.files.openFile(this, this.path, fs.existsSync(this.path) ? 'r+' : 'w+');
    this.fd = fd;
    if (!this.preallocated) {
      // Drop anything past the valid entries (a torn or zeroed tail) before preallocating.
      fs.ftruncateSync(fd, this.count * this.entrySize);
      fs.ftruncateSync(fd, this.maxEntries * this.entrySize);
      this.preallocated = true;
    }
    return fd;
  }

  /** The cache needs the descriptor: closed as is (still preallocated); the next write reopens it. */
  releaseHandle(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  /** Cuts the file to its entries and releases the file descriptor (Kafka's trimToValidSize on roll). */
  trimToValidSize(): void {
    if (this.fd !== null) {
      fs.ftruncateSync(this.fd, this.count * this.entrySize);
      this.closeHandler();
    } else if (this.preallocated) {
      fs.truncateSync(this.path, this.count * this.entrySize);
    }
    this.preallocated = false;
  }

  /** Creates the file, empty, when it does not exist (an inactive segment's index without entries). */
  createIfMissing(): void {
    if (this.fd === null && !fs.existsSync(this.path)) fs.closeSync(withDescriptors(() => fs.openSync(this.path, 'w')));
  }

  /** Whether something was written since the last flush. */
  get needsFlush(): boolean {
    return this.dirty;
  }

  flush(): void {
    if (!this.dirty) return;
    if (this.fd !== null) fs.fsyncSync(this.fd);
    else fsyncFile(this.path);
    this.dirty = false;
  }

  close(): void {
    this.trimToValidSize();
  }

  /** Releases the file descriptor without trimming (the segment is being deleted). */
  closeHandler(): void {
    this.files.closed(this);
    this.releaseHandle();
  }

  renameTo(path: string): void {
    if (fs.existsSync(this.path)) fs.renameSync(this.path, path);
    this.path = path;
  }

  deleteIfExists(): boolean {
    this.closeHandler();
    return unlinkIfExists(this.path);
  }

  /** Whether the file exists on disk. */
  exists(): boolean {
    return fs.existsSync(this.path);
  }
}

/** Doubles a typed array's capacity until it holds `needed` elements. */
export function growInt32(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array;
  const next = new Int32Array(Math.max(needed, array.length * 2, 16));
  next.set(array);
  return next;
}

export function growFloat64(array: Float64Array, needed: number): Float64Array {
  if (needed <= array.length) return array;
  const next = new Float64Array(Math.max(needed, array.length * 2, 16));
  next.set(array);
  return next;
}
