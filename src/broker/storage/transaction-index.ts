import * as fs from 'node:fs';
import * as path from 'node:path';
import { TXN_INDEX_FILE_SUFFIX, filenamePrefixFromOffset } from './log-file-names.js';
import { defaultFileHandleCache, withDescriptors, type EvictableFile, type FileHandleCache } from './file-handle-cache.js';
import { unlinkIfExists } from './unlink-if-exists.js';

/** One aborted transaction of a partition, as Kafka's AbortedTxn. */
export interface AbortedTxn {
  producerId: number;
  /** Offset of the transaction's first batch. */
  firstOffset: number;
  /** Offset of its ABORT marker. */
  lastOffset: number;
  /** The partition's last stable offset when the marker was written. */
  lastStableOffset: number;
}

/** An entry: version int16, producerId int64, firstOffset int64, lastOffset int64, lastStableOffset int64. */
export const ABORTED_TXN_ENTRY_SIZE = 34;
const ENTRY_VERSION = 0;

export function txnIndexFileName(dir: string, baseOffset: number, suffix = ''): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + TXN_INDEX_FILE_SUFFIX + suffix);
}

/**
 * Kafka's TransactionIndex: the `.txnindex` of a segment lists the transactions aborted by a
 * marker in that segment, in marker order. A read_committed fetch collects the entries that
 * overlap what it returns so the consumer can drop the aborted records. The file is created
 * on the first entry; its entries are cached (they are few: one per aborted transaction).
 */
export class TransactionIndex implements EvictableFile {
  private cached: AbortedTxn[] | null = null;
  private fd: number | null = null;
  /** Written since the last fsync (the descriptor may have been closed by the file cache meanwhile). */
  private dirty = false;

  constructor(
    private filePath: string,
    readonly startOffset: number,
    private readonly files: FileHandleCache = defaultFileHandleCache,
  ) {}

  get file(): string {
    return this.filePath;
  }

  exists(): boolean {
    return fs.existsSync(this.filePath);
  }

  /** All entries, in file order. */
  get entries(): readonly AbortedTxn[] {
    return this.load();
  }

  append(txn: AbortedTxn): void {
    const entries = this.load();
    const last = entries.at(-1);
    if (last !== undefined && last.lastOffset >= txn.lastOffset) {
      throw new Error(`aborted transaction at ${txn.lastOffset} does not follow the last one at ${last.lastOffset} in ${this.filePath}`);
    }
    const buf = Buffer.alloc(ABORTED_TXN_ENTRY_SIZE);
    buf.writeInt16BE(ENTRY_VERSION, 0);
    buf.writeBigInt64BE(BigInt(txn.producerId), 2);
    buf.writeBigInt64BE(BigInt(txn.firstOffset), 10);
    buf.writeBigInt64BE(BigInt(txn.lastOffset), 18);
    buf.writeBigInt64BE(BigInt(txn.lastStableOffset), 26);
    const fd = this.handle();
    fs.writeSync(fd, buf, 0, buf.length, entries.length * ABORTED_TXN_ENTRY_SIZE);
    this.dirty = true;
    entries.push({ ...txn });
  }

  /**
   * Kafka's collectAbortedTxns: entries that overlap [fetchOffset, upperBoundOffset). Complete
   * when an entry shows that everything below the upper bound was stable when it was
   * written: later segments cannot hold more overlapping transactions then.
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): { aborted: AbortedTxn[]; isComplete: boolean } {
    const aborted: AbortedTxn[] = [];
    for (const txn of this.load()) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) aborted.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return { aborted, isComplete: true };
    }
    return { aborted, isComplete: false };
  }

  /** Removes the entries whose marker is at or after `offset` (segment truncation). */
  truncateTo(offset: number): void {
    const entries = this.load();
    const kept = entries.findIndex((t) => t.lastOffset >= offset);
    if (kept < 0) return;
    entries.length = kept;
    if (this.exists()) fs.truncateSync(this.filePath, kept * ABORTED_TXN_ENTRY_SIZE);
  }

  /** Empties the index (its segment is being recovered and the entries rebuilt). */
  reset(): void {
    this.cached = [];
    if (this.exists()) fs.truncateSync(this.filePath, 0);
  }

  flush(): void {
    if (!this.dirty) return;
    fs.fsyncSync(this.handle());
    this.dirty = false;
  }

  close(): void {
    this.files.closed(this);
    this.releaseHandle();
  }

  releaseHandle(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  /** Renames the file when there is one (an index without entries has no file). */
  renameTo(file: string): void {
    this.close();
    try {
      fs.renameSync(this.filePath, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.filePath = file;
  }

  deleteIfExists(): void {
    this.close();
    unlinkIfExists(this.filePath);
  }

  private handle(): number {
    if (this.fd === null) this.fd = this.files.openFile(this, this.filePath, fs.existsSync(this.filePath) ? 'r+' : 'w+');
    else this.files.touch(this);
    return this.fd;
  }

  private load(): AbortedTxn[] {
    if (this.cached !== null) return this.cached;
    const entries: AbortedTxn[] = [];
    let bytes: Buffer;
    try {
      bytes = withDescriptors(() => fs.readFileSync(this.filePath));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return (this.cached = entries);
    }
    let valid = 0;
    for (let at = 0; at + ABORTED_TXN_ENTRY_SIZE <= bytes.length; at += ABORTED_TXN_ENTRY_SIZE) {
      if (bytes.readInt16BE(at) !== ENTRY_VERSION) break;
      const txn = {
        producerId: Number(bytes.readBigInt64BE(at + 2)),
        firstOffset: Number(bytes.readBigInt64BE(at + 10)),
        lastOffset: Number(bytes.readBigInt64BE(at + 18)),
        lastStableOffset: Number(bytes.readBigInt64BE(at + 26)),
      };
      if (entries.length > 0 && txn.lastOffset <= entries.at(-1)!.lastOffset) break;
      entries.push(txn);
      valid = at + ABORTED_TXN_ENTRY_SIZE;
    }
    // A torn last entry (or garbage) is cut so that appends continue after the valid ones.
    if (valid < bytes.length) fs.truncateSync(this.filePath, valid);
    return (this.cached = entries);
  }
}
