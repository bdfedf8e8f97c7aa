import * as fs from 'node:fs';
import { CorruptRecordBatchError, decodeRecordBatchSync, recordOffset, recordTimestamp, validateBatch } from '../../protocol/records/index.js';
import { KafkaStorageError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';
import { FileRecords, type FileBatch } from './file-records.js';
import { logFileName, offsetIndexFileName, timeIndexFileName } from './log-file-names.js';
import { OffsetIndex } from './offset-index.js';
import { NO_TIMESTAMP, TimeIndex, type TimestampOffset } from './time-index.js';
import { TransactionIndex, txnIndexFileName } from './transaction-index.js';

const INT_MAX = 0x7fffffff;

export interface LogSegmentOptions {
  /** Bytes of log between offset index entries (index.interval.bytes). */
  indexIntervalBytes: number;
  /** Preallocated index size (segment.index.bytes). */
  maxIndexSize: number;
  now: () => number;
  /** segment.jitter.ms: this segment rolls this much before segment.ms (Kafka draws it per segment). */
  rollJitterMs?: number;
  /** '' for a live segment, '.cleaned' / '.swap' while the cleaner builds a replacement. */
  fileSuffix?: string;
  /** The broker's cap on open files (default: one shared by every log of the process). */
  files?: FileHandleCache;
}

/** One batch of an append: where it sits in the appended buffer and the fields the indexes need. */
export interface SegmentBatch {
  position: number;
  size: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface RollParams {
  maxSegmentBytes: number;
  maxSegmentMs: number;
  /** Bytes about to be appended. */
  messagesSize: number;
  maxTimestampInMessages: number;
  maxOffsetInMessages: number;
  now: number;
}

/** A torn or corrupt tail that recovery cut from a segment. */
export interface SegmentTruncation {
  /** File position of the cut: the end of the last valid batch. */
  position: number;
  bytes: number;
  /** The segment's next offset after the cut: records from here on are lost. */
  nextOffset: number;
  /** The offsets the first cut batch's header claims, when it is readable and plausible. */
  claimedOffsets: { first: number; last: number } | null;
}

/** A record found by timestamp: ListOffsets' answer. */
export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
  /** The leader epoch of its batch (-1 when unknown). */
  leaderEpoch: number;
}

export interface SegmentRead {
  /** File position of the first returned batch. */
  position: number;
  /** Whole stored batches, byte for byte. */
  records: Buffer;
}

/**
 * Kafka's LogSegment: a `.log` file of record batches plus its sparse `.index` and
 * `.timeindex`, all named by the segment's base offset, and the `.txnindex` of the
 * transactions aborted by markers in the segment (only created when there is one). Every
 * offset in the segment fits in an int32 relative to the base offset.
 */
export class LogSegment {
  readonly log: FileRecords;
  /** Aborted transactions whose ABORT marker is in this segment. */
  readonly txnIndex: TransactionIndex;
  private readonly offsetIndexFile: OffsetIndex;
  private readonly timeIndexFile: TimeIndex;
  private indexesChecked: boolean;
  private bytesSinceLastIndexEntry = 0;
  /** The first batch's max timestamp, basis of segment.ms (loaded lazily). */
  private rollingBasedTimestamp: number | null = null;
  /** What the last recovery cut from this segment (null when it cut nothing). */
  lastTruncation: SegmentTruncation | null = null;
  private maxTimestampAndOffset: TimestampOffset | null = null;
  private cachedNextOffset: number | null = null;
  /** When this segment object was created: segment.ms falls back to it for batches without timestamps. */
  private created: number;
  private suffix: string;

  private constructor(
    private readonly dir: string,
    readonly baseOffset: number,
    private readonly options: LogSegmentOptions,
    create: boolean,
  ) {
    this.suffix = options.fileSuffix ?? '';
    this.created = options.now();
    const files = options.files;
    this.log = FileRecords.open(logFileName(dir, baseOffset, this.suffix), create, files);
    // Index files appear with their first entry (see AbstractIndex): a new segment costs one file.
    this.offsetIndexFile = new OffsetIndex(offsetIndexFileName(dir, baseOffset, this.suffix), baseOffset, options.maxIndexSize, files);
    this.timeIndexFile = new TimeIndex(timeIndexFileName(dir, baseOffset, this.suffix), baseOffset, options.maxIndexSize, files);
    this.txnIndex = new TransactionIndex(txnIndexFileName(dir, baseOffset, this.suffix), baseOffset, files);
    this.indexesChecked = create;
  }

  /** Creates a new empty segment (truncating leftovers with the same name unless `mayHaveLeftovers` is false: a new directory). */
  static create(dir: string, baseOffset: number, options: LogSegmentOptions, mayHaveLeftovers = true): LogSegment {
    const suffix = options.fileSuffix ?? '';
    if (mayHaveLeftovers) for (const file of [logFileName(dir, baseOffset, suffix), offsetIndexFileName(dir, baseOffset, suffix), timeIndexFileName(dir, baseOffset, suffix), txnIndexFileName(dir, baseOffset, suffix)]) {
      fs.rmSync(file, { force: true });
    }
    return new LogSegment(dir, baseOffset, options, true);
  }

  /** Opens an existing segment. Its indexes are loaded (and checked, rebuilt if needed) on first use. */
  static open(dir: string, baseOffset: number, options: LogSegmentOptions): LogSegment {
    return new LogSegment(dir, baseOffset, options, false);
  }

  get fileSuffix(): string {
    return this.suffix;
  }

  get size(): number {
    return this.log.sizeInBytes;
  }

  get offsetIndex(): OffsetIndex {
    if (!this.indexesChecked) this.checkIndexes();
    return this.offsetIndexFile;
  }

  get timeIndex(): TimeIndex {
    if (!this.indexesChecked) this.checkIndexes();
    return this.timeIndexFile;
  }

  /** Whether both index files exist (index files appear with their first entry). */
  indexFilesExist(): boolean {
    return this.offsetIndexFile.exists() && this.timeIndexFile.exists();
  }

  /**
   * Kafka's sanity check, done on first use: an index whose entries point past the log is
   * rebuilt from the batch headers, and so is a missing one where the log is long enough to
   * have had entries (a small segment's indexes have no file).
   */
  private checkIndexes(): void {
    this.indexesChecked = true;
    const index = this.offsetIndexFile;
    const time = this.timeIndexFile;
    const missing = this.size > this.options.indexIntervalBytes && !this.indexFilesExist();
    const broken = missing || (index.entries > 0 && index.lastPosition >= this.size) || (time.entries > 0 && this.size === 0);
    if (broken) this.rebuildIndexes();
  }

  /** Rebuilds both indexes from the batch headers without validating or truncating anything. */
  rebuildIndexes(): void {
    this.scan(false);
  }

  canConvertToRelativeOffset(offset: number): boolean {
    const relative = offset - this.baseOffset;
    return relative >= 0 && relative <= INT_MAX;
  }

  /**
   * Appends batches (already assigned their offsets). `batches` describe the buffer's
   * batches in order, positions relative to the buffer.
   */
  append(records: Buffer, batches: readonly SegmentBatch[]): void {
    if (records.length === 0 || batches.length === 0) return;
    const physicalPosition = this.size;
    const last = batches[batches.length - 1]!;
    if (!this.canConvertToRelativeOffset(last.lastOffset)) {
      throw new KafkaStorageError(`offset ${last.lastOffset} does not fit segment ${this.baseOffset} (relative offsets are int32)`);
    }
    if (physicalPosition === 0) this.rollingBasedTimestamp = batches[0]!.maxTimestamp;
    const index = this.offsetIndex;
    const time = this.timeIndex;
    const max = this.maxTimestampSoFar();
    this.log.append(records);
    for (const batch of batches) {
      if (batch.maxTimestamp > max.timestamp) {
        max.timestamp = batch.maxTimestamp;
        max.offset = batch.lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > this.options.indexIntervalBytes) {
        // A full index only slows lookups down; the next append rolls the segment.
        if (!index.isFull()) index.append(batch.lastOffset, physicalPosition + batch.position);
        if (!time.isFull()) time.maybeAppend(max.timestamp, max.offset);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += batch.size;
    }
    this.cachedNextOffset = last.lastOffset + 1;
  }

  /** The segment's (max timestamp, last offset of its batch); (-1, baseOffset) when empty. Mutable in place. */
  private maxTimestampSoFar(): TimestampOffset {
    if (this.maxTimestampAndOffset === null) this.maxTimestampAndOffset = { ...this.timeIndex.lastEntry };
    return this.maxTimestampAndOffset;
  }

  get maxTimestamp(): number {
    return this.maxTimestampSoFar().timestamp;
  }

  /** Last offset of the batch holding the max timestamp. */
  get offsetOfMaxTimestamp(): number {
    return this.maxTimestampSoFar().offset;
  }

  /** What retention.ms compares: the max timestamp, or the file's mtime when no batch has one. */
  largestTimestamp(): number {
    const max = this.maxTimestamp;
    return max >= 0 ? max : this.log.lastModified();
  }

  lastModified(): number {
    return this.log.lastModified();
  }

  setLastModified(ms: number): void {
    this.log.setLastModified(ms);
  }

  /** The offset after the last batch (the base offset when empty). */
  get nextOffset(): number {
    if (this.cachedNextOffset === null) {
      let next = this.baseOffset;
      for (const batch of this.log.batches(this.offsetIndex.lastPosition)) next = batch.lastOffset + 1;
      this.cachedNextOffset = next;
    }
    return this.cachedNextOffset;
  }

  /** The first batch's max timestamp (what segment.ms and max.compaction.lag.ms measure from), or null when empty. */
  firstBatchTimestamp(): number | null {
    if (this.rollingBasedTimestamp === null && this.size > 0) {
      for (const batch of this.log.batches(0)) {
        this.rollingBasedTimestamp = batch.maxTimestamp;
        break;
      }
    }
    return this.rollingBasedTimestamp;
  }

  /** Kafka's timeWaitedForRoll: by record timestamps when the first batch has one, else by wall clock since creation. */
  timeWaitedForRoll(now: number, messageTimestamp: number): number {
    const first = this.firstBatchTimestamp();
    return first !== null && first >= 0 ? messageTimestamp - first : now - this.created;
  }

  shouldRoll(params: RollParams): boolean {
    const nonEmpty = this.size > 0;
    return (
      (nonEmpty && this.size > params.maxSegmentBytes - params.messagesSize) ||
      (nonEmpty && this.timeWaitedForRoll(params.now, params.maxTimestampInMessages) > params.maxSegmentMs - (this.options.rollJitterMs ?? 0)) ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      !this.canConvertToRelativeOffset(params.maxOffsetInMessages)
    );
  }

  /** The batch holding `offset` (the first whose last offset is >= it), or null past the end. */
  translateOffset(offset: number, startingPosition = 0): FileBatch | null {
    const mapping = this.offsetIndex.lookup(offset);
    return this.log.searchForOffset(offset, Math.max(mapping.position, startingPosition));
  }

  /**
   * Reads whole batches starting with the one holding `startOffset`, up to `maxSize` bytes
   * and never past `maxPosition`. With `minOneMessage` the first batch is returned even when
   * larger than `maxSize`. Null when `startOffset` is past this segment.
   */
  read(startOffset: number, maxSize: number, maxPosition = this.size, minOneMessage = false): SegmentRead | null {
    if (maxSize < 0) throw new RangeError(`invalid max size ${maxSize}`);
    const first = this.translateOffset(startOffset);
    if (first === null) return null;
    const limit = minOneMessage ? Math.max(maxSize, first.size) : maxSize;
    const fetchSize = Math.min(maxPosition - first.position, limit);
    if (fetchSize <= 0) return { position: first.position, records: Buffer.alloc(0) };
    const bytes = this.log.read(first.position, fetchSize);
    return { position: first.position, records: bytes.subarray(0, completeBatchesLength(bytes)) };
  }

  /**
   * The first record at or after `startingOffset` whose timestamp is >= `timestamp`. Decodes
   * (and decompresses) the one batch where it is found.
   */
  findOffsetByTimestamp(timestamp: number, startingOffset = this.baseOffset): TimestampAndOffset | null {
    const entry = this.timeIndex.lookup(timestamp);
    const position = this.offsetIndex.lookup(Math.max(entry.offset, startingOffset)).position;
    for (const batch of this.log.batches(position)) {
      if (batch.maxTimestamp < timestamp || batch.lastOffset < startingOffset) continue;
      const found = this.findRecord(batch, (ts, offset) => ts >= timestamp && offset >= startingOffset);
      if (found !== null) return found;
    }
    return null;
  }

  /** The first record carrying the segment's max timestamp (ListOffsets MAX_TIMESTAMP). */
  findMaxTimestampRecord(): TimestampAndOffset | null {
    const max = this.maxTimestampSoFar();
    if (max.timestamp === NO_TIMESTAMP) return null;
    const position = this.offsetIndex.lookup(max.offset).position;
    for (const batch of this.log.batches(position)) {
      if (batch.maxTimestamp !== max.timestamp) continue;
      const found = this.findRecord(batch, (ts) => ts === max.timestamp);
      if (found !== null) return found;
    }
    return null;
  }

  private findRecord(batch: FileBatch, matches: (timestamp: number, offset: number) => boolean): TimestampAndOffset | null {
    // One record: its offset and timestamp are the batch's (maxTimestamp is set from the record
    // on append), so nothing is decompressed; a compression bomb stored as one huge record is
    // then never inflated again by ListOffsets.
    if (batch.recordsCount === 1 && batch.baseOffset === batch.lastOffset) {
      return matches(batch.maxTimestamp, batch.baseOffset) ? { timestamp: batch.maxTimestamp, offset: batch.baseOffset, leaderEpoch: batch.partitionLeaderEpoch } : null;
    }
    const decoded = decodeRecordBatchSync(this.log.read(batch.position, batch.size), 0, { verifyCrc: false });
    for (const record of decoded.records) {
      const ts = Number(recordTimestamp(decoded, record));
      const offset = Number(recordOffset(decoded, record));
      if (matches(ts, offset)) return { timestamp: ts, offset, leaderEpoch: batch.partitionLeaderEpoch };
    }
    return null;
  }

  /**
   * Removes the batch holding `offset` and everything after it. Returns the bytes removed.
   * The segment may become the active one again: its indexes are re-preallocated on the next write.
   */
  truncateTo(offset: number): number {
    const first = this.translateOffset(offset);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.txnIndex.truncateTo(offset);
    if (first === null) return 0;
    const removed = this.log.truncateTo(first.position);
    if (this.size === 0) {
      this.created = this.options.now();
      this.rollingBasedTimestamp = null;
    }
    this.bytesSinceLastIndexEntry = 0;
    this.cachedNextOffset = null;
    this.reloadLargestTimestamp();
    return removed;
  }

  private reloadLargestTimestamp(): void {
    const last = this.timeIndex.lastEntry;
    const max = { ...last };
    for (const batch of this.log.batches(this.offsetIndex.lookup(last.offset).position)) {
      if (batch.maxTimestamp > max.timestamp) {
        max.timestamp = batch.maxTimestamp;
        max.offset = batch.lastOffset;
      }
    }
    this.maxTimestampAndOffset = max;
  }

  /**
   * Kafka's LogSegment.recover: re-reads every batch, checks its framing and CRC, rebuilds
   * both indexes and truncates the log after the last valid batch (and transaction index
   * entries past it). `onBatch` sees each valid batch in order, with its data (leader epochs,
   * producer state; the caller rebuilds the transaction index). Returns the bytes truncated.
   */
  /** Reads what it can of the data about to be cut: its size and the offsets its first batch header claims. */
  private describeCut(position: number, nextOffset: number): SegmentTruncation {
    const bytes = this.log.sizeInBytes - position;
    // A batch header: baseOffset int64 at 0 ... lastOffsetDelta int32 at 23.
    const header = this.log.read(position, 27);
    let claimedOffsets: { first: number; last: number } | null = null;
    if (header.length === 27) {
      const first = Number(header.readBigInt64BE(0));
      const last = first + header.readInt32BE(23);
      // Garbage (a torn write of zeroes, a corrupt header) claims nothing believable.
      if (first >= nextOffset && last >= first && last - first < 2 ** 31) claimedOffsets = { first, last };
    }
    return { position, bytes, nextOffset, claimedOffsets };
  }

  recover(onBatch?: (batch: FileBatch) => void): number {
    return this.scan(true, onBatch);
  }

  private scan(validate: boolean, onBatch?: (batch: FileBatch) => void): number {
    this.indexesChecked = true;
    const index = this.offsetIndexFile;
    const time = this.timeIndexFile;
    index.reset();
    time.reset();
    const max: TimestampOffset = { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    let validBytes = 0;
    let lastIndexEntry = 0;
    let next = this.baseOffset;
    for (const batch of this.log.batches(0, { withData: validate })) {
      if (validate) {
        try {
          validateBatch(batch.data!, 0, { verifyRecords: false });
        } catch (error) {
          if (error instanceof CorruptRecordBatchError) break;
          throw error;
        }
      }
      if (batch.baseOffset < next || batch.lastOffset < batch.baseOffset || !this.canConvertToRelativeOffset(batch.lastOffset)) break;
      if (batch.maxTimestamp > max.timestamp) {
        max.timestamp = batch.maxTimestamp;
        max.offset = batch.lastOffset;
      }
      if (validBytes - lastIndexEntry > this.options.indexIntervalBytes) {
        if (!index.isFull()) index.append(batch.lastOffset, validBytes);
        if (!time.isFull()) time.maybeAppend(max.timestamp, max.offset);
        lastIndexEntry = validBytes;
      }
      if (validBytes === 0) this.rollingBasedTimestamp = batch.maxTimestamp;
      validBytes += batch.size;
      next = batch.lastOffset + 1;
      onBatch?.(batch);
    }
    if (validate && this.log.sizeInBytes > validBytes) this.lastTruncation = this.describeCut(validBytes, next);
    const truncated = validate ? this.log.truncateTo(validBytes) : 0;
    if (validate) this.txnIndex.truncateTo(next);
    if (this.size === 0) this.rollingBasedTimestamp = null;
    this.bytesSinceLastIndexEntry = validBytes - lastIndexEntry;
    this.maxTimestampAndOffset = max;
    this.cachedNextOffset = next;
    if (max.timestamp !== NO_TIMESTAMP) time.maybeAppend(max.timestamp, max.offset, true);
    index.trimToValidSize();
    time.trimToValidSize();
    return truncated;
  }

  /**
   * Kafka's onBecomeInactiveSegment: final time index entry, indexes trimmed to their entries.
   * A rolled segment gets both index files even without entries (Kafka's layout); a closing
   * active one does not (an fsync-free file creation per partition would still slow a shutdown).
   */
  onBecomeInactiveSegment(createMissingFiles = true): void {
    const max = this.maxTimestampSoFar();
    if (max.timestamp !== NO_TIMESTAMP) this.timeIndex.maybeAppend(max.timestamp, max.offset, true);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    if (createMissingFiles) {
      this.offsetIndexFile.createIfMissing();
      this.timeIndexFile.createIfMissing();
    }
  }

  flush(): void {
    this.log.flush();
    this.offsetIndexFile.flush();
    this.timeIndexFile.flush();
    this.txnIndex.flush();
  }

  /**
   * flush() with the log's fsync on the thread pool (the part that holds data), so that a
   * shutdown flushes many segments at once. Indexes are rebuilt by recovery when needed.
   */
  async flushAsync(): Promise<void> {
    await this.log.flushAsync();
    this.offsetIndexFile.flush();
    this.timeIndexFile.flush();
    this.txnIndex.flush();
  }

  /** Clean close: final time index entry, trimmed indexes, descriptors released. */
  close(): void {
    if (this.log.isOpen) {
      if (this.indexesChecked || this.maxTimestampAndOffset !== null) this.onBecomeInactiveSegment(false);
      this.offsetIndexFile.close();
      this.timeIndexFile.close();
    }
    this.txnIndex.close();
    this.log.close();
  }

  /** Releases descriptors without touching the files. */
  closeHandlers(): void {
    this.offsetIndexFile.closeHandler();
    this.timeIndexFile.closeHandler();
    this.txnIndex.close();
    this.log.close();
  }

  /** Renames the three files from the current suffix to `suffix` ('' makes the segment live). */
  changeFileSuffix(suffix: string): void {
    // The .log goes last: recovery treats a `.log.swap` as "swap not finished" (see LogRecovery).
    this.offsetIndexFile.renameTo(offsetIndexFileName(this.dir, this.baseOffset, suffix));
    this.timeIndexFile.renameTo(timeIndexFileName(this.dir, this.baseOffset, suffix));
    this.txnIndex.renameTo(txnIndexFileName(this.dir, this.baseOffset, suffix));
    this.log.renameTo(logFileName(this.dir, this.baseOffset, suffix));
    this.suffix = suffix;
  }

  /** Deletes the files (after closing them). */
  deleteIfExists(): void {
    this.log.deleteIfExists();
    this.offsetIndexFile.deleteIfExists();
    this.timeIndexFile.deleteIfExists();
    this.txnIndex.deleteIfExists();
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this.size})`;
  }
}

/** Length of the complete batches at the start of `bytes` (a read cut at a byte limit ends mid-batch). */
export function completeBatchesLength(bytes: Buffer): number {
  let position = 0;
  while (position + 12 <= bytes.length) {
    const size = bytes.readInt32BE(position + 8) + 12;
    if (size < 12 || position + size > bytes.length) break;
    position += size;
  }
  return position;
}
