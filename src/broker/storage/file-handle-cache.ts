import * as fs from 'node:fs';

/** Something holding one open file descriptor that it can give back and reopen on its next use. */
export interface EvictableFile {
  /** Closes the descriptor without changing the file (the owner reopens it when needed). */
  releaseHandle(): void;
}

/** The default of streamwright.log.max.open.files. */
export const DEFAULT_MAX_OPEN_FILES = 4096;

/**
 * The open segment and index files of a broker, least recently used first, capped at
 * `maxOpen` (streamwright.log.max.open.files; Kafka has no such cap and relies on a high
 * descriptor limit). Opening past the cap closes the least recently used file first, and an
 * EMFILE/ENFILE from the OS (the process is out of descriptors anyway, e.g. sockets) closes
 * files and retries, so a descriptor limit never surfaces as a client error while files can
 * be closed.
 */
export class FileHandleCache {
  /** Every cache of the process: they share its descriptor limit. */
  private static readonly all = new Set<WeakRef<FileHandleCache>>();
  /** Map order is use order: the first key is the least recently used. */
  private readonly open = new Map<EvictableFile, number>();
  private cap: number;

  constructor(readonly maxOpen: number = DEFAULT_MAX_OPEN_FILES) {
    if (!Number.isInteger(maxOpen) || maxOpen < 1) throw new RangeError(`the open file cap must be a positive integer, not ${maxOpen}`);
    this.cap = maxOpen;
    FileHandleCache.all.add(new WeakRef(this));
  }

  /**
   * Frees descriptors after an EMFILE/ENFILE anywhere in the storage code: each cache closes
   * an eighth of its files and lowers its cap to what it keeps, so that the process keeps
   * that headroom for sockets and small files from now on. False when nothing was open.
   */
  static releaseDescriptors(): boolean {
    let freed = false;
    for (const ref of FileHandleCache.all) {
      const cache = ref.deref();
      if (cache === undefined) FileHandleCache.all.delete(ref);
      else if (cache.shrink(null)) freed = true;
    }
    return freed;
  }

  /** The cap in force: streamwright.log.max.open.files, lowered after the process ran out of descriptors. */
  get effectiveCap(): number {
    return this.cap;
  }

  /** Files open now. */
  get size(): number {
    return this.open.size;
  }

  /** Opens `path` for `owner`, closing others as needed. */
  openFile(owner: EvictableFile, path: string, flags: string): number {
    while (this.open.size >= this.cap) this.evictOldest(owner);
    for (;;) {
      try {
        const fd = fs.openSync(path, flags);
        this.open.set(owner, fd);
        return fd;
      } catch (error) {
        if (!isOutOfDescriptors(error) || !(this.shrink(owner) || FileHandleCache.releaseDescriptors())) throw error;
      }
    }
  }

  /** Marks `owner`'s file as just used. */
  touch(owner: EvictableFile): void {
    const fd = this.open.get(owner);
    if (fd === undefined) return;
    this.open.delete(owner);
    this.open.set(owner, fd);
  }

  /** The owner closed its file itself. */
  closed(owner: EvictableFile): void {
    this.open.delete(owner);
  }

  private evictOldest(except: EvictableFile | null): boolean {
    for (const owner of this.open.keys()) {
      if (owner === except) continue;
      this.open.delete(owner);
      owner.releaseHandle();
      return true;
    }
    return false;
  }

  /** Out of descriptors: closes an eighth of what is open (at least one) and keeps the cap below what remains. */
  private shrink(except: EvictableFile | null): boolean {
    let freed = 0;
    const wanted = Math.max(1, this.open.size >> 3);
    while (freed < wanted && this.evictOldest(except)) freed++;
    if (freed > 0) this.cap = Math.max(1, Math.min(this.cap, this.open.size + 1));
    return freed > 0;
  }
}

function isOutOfDescriptors(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/**
 * Runs file I/O that opens a descriptor of its own (a small file read or written whole, a
 * directory listing): when the process is out of descriptors, the segment files' caches give
 * some back and it runs again.
 */
export function withDescriptors<T>(io: () => T): T {
  for (;;) {
    try {
      return io();
    } catch (error) {
      if (!isOutOfDescriptors(error) || !FileHandleCache.releaseDescriptors()) throw error;
    }
  }
}

/** What files share when nobody passes a cache (a PartitionLog opened on its own, tests). */
export const defaultFileHandleCache = new FileHandleCache();
