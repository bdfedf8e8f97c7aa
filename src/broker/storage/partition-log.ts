import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptRecordBatchError } from '../../protocol/records/index.js';
import { fsyncDirectory, fsyncDirectoryAsync } from './atomic-file.js';
import { KafkaStorageError, OffsetOutOfRangeError, StorageError } from './errors.js';
import type { FileHandleCache } from './file-handle-cache.js';
import type { EpochEndOffset, LeaderEpochCache } from './leader-epoch-cache.js';
import { prepareAppend, type AppendOptions, type LogAppendInfo } from './log-append.js';
import type { LogConfig } from './log-config.js';
import { parseTopicPartition, SWAP_FILE_SUFFIX } from './log-file-names.js';
import { LogListeners, type LogChange, type LogListener } from './log-listeners.js';
import { EMPTY_RECORDS, findMaxTimestampRecord, findOffsetForTimestamp, floorSegmentIndex, SegmentReader, type LogReadResult, type ReadOptions } from './log-read.js';
import { loadLog, type RecoveryLogger } from './log-recovery.js';
import { deletableSegments, logStartOffsetBreached, retentionMsBreached, retentionSizeBreached, type SegmentPredicate } from './log-retention.js';
import { LogSegment, type LogSegmentOptions, type TimestampAndOffset } from './log-segment.js';
import { PartitionCheckpoints } from './partition-checkpoints.js';
import { loadProducersFromSegments, producerBatchAt, type ProducerBatch, type ProducerStateManager } from './producer-state-manager.js';
import { SegmentDeleter } from './segment-deleter.js';
import type { AbortedTxn } from './transaction-index.js';
import { systemClock, type Clock } from '../clock.js';

export type { AppendOptions, LogAppendInfo } from './log-append.js';
export type { LogChange, LogListener } from './log-listeners.js';
export type { LogReadResult, ReadOptions } from './log-read.js';

export interface PartitionLogOptions {
  /** Defaults to the `<topic>-<partition>` directory name. */
  topic?: string;
  partition?: number;
  /** Time for segment.ms, retention and flush.ms, and the scheduler of delayed file deletion (default the real clock). */
  clock?: Clock;
  logger?: RecoveryLogger & { error(message: string): void };
  /**
   * The high watermark to start from (replication restores it from a checkpoint). Default:
   * the log end offset, right for a single replica whose every write is committed.
   */
  highWatermark?: number;
  /** Draws segment.jitter.ms for each new segment (default Math.random); tests fix it. */
  random?: () => number;
  /**
   * The caller just created the directory (it is empty) and its entries (and its own in the
   * data directory) are not fsynced yet: the first flush does it, since only flushed records
   * need them on disk.
   */
  unsyncedDirectory?: boolean;
  /** The broker's cap on open segment and index files (default: one shared by the process). */
  files?: FileHandleCache;
  /** The data directory's clean shutdown marker vouched for this log (LogManager): no recovery. */
  closedCleanly?: boolean;
}

/**
 * One partition's log (Kafka's UnifiedLog + LocalLog): the segments of `<dir>`, the log start
 * and end offsets, the high watermark (driven by the caller: replication separates it from
 * the log end), the recovery point, and the leader epoch cache.
 *
 * All I/O is synchronous on the broker's event loop: one owner for the state, appends
 * ordered by construction.
 *
 * Its small state files (log start offset, recovery point, cleaner offset, clean shutdown
 * marker) live in the partition directory: see PartitionCheckpoints.
 *
 * It also owns the partition's producer state (ProducerStateManager: idempotence and open
 * transactions, hence the last stable offset), snapshotted to `<offset>.snapshot` files on
 * every roll and on close, and the segments' `.txnindex` of aborted transactions.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  private configValue: LogConfig;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly logger: PartitionLogOptions['logger'];
  private segmentList: LogSegment[];
  private startOffset: number;
  private endOffset: number;
  private hw: number;
  private recoveryPointOffset: number;
  private readonly checkpoints: PartitionCheckpoints;
  private lastFlushMs: number;
  readonly leaderEpochCache: LeaderEpochCache;
  readonly producerState: ProducerStateManager;
  private state: 'open' | 'closed' | 'deleted' | 'failed' = 'open';
  private readonly reader = new SegmentReader();
  private readonly appendListeners: LogListeners;
  private readonly hwListeners: LogListeners;
  private readonly deleter: SegmentDeleter;
  /** Entries of this directory (new files, a removed clean shutdown marker) not fsynced yet. */
  private unsyncedDirectory: boolean;
  /** This directory's own entry in the data directory is not fsynced yet (a new partition). */
  private unsyncedParent: boolean;
  private readonly files: FileHandleCache | undefined;

  private constructor(
    readonly dir: string,
    config: LogConfig,
    options: PartitionLogOptions,
  ) {
    const parsed = parseTopicPartition(dir);
    this.topic = options.topic ?? parsed?.topic ?? path.basename(dir);
    this.partition = options.partition ?? parsed?.partition ?? 0;
    this.configValue = config;
    const clock = options.clock ?? systemClock;
    this.now = () => clock.now();
    this.deleter = new SegmentDeleter(clock);
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.unsyncedParent = options.unsyncedDirectory ?? false;
    this.files = options.files;
    const snapshot = (): LogChange => ({ logEndOffset: this.endOffset, highWatermark: this.hw });
    const onError = (error: unknown) => this.logger?.error(`${this.name}: log listener failed: ${error instanceof Error ? error.stack : String(error)}`);
    this.appendListeners = new LogListeners(snapshot, onError);
    this.hwListeners = new LogListeners(snapshot, onError);
    const isNew = options.unsyncedDirectory ?? false;
    const loaded = loadLog(dir, this.segmentOptions(), options.logger, options.closedCleanly ?? false, isNew);
    this.segmentList = loaded.segments;
    this.startOffset = loaded.logStartOffset;
    this.endOffset = loaded.logEndOffset;
    this.recoveryPointOffset = loaded.recoveryPoint;
    this.leaderEpochCache = loaded.leaderEpochCache;
    // The removed clean shutdown marker becomes durable with the first flush, like new files.
    this.unsyncedDirectory = this.unsyncedParent || loaded.hadCleanShutdown;
    this.producerState = loaded.producerState;
    this.hw = clamp(options.highWatermark ?? loaded.logEndOffset, this.startOffset, this.endOffset);
    this.lastFlushMs = this.now();
    this.checkpoints = new PartitionCheckpoints(
      dir,
      this.topic,
      this.partition,
      { logStartOffset: loaded.logStartOffsetCheckpoint, recoveryPoint: loaded.recoveryPointCheckpoint },
      !isNew,
    );
    // Checkpoints that recovery changed are written right away (a new log's zeroes need no file).
    this.writeLogStartOffsetCheckpoint();
    this.writeRecoveryPointCheckpoint();
    if (!isNew) this.rebuildProducerState(this.endOffset);
  }

  /** Opens (creating or recovering as needed) the log in `dir`. */
  static open(dir: string, config: LogConfig, options: PartitionLogOptions = {}): PartitionLog {
    return new PartitionLog(dir, config, options);
  }

  // State.

  get config(): LogConfig {
    return this.configValue;
  }

  /** Applies changed topic configs; they govern the next append, roll, retention and cleaning. */
  updateConfig(config: LogConfig): void {
    this.configValue = config;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.endOffset;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Sets the high watermark, clamped to [logStartOffset, logEndOffset]. Wakes high watermark listeners when it grows. */
  set highWatermark(offset: number) {
    const next = clamp(offset, this.startOffset, this.endOffset);
    const grew = next > this.hw;
    this.hw = next;
    if (grew) this.hwListeners.notify();
  }

  /** Everything below this offset is known to be on disk. */
  get recoveryPoint(): number {
    return this.recoveryPointOffset;
  }

  /** The first offset of the oldest open transaction, or null when none is open. */
  get firstUnstableOffset(): number | null {
    return this.producerState.firstUnstableOffset;
  }

  /**
   * What read_committed consumers may read up to: the first unstable offset (never below the
   * log start, as in Kafka), capped by the high watermark.
   */
  get lastStableOffset(): number {
    const unstable = this.producerState.firstUnstableOffset;
    return unstable !== null && unstable < this.hw ? Math.max(unstable, this.startOffset) : this.hw;
  }

  get lastFlushTime(): number {
    return this.lastFlushMs;
  }

  /** Segments in offset order; the last one is active. */
  get segments(): readonly LogSegment[] {
    return this.segmentList;
  }

  get activeSegment(): LogSegment {
    return this.segmentList[this.segmentList.length - 1]!;
  }

  get numberOfSegments(): number {
    return this.segmentList.length;
  }

  /** Bytes in all segments. */
  get size(): number {
    let total = 0;
    for (const segment of this.segmentList) total += segment.size;
    return total;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Where the cleaner stopped last time (cleaner-offset-checkpoint), or null before the first cleaning. */
  get cleanerCheckpoint(): number | null {
    return this.checkpoints.cleanerOffset;
  }

  setCleanerCheckpoint(offset: number): void {
    this.ensureOpen();
    this.checkpoints.writeCleanerOffset(offset);
  }

  // Listeners.

  /**
   * Called after appends (coalesced, in a microtask: the appending code can move the high
   * watermark first). Returns the unsubscribe function. Wakes fetch long-polls; no timers.
   */
  onAppend(listener: LogListener): () => void {
    return this.appendListeners.add(listener);
  }

  /** Called (in a microtask) after the high watermark grows. */
  onHighWatermarkChange(listener: LogListener): () => void {
    return this.hwListeners.add(listener);
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  // Append.

  /**
   * Appends a records blob of validated magic 2 batches. As leader (`assignOffsets`) it
   * rewrites each batch's baseOffset and partitionLeaderEpoch in the caller's buffer (and
   * stamps LogAppendTime when that is the timestamp type); as follower it checks the given
   * offsets follow the log end. Rolls the segment first when segment.bytes, segment.ms, a
   * full index or the int32 relative offset range require it.
   *
   * Batches with a producer id go through the producer state first (see `options.origin`):
   * an invalid epoch or sequence throws before anything is written, and a client's retried
   * batch is answered with its original offsets (`duplicate`) without being written again.
   * Transaction markers complete transactions: aborted ones go to the segment's `.txnindex`.
   */
  append(records: Buffer, options: AppendOptions): LogAppendInfo {
    this.ensureOpen();
    const config = this.configValue;
    const { batches, info } = prepareAppend(records, options, {
      logEndOffset: this.endOffset,
      segmentBytes: config.segmentBytes,
      timestampType: config.messageTimestampType,
      now: this.now(),
      name: this.name,
    });
    if (batches.length === 0) return { ...info, logStartOffset: this.startOffset };

    const producerBatches = batches.map((b) => producerBatchAt(records, b.position)).filter((b): b is ProducerBatch => b !== null);
    const analysis = this.producerState.analyze(producerBatches, options.origin ?? 'replication', this.name);
    if (analysis.duplicate !== null) {
      const d = analysis.duplicate;
      const logAppendTime = config.messageTimestampType === 'LogAppendTime' ? d.timestamp : -1;
      return { ...info, firstOffset: d.lastOffset - d.offsetDelta, lastOffset: d.lastOffset, logAppendTime, recordCount: 0, validBytes: 0, logStartOffset: this.startOffset, duplicate: true };
    }

    const segment = this.guardIo(() => {
      const target = this.maybeRoll(records.length, info.firstOffset, info.lastOffset, info.maxTimestamp);
      target.append(records, batches);
      return target;
    });
    this.endOffset = info.lastOffset + 1;
    for (const update of analysis.updated.values()) this.producerState.update(update);
    for (const txn of analysis.completed) {
      const lastStableOffset = this.producerState.lastStableOffset(txn);
      if (txn.isAborted) this.guardIo(() => segment.txnIndex.append({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset }));
      this.producerState.completeTxn(txn);
    }
    this.producerState.updateMapEndOffset(this.endOffset);
    for (const batch of batches) {
      const latest = this.leaderEpochCache.latestEpoch;
      if (batch.leaderEpoch >= 0 && (latest === null || batch.leaderEpoch > latest)) this.leaderEpochCache.assign(batch.leaderEpoch, batch.baseOffset);
    }

    if (config.fsyncOnAppend) {
      this.guardIo(() => this.activeSegment.log.flush());
      // The next recovery re-reads the active segment anyway: its indexes need no fsync.
      this.recoveryPointOffset = this.endOffset;
      this.lastFlushMs = this.now();
    } else if (this.endOffset - this.recoveryPointOffset >= config.flushMessages) {
      this.flushSegments(this.endOffset);
    }
    this.appendListeners.notify();
    return { ...info, logStartOffset: this.startOffset };
  }

  private maybeRoll(messagesSize: number, firstOffset: number, maxOffset: number, maxTimestamp: number): LogSegment {
    const segment = this.activeSegment;
    const config = this.configValue;
    const roll = segment.shouldRoll({
      maxSegmentBytes: config.segmentBytes,
      maxSegmentMs: config.segmentMs,
      messagesSize,
      maxTimestampInMessages: maxTimestamp,
      maxOffsetInMessages: maxOffset,
      now: this.now(),
    });
    return roll ? this.roll(firstOffset) : segment;
  }

  /**
   * Starts a new active segment at max(expectedNextOffset, logEndOffset) and flushes the
   * segments before it (Kafka does that on a background thread; the OS has usually written
   * those pages already). An empty active segment is replaced instead of kept.
   */
  roll(expectedNextOffset = 0): LogSegment {
    this.ensureOpen();
    return this.guardIo(() => {
      const newOffset = Math.max(expectedNextOffset, this.endOffset);
      const active = this.activeSegment;
      if (active.size === 0) {
        if (active.baseOffset === newOffset) return active;
        this.segmentList.pop();
        active.deleteIfExists();
      } else {
        if (newOffset <= active.baseOffset) throw new KafkaStorageError(`cannot roll ${this.name} to offset ${newOffset} at or below the active segment's ${active.baseOffset}`);
        active.onBecomeInactiveSegment();
      }
      const segment = LogSegment.create(this.dir, newOffset, this.segmentOptions());
      this.segmentList.push(segment);
      fsyncDirectory(this.dir);
      this.flush(newOffset);
      // A snapshot at the new segment's base lets recovery start there (Kafka does the same).
      this.producerState.updateMapEndOffset(newOffset);
      this.producerState.takeSnapshot();
      this.deleteOldSnapshots();
      return segment;
    });
  }

  /** Keeps the snapshots of the last two segments (and the newest one), as Kafka does. */
  private deleteOldSnapshots(): void {
    const keepFrom = Math.min(this.recoveryPointOffset, this.segmentList.at(-2)?.baseOffset ?? this.activeSegment.baseOffset);
    const latest = this.producerState.latestSnapshotOffset();
    this.producerState.deleteSnapshotsBefore(latest === null ? keepFrom : Math.min(keepFrom, latest));
  }

  /**
   * Kafka's rebuildProducerState: reloads the newest snapshot at or below `lastOffset` (or
   * starts empty at the log start) and replays the batches from there to `lastOffset`.
   */
  private rebuildProducerState(lastOffset: number): void {
    this.guardIo(() => {
      const state = this.producerState;
      state.truncateAndReload(this.startOffset, lastOffset);
      if (lastOffset > state.mapEndOffset) loadProducersFromSegments(state, this.segmentList, Math.max(state.mapEndOffset, this.startOffset), lastOffset);
      state.updateMapEndOffset(lastOffset);
      state.takeSnapshot();
    });
  }

  /** producer.id.expiration.ms: forgets producers idle that long without an open transaction. */
  removeExpiredProducers(expirationMs: number, nowMs: number = this.now()): number {
    if (this.state !== 'open') return 0;
    return this.producerState.removeExpiredProducers(nowMs, expirationMs);
  }

  private segmentOptions(): LogSegmentOptions {
    return {
      indexIntervalBytes: this.configValue.indexIntervalBytes,
      maxIndexSize: this.configValue.segmentIndexBytes,
      now: this.now,
      rollJitterMs: this.configValue.randomSegmentJitter(this.random),
      files: this.files,
    };
  }

  // Read.

  /**
   * Reads stored batches from the one holding `fetchOffset`, up to `maxBytes` and below
   * `maxOffset` (whole batches only). Out of range when fetchOffset < logStartOffset or >
   * logEndOffset; empty at the bound.
   */
  read(fetchOffset: number, maxBytes: number, options: ReadOptions = {}): LogReadResult {
    this.ensureOpen();
    const offsets = { highWatermark: this.hw, logStartOffset: this.startOffset, logEndOffset: this.endOffset };
    if (fetchOffset < this.startOffset || fetchOffset > this.endOffset) {
      return { kind: 'offset-out-of-range', records: EMPTY_RECORDS, fetchOffset, ...offsets };
    }
    const bound = Math.min(options.maxOffset ?? this.endOffset, this.endOffset);
    if (fetchOffset >= bound) return { kind: 'records', records: EMPTY_RECORDS, ...offsets };
    const records = this.guardIo(() => this.reader.read(this.segmentList, fetchOffset, maxBytes, bound, this.endOffset, options.minOneBatch ?? true));
    return { kind: 'records', records, ...offsets };
  }

  /**
   * The aborted transactions that overlap [fetchOffset, upperBoundOffset) (Kafka's
   * collectAbortedTransactions): a read_committed fetch returns them with its records.
   * Entries sit with their ABORT marker, so the search runs from the segment holding
   * `fetchOffset` until an entry shows that nothing later can overlap.
   */
  collectAbortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    this.ensureOpen();
    return this.guardIo(() => {
      const out: AbortedTxn[] = [];
      for (let i = floorSegmentIndex(this.segmentList, fetchOffset); i < this.segmentList.length; i++) {
        const { aborted, isComplete } = this.segmentList[i]!.txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset);
        out.push(...aborted);
        if (isComplete) break;
      }
      return out;
    });
  }

  /** ListOffsets by timestamp: the first record at or above the log start whose timestamp is >= `timestamp`. */
  offsetForTimestamp(timestamp: number): TimestampAndOffset | null {
    this.ensureOpen();
    return this.guardIo(() => findOffsetForTimestamp(this.segmentList, timestamp, this.startOffset));
  }

  /** ListOffsets MAX_TIMESTAMP (-3): the first record carrying the log's largest timestamp, or null for an empty log. */
  maxTimestampOffset(): TimestampAndOffset | null {
    this.ensureOpen();
    return this.guardIo(() => findMaxTimestampRecord(this.segmentList));
  }

  /** OffsetForLeaderEpoch: (-1, -1) when the epoch is unknown or above every known one. */
  endOffsetForLeaderEpoch(leaderEpoch: number): EpochEndOffset {
    return this.leaderEpochCache.endOffsetFor(leaderEpoch, this.endOffset);
  }

  /** A new leader records where its epoch starts (the log end when it takes over). */
  assignEpochStartOffset(leaderEpoch: number, startOffset: number = this.endOffset): void {
    this.leaderEpochCache.assign(leaderEpoch, startOffset);
  }

  // Deletion: DeleteRecords, retention, truncation.

  /**
   * DeleteRecords: moves the log start offset up to `offset` (-1 means the high watermark)
   * and deletes the segments wholly below it. The offset may not pass the high watermark.
   * Returns the new log start offset (the low watermark).
   */
  deleteRecordsBefore(offset: number): number {
    this.ensureOpen();
    const target = offset === -1 ? this.hw : offset;
    if (target < 0 || target > this.hw) {
      throw new OffsetOutOfRangeError(`cannot delete records of ${this.name} before ${target}: the high watermark is ${this.hw}`);
    }
    this.maybeIncrementLogStartOffset(target);
    this.deleteSegments(deletableSegments(this.segmentList, this.hw, logStartOffsetBreached(this.startOffset)));
    return this.startOffset;
  }

  /** Raises the log start offset (never lowers it); the epoch cache forgets what is below. */
  maybeIncrementLogStartOffset(offset: number): void {
    if (offset <= this.startOffset) return;
    this.startOffset = offset;
    if (this.hw < offset) this.hw = Math.min(offset, this.endOffset);
    if (this.recoveryPointOffset < offset) this.recoveryPointOffset = Math.min(offset, this.endOffset);
    this.leaderEpochCache.truncateFromStart(offset);
    this.producerState.onLogStartOffsetIncremented(offset);
    this.writeLogStartOffsetCheckpoint();
  }

  /**
   * Deletes closed segments past retention.ms (by their newest record) or beyond
   * retention.bytes (oldest first) when cleanup.policy includes delete, and segments wholly
   * below the log start offset under any policy. The active segment always stays. Returns
   * the number of segments deleted.
   */
  applyRetention(nowMs: number = this.now()): number {
    this.ensureOpen();
    const config = this.configValue;
    let deleted = 0;
    const run = (predicate: SegmentPredicate) => {
      deleted += this.deleteSegments(deletableSegments(this.segmentList, this.hw, predicate));
    };
    if (config.deleteEnabled) {
      if (config.retentionMs >= 0) run(retentionMsBreached(nowMs, config.retentionMs));
      if (config.retentionBytes >= 0 && this.size >= config.retentionBytes) run(retentionSizeBreached(this.size, config.retentionBytes));
    }
    run(logStartOffsetBreached(this.startOffset));
    return deleted;
  }

  /** Removes a prefix of segments, moves the log start offset to the new first segment, deletes the files. */
  private deleteSegments(segments: readonly LogSegment[]): number {
    if (segments.length === 0) return 0;
    this.guardIo(() => {
      this.segmentList = this.segmentList.filter((s) => !segments.includes(s));
      this.reader.invalidate();
      this.maybeIncrementLogStartOffset(this.segmentList[0]!.baseOffset);
      this.deleteSegmentFiles(segments);
    });
    return segments.length;
  }

  private deleteSegmentFiles(segments: readonly LogSegment[]): void {
    this.deleter.delete(segments, this.configValue.fileDeleteDelayMs);
  }

  /**
   * Removes every offset >= `targetOffset` (a follower truncating to its leader, KIP-101).
   * A batch holding the target is removed whole. Returns false when there was nothing to do.
   */
  truncateTo(targetOffset: number): boolean {
    this.ensureOpen();
    if (targetOffset < 0) throw new RangeError(`cannot truncate ${this.name} to negative offset ${targetOffset}`);
    if (targetOffset >= this.endOffset) return false;
    if (this.segmentList[0]!.baseOffset > targetOffset) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    this.guardIo(() => {
      const removed = this.segmentList.filter((s) => s.baseOffset > targetOffset);
      this.segmentList = this.segmentList.filter((s) => s.baseOffset <= targetOffset);
      this.deleteSegmentFiles(removed);
      this.activeSegment.truncateTo(targetOffset);
    });
    this.reader.invalidate();
    this.endOffset = targetOffset;
    this.leaderEpochCache.truncateFromEnd(targetOffset);
    if (this.startOffset > targetOffset) {
      this.startOffset = targetOffset;
      this.writeLogStartOffsetCheckpoint();
    }
    if (this.recoveryPointOffset > targetOffset) {
      this.recoveryPointOffset = targetOffset;
      this.writeRecoveryPointCheckpoint();
    }
    if (this.hw > targetOffset) this.hw = targetOffset;
    const cleaned = this.checkpoints.cleanerOffset;
    if (cleaned !== null && cleaned > targetOffset) this.setCleanerCheckpoint(targetOffset);
    this.rebuildProducerState(targetOffset);
    return true;
  }

  /** Deletes every segment and starts an empty log at `newOffset` (a follower far behind its leader's log start). */
  truncateFullyAndStartAt(newOffset: number): void {
    this.ensureOpen();
    this.guardIo(() => {
      const old = this.segmentList;
      this.segmentList = [];
      this.deleteSegmentFiles(old);
      this.segmentList = [LogSegment.create(this.dir, newOffset, this.segmentOptions())];
    });
    this.reader.invalidate();
    this.endOffset = newOffset;
    this.startOffset = newOffset;
    this.recoveryPointOffset = newOffset;
    this.hw = newOffset;
    this.leaderEpochCache.clear();
    this.producerState.truncateFullyAndStartAt(newOffset);
    this.writeLogStartOffsetCheckpoint();
    this.writeRecoveryPointCheckpoint();
    if (this.checkpoints.cleanerOffset !== null) this.setCleanerCheckpoint(newOffset);
  }

  // Cleaner support.

  /**
   * Replaces `oldSegments` (consecutive, unchanged since the cleaner read them: same objects,
   * same sizes) by `cleaned`, a segment written with the `.cleaned` suffix. Crash-safe
   * order: cleaned → `.swap` (the commit point), old → `.deleted`, swap → live. Returns
   * false, leaving the log alone, when the log changed meanwhile (the caller deletes `cleaned`).
   */
  replaceSegments(cleaned: LogSegment, oldSegments: readonly LogSegment[], expectedSizes: readonly number[]): boolean {
    if (this.state !== 'open' || oldSegments.length === 0) return false;
    const start = this.segmentList.indexOf(oldSegments[0]!);
    if (start < 0 || start + oldSegments.length >= this.segmentList.length) return false;
    for (let i = 0; i < oldSegments.length; i++) {
      if (this.segmentList[start + i] !== oldSegments[i] || oldSegments[i]!.size !== expectedSizes[i]) return false;
    }
    this.guardIo(() => {
      cleaned.flush();
      cleaned.onBecomeInactiveSegment();
      cleaned.changeFileSuffix(SWAP_FILE_SUFFIX);
      fsyncDirectory(this.dir);
      // Old files out of the way (renamed `.deleted`) before the swap takes their names.
      this.deleter.delete(oldSegments, this.configValue.fileDeleteDelayMs);
      cleaned.changeFileSuffix('');
      fsyncDirectory(this.dir);
      this.segmentList.splice(start, oldSegments.length, cleaned);
      this.reader.invalidate();
    });
    return true;
  }

  // Flush, close, delete.

  /**
   * fsyncs the segments holding offsets in [recoveryPoint, upTo), moves the recovery point to
   * `upTo` (default: the log end) and checkpoints it.
   */
  flush(upTo: number = this.endOffset): void {
    if (this.flushSegments(upTo)) this.writeRecoveryPointCheckpoint();
  }

  /** The fsync part of flush(); flush.messages and flush.ms leave the checkpoint to the periodic writer. */
  private flushSegments(upTo: number): boolean {
    this.ensureOpen();
    if (upTo <= this.recoveryPointOffset) return false;
    this.guardIo(() => {
      for (const segment of this.segmentsToFlush(upTo)) segment.flush();
      this.syncMetadataFiles();
      if (this.unsyncedParent) {
        fsyncDirectory(path.dirname(this.dir));
        this.unsyncedParent = false;
      }
    });
    this.recoveryPointOffset = upTo;
    this.lastFlushMs = this.now();
    return true;
  }

  /** The segments holding offsets in [recoveryPoint, upTo). */
  private segmentsToFlush(upTo: number): LogSegment[] {
    const out: LogSegment[] = [];
    for (let i = floorSegmentIndex(this.segmentList, this.recoveryPointOffset); i < this.segmentList.length; i++) {
      const segment = this.segmentList[i]!;
      if (segment.baseOffset >= upTo) break;
      out.push(segment);
    }
    return out;
  }

  /** The leader epoch file and the directory's entries (new files, renames) become durable with flushed records. */
  private syncMetadataFiles(): void {
    if (this.leaderEpochCache.needsSync) {
      this.leaderEpochCache.sync();
      this.unsyncedDirectory = true;
    }
    if (this.unsyncedDirectory) {
      fsyncDirectory(this.dir);
      this.unsyncedDirectory = false;
    }
  }

  /** flush.ms: flushes when the last flush is older than the topic's flush.ms. Returns whether it flushed. */
  flushIfDue(nowMs: number = this.now()): boolean {
    if (this.state !== 'open' || this.recoveryPointOffset >= this.endOffset) return false;
    if (nowMs - this.lastFlushMs < this.configValue.flushMs) return false;
    return this.flushSegments(this.endOffset);
  }

  /** Writes the recovery point checkpoint (the log manager does this periodically). */
  checkpointRecoveryPoint(): void {
    if (this.state === 'open') this.writeRecoveryPointCheckpoint();
  }

  /**
   * Clean shutdown: flushes, closes the segments (indexes trimmed, final time index entries),
   * checkpoints the recovery point (= the log end) and writes the clean shutdown marker, so
   * the next open trusts the indexes instead of re-reading the segments (`markClean` false:
   * the caller marks the whole data directory instead, see closeAsync).
   */
  close(markClean = true): void {
    if (this.state !== 'open') {
      if (this.state === 'failed') this.closeHandlers();
      return;
    }
    this.flush();
    this.finishClose(markClean);
  }

  /**
   * close() with the fsyncs of the log files on the thread pool, so that a broker closes many
   * logs at once (LogManager bounds how many). A log with nothing unflushed costs no fsync.
   * Leaves the data directory's fsync to the caller: returns whether this log needs it.
   * `markClean` false leaves the clean shutdown marker to the caller too (LogManager writes one
   * for the data directory, as Kafka does, instead of a file per partition).
   */
  async closeAsync(markClean = true): Promise<{ parentUnsynced: boolean }> {
    if (this.state !== 'open') {
      this.close();
      return { parentUnsynced: false };
    }
    const upTo = this.endOffset;
    if (upTo > this.recoveryPointOffset) {
      try {
        for (const segment of this.segmentsToFlush(upTo)) await segment.flushAsync();
        await fsyncDirectoryAsync(this.dir, this.unsyncedDirectory || this.leaderEpochCache.needsSync);
      } catch (error) {
        this.guardIo(() => {
          throw error;
        });
      }
      if (this.state !== 'open') return { parentUnsynced: false };
      this.guardIo(() => this.leaderEpochCache.sync());
      this.unsyncedDirectory = false;
      this.recoveryPointOffset = upTo;
      this.lastFlushMs = this.now();
    }
    const parentUnsynced = this.unsyncedParent && this.recoveryPointOffset > 0;
    this.unsyncedParent = false;
    // Past here everything is synchronous: appends cannot slip in between.
    if (this.endOffset > this.recoveryPointOffset) this.flush();
    this.finishClose(markClean);
    return { parentUnsynced };
  }

  private finishClose(markClean: boolean): void {
    // The state at the log end: the next open loads it instead of replaying anything.
    this.guardIo(() => {
      this.producerState.updateMapEndOffset(this.endOffset);
      this.producerState.takeSnapshot();
    });
    for (const segment of this.segmentList) segment.close();
    this.writeRecoveryPointCheckpoint();
    this.writeLogStartOffsetCheckpoint();
    this.deleter.runPending();
    if (markClean) this.checkpoints.markCleanShutdown();
    this.state = 'closed';
    this.appendListeners.clear();
    this.hwListeners.clear();
  }

  /** Closes without flushing or marking a clean shutdown (what a crash leaves behind; tests use it). */
  closeHandlers(): void {
    for (const segment of this.segmentList) segment.closeHandlers();
    this.deleter.cancel();
    if (this.state === 'open' || this.state === 'failed') this.state = 'closed';
  }

  /** Deletes the partition directory and everything in it. */
  delete(): void {
    if (this.state === 'deleted') return;
    this.closeHandlers();
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.state = 'deleted';
    this.appendListeners.clear();
    this.hwListeners.clear();
  }

  private writeLogStartOffsetCheckpoint(): void {
    this.checkpoints.writeLogStartOffset(this.startOffset);
  }

  private writeRecoveryPointCheckpoint(): void {
    this.checkpoints.writeRecoveryPoint(this.recoveryPointOffset);
  }

  private ensureOpen(): void {
    if (this.state !== 'open') throw new KafkaStorageError(`log ${this.name} in ${this.dir} is ${this.state}`);
  }

  /**
   * Runs file I/O; an I/O failure leaves the in-memory state unreliable, so the log is marked
   * failed (every later call is a KafkaStorageError) as Kafka takes a failed log dir offline.
   */
  private guardIo<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof StorageError || error instanceof CorruptRecordBatchError || !isIoError(error)) throw error;
      this.state = 'failed';
      this.logger?.error(`${this.name}: I/O error, the log is offline: ${(error as Error).message}`);
      throw new KafkaStorageError(`I/O error on log ${this.name}: ${(error as Error).message}`, { cause: error });
    }
  }

  toString(): string {
    return `PartitionLog(${this.name}, start=${this.startOffset}, end=${this.endOffset}, hw=${this.hw}, segments=${this.segmentList.length})`;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

function isIoError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
