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
  /** Map order is use order: the first key is the least recently used. */
  private readonly open = new Map<EvictableFile, number>();

  constructor(readonly maxOpen: number = DEFAULT_MAX_OPEN_FILES) {
    if (!Number.isInteger(maxOpen) || maxOpen < 1) throw new RangeError(`the open file cap must be a positive integer, not ${maxOpen}`);
  }

  /** Files open now. */
  get size(): number {
    return this.open.size;
  }

  /** Opens `path` for `owner`, closing others as needed. */
  openFile(owner: EvictableFile, path: string, flags: string): number {
    while (this.open.size >= this.maxOpen) this.evictOldest(owner);
    for (;;) {
      try {
        const fd = fs.openSync(path, flags);
        this.open.set(owner, fd);
        return fd;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'EMFILE' && code !== 'ENFILE') || !this.evictForRetry(owner)) throw error;
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

  private evictOldest(except: EvictableFile): boolean {
    for (const owner of this.open.keys()) {
      if (owner === except) continue;
      this.open.delete(owner);
      owner.releaseHandle();
      return true;
    }
    return false;
  }

  /** Out of descriptors: frees an eighth of what is open (at least one) before the retry. */
  private evictForRetry(except: EvictableFile): boolean {
    let freed = 0;
    const wanted = Math.max(1, this.open.size >> 3);
    while (freed < wanted && this.evictOldest(except)) freed++;
    return freed > 0;
  }
}

/** What files share when nobody passes a cache (a PartitionLog opened on its own, tests). */
export const defaultFileHandleCache = new FileHandleCache();
