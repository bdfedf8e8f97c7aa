import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDirectory } from './atomic-file.js';
import { readOffsetCheckpoint } from './checkpoint-file.js';
import { KafkaStorageError } from './errors.js';
import { withDescriptors } from './file-handle-cache.js';
import type { FileBatch } from './file-records.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import {
  CLEAN_SHUTDOWN_FILE,
  CLEANED_FILE_SUFFIX,
  DELETED_FILE_SUFFIX,
  INDEX_FILE_SUFFIX,
  LEADER_EPOCH_CHECKPOINT_FILE,
  LOG_FILE_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  offsetFromFileName,
  RECOVERY_POINT_CHECKPOINT_FILE,
  SWAP_FILE_SUFFIX,
  TIME_INDEX_FILE_SUFFIX,
  TXN_INDEX_FILE_SUFFIX,
} from './log-file-names.js';
import { LogSegment, type LogSegmentOptions } from './log-segment.js';
import { loadProducersFromSegments, producerBatchAt, ProducerStateManager } from './producer-state-manager.js';

/** What opening a partition directory yields: the state PartitionLog starts from. */
export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
  leaderEpochCache: LeaderEpochCache;
  /**
   * Producer state, rebuilt up to the log end when segments were recovered; otherwise fresh
   * (the log reloads it from its snapshots).
   */
  producerState: ProducerStateManager;
  hadCleanShutdown: boolean;
  /** Bytes cut from torn or corrupt segment tails (0 after a clean shutdown). */
  truncatedBytes: number;
  /** What the checkpoint files held (null when absent). */
  logStartOffsetCheckpoint: number | null;
  recoveryPointCheckpoint: number | null;
}

export interface RecoveryLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Kafka's LogLoader: turns a partition directory into segments.
 *
 * 1. Leftovers: `.deleted` and checkpoint `.tmp` files are deleted; `.cleaned` files (a
 *    cleaning that never reached its swap) are deleted with any `.swap` at or above them;
 *    index files without their `.log` are deleted.
 * 2. A `.log.swap` is a cleaned segment whose swap was committed: it replaces the live
 *    segments its offsets cover and becomes live.
 * 3. After a clean shutdown (the `.kafka_cleanshutdown` marker, in the partition directory or,
 *    as Kafka writes it, in the data directory: `closedCleanly`) indexes are trusted; only the
 *    last segment's size is checked against its batches. Otherwise every segment from the one
 *    holding the recovery point on is re-read: each batch's framing and CRC are checked, the
 *    indexes are rebuilt, a torn or corrupt tail is truncated and later segments deleted.
 *    Producer state is replayed through those segments (from the newest snapshot below
 *    them), which rebuilds their transaction indexes.
 */
export function loadLog(dir: string, options: LogSegmentOptions, logger?: RecoveryLogger, closedCleanly = false, isNew = false): LoadedLog {
  if (isNew) return newLog(dir, options);
  fs.mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
  const markedClean = fs.existsSync(marker);
  // `closedCleanly`: the data directory's marker (LogManager) vouches for every log in it.
  const hadCleanShutdown = closedCleanly || markedClean;
  const storedLogStartOffset = readOffsetCheckpoint(path.join(dir, LOG_START_OFFSET_CHECKPOINT_FILE));
  const storedRecoveryPoint = readRecoveryPoint(dir, logger);
  const logStartOffsetCheckpoint = storedLogStartOffset ?? 0;
  const recoveryPointCheckpoint = storedRecoveryPoint ?? 0;
  const leaderEpochCache = new LeaderEpochCache(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
  const producerState = new ProducerStateManager(dir);

  const swapBases = removeTempFilesAndCollectSwaps(dir, logger);
  let segments = openSegments(dir, options);
  segments = completeSwaps(dir, segments, swapBases, options, logger);

  let truncatedBytes: number;
  if (hadCleanShutdown) {
    truncatedBytes = checkLastSegment(segments, logger);
  } else {
    const result = recoverUnflushed(segments, recoveryPointCheckpoint, leaderEpochCache, producerState, logStartOffsetCheckpoint, logger);
    segments = result.segments;
    truncatedBytes = result.truncatedBytes;
  }

  if (segments.length === 0) segments.push(LogSegment.create(dir, logStartOffsetCheckpoint, options));
  let logEndOffset = segments[segments.length - 1]!.nextOffset;
  if (logEndOffset < logStartOffsetCheckpoint) {
    // Data below the checkpointed log start is gone (lost in a crash): start over at the log start.
    logger?.warn(`${dir}: log end offset ${logEndOffset} is below the log start offset ${logStartOffsetCheckpoint}; starting an empty log there`);
    for (const segment of segments) segment.deleteIfExists();
    segments = [LogSegment.create(dir, logStartOffsetCheckpoint, options)];
    logEndOffset = logStartOffsetCheckpoint;
    leaderEpochCache.clear();
    producerState.truncateFullyAndStartAt(logEndOffset);
  }
  const logStartOffset = Math.max(logStartOffsetCheckpoint, segments[0]!.baseOffset);
  // Only a flush advances the recovery point: after a crash it stays where it was.
  const recoveryPoint = hadCleanShutdown ? logEndOffset : Math.min(recoveryPointCheckpoint, logEndOffset);
  leaderEpochCache.truncateFromEnd(logEndOffset);
  leaderEpochCache.truncateFromStart(logStartOffset);

  if (markedClean) {
    // From now on a crash must be detected as one. The removal becomes durable with the log's
    // first flush (PartitionLog fsyncs the directory then): until then nothing written since is
    // promised, and a marker that an OS crash brings back still gets the last segment checked.
    fs.rmSync(marker, { force: true });
  }
  return {
    segments,
    logStartOffset,
    logEndOffset,
    recoveryPoint,
    leaderEpochCache,
    producerState,
    hadCleanShutdown,
    truncatedBytes,
    logStartOffsetCheckpoint: storedLogStartOffset,
    recoveryPointCheckpoint: storedRecoveryPoint,
  };
}

/**
 * A partition directory just created (by the caller, empty): nothing to list, read or recover,
 * so none of it is done (creating thousands of partitions would otherwise pay for each of those calls).
 */
function newLog(dir: string, options: LogSegmentOptions): LoadedLog {
  return {
    segments: [LogSegment.create(dir, 0, options, false)],
    logStartOffset: 0,
    logEndOffset: 0,
    recoveryPoint: 0,
    leaderEpochCache: new LeaderEpochCache(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), false),
    producerState: new ProducerStateManager(dir),
    hadCleanShutdown: false,
    truncatedBytes: 0,
    logStartOffsetCheckpoint: null,
    recoveryPointCheckpoint: null,
  };
}

/** The recovery point checkpoint (written without fsync): a torn file reads as 0, recovering everything. */
function readRecoveryPoint(dir: string, logger?: RecoveryLogger): number | null {
  try {
    return readOffsetCheckpoint(path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE));
  } catch (error) {
    if (!(error instanceof KafkaStorageError)) throw error;
    logger?.warn(`${dir}: ${error.message}; recovering the whole log`);
    return 0;
  }
}

function isIndexFile(name: string): boolean {
  return name.endsWith(INDEX_FILE_SUFFIX) || name.endsWith(TIME_INDEX_FILE_SUFFIX) || name.endsWith(TXN_INDEX_FILE_SUFFIX);
}

/** Deletes leftovers; returns the base offsets of complete `.log.swap` files. */
function removeTempFilesAndCollectSwaps(dir: string, logger?: RecoveryLogger): number[] {
  const names = withDescriptors(() => fs.readdirSync(dir));
  const remove = (name: string) => fs.rmSync(path.join(dir, name), { force: true });
  let minCleanedBase = Infinity;
  for (const name of names) {
    if (name.endsWith(CLEANED_FILE_SUFFIX)) {
      const base = offsetFromFileName(name);
      if (base !== null) minCleanedBase = Math.min(minCleanedBase, base);
    }
  }
  const swapBases: number[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp') || name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith(CLEANED_FILE_SUFFIX)) {
      remove(name);
    } else if (name.endsWith(SWAP_FILE_SUFFIX)) {
      const base = offsetFromFileName(name);
      const live = name.slice(0, -SWAP_FILE_SUFFIX.length);
      if (base === null || base >= minCleanedBase) {
        logger?.warn(`${dir}: deleting ${name} from an interrupted cleaning`);
        remove(name);
      } else if (live.endsWith(LOG_FILE_SUFFIX)) {
        swapBases.push(base);
      } else if (!live.endsWith(TXN_INDEX_FILE_SUFFIX)) {
        // Swap indexes are rebuilt with their segment; the transaction index moves with it.
        remove(name);
      }
    }
  }
  // Index files whose .log is gone (Kafka deletes these too).
  const logs = new Set(withDescriptors(() => fs.readdirSync(dir)).filter((n) => n.endsWith(LOG_FILE_SUFFIX)).map((n) => offsetFromFileName(n)));
  for (const name of withDescriptors(() => fs.readdirSync(dir))) {
    if (isIndexFile(name) && offsetFromFileName(name) !== null && !logs.has(offsetFromFileName(name))) remove(name);
  }
  return swapBases.sort((a, b) => a - b);
}

function openSegments(dir: string, options: LogSegmentOptions): LogSegment[] {
  const segments: LogSegment[] = [];
  for (const name of withDescriptors(() => fs.readdirSync(dir))) {
    if (!name.endsWith(LOG_FILE_SUFFIX)) continue;
    const base = offsetFromFileName(name);
    if (base === null) continue;
    segments.push(LogSegment.open(dir, base, options));
  }
  return segments.sort((a, b) => a.baseOffset - b.baseOffset);
}

/** Finishes swaps: each `.log.swap` replaces the live segments inside its offset range. */
function completeSwaps(dir: string, segments: LogSegment[], swapBases: readonly number[], options: LogSegmentOptions, logger?: RecoveryLogger): LogSegment[] {
  for (const base of swapBases) {
    const swap = LogSegment.open(dir, base, { ...options, fileSuffix: SWAP_FILE_SUFFIX });
    swap.recover();
    const end = swap.nextOffset;
    const replaced = segments.filter((s) => s.baseOffset >= base && s.baseOffset < Math.max(end, base + 1));
    logger?.info(`${dir}: completing the swap of ${replaced.length} segment(s) by the cleaned segment at ${base}`);
    for (const old of replaced) old.deleteIfExists();
    segments = segments.filter((s) => !replaced.includes(s));
    swap.changeFileSuffix('');
    segments.push(swap);
  }
  if (swapBases.length > 0) fsyncDirectory(dir);
  return segments.sort((a, b) => a.baseOffset - b.baseOffset);
}

/** The WARN line of a recovery cut: segment, position, bytes and the offsets lost as far as known. */
function describeTruncation(segment: LogSegment, bytes: number): string {
  const cut = segment.lastTruncation;
  const position = cut?.position ?? segment.size;
  const claimed = cut?.claimedOffsets;
  const lost = claimed
    ? `offsets from ${segment.nextOffset} lost (the first cut batch claims offsets ${claimed.first}-${claimed.last})`
    : `offsets from ${segment.nextOffset} lost, if the cut bytes held any (no readable batch header)`;
  return `recovery truncated segment ${segment.log.file} at position ${position}: cut ${bytes} bytes of torn or corrupt data; ${lost}`;
}

/** After a clean shutdown: the last segment's batches must end exactly at its file size. */
function checkLastSegment(segments: readonly LogSegment[], logger?: RecoveryLogger): number {
  const last = segments.at(-1);
  if (last === undefined) return 0;
  let end = last.offsetIndex.lastPosition;
  for (const batch of last.log.batches(end)) end = batch.position + batch.size;
  if (end === last.size) return 0;
  logger?.warn(`${last.log.file}: batches end at ${end} of ${last.size} bytes despite a clean shutdown; recovering it`);
  const truncated = last.recover();
  if (truncated > 0) logger?.warn(describeTruncation(last, truncated));
  return truncated;
}

function recoverUnflushed(
  segments: LogSegment[],
  recoveryPoint: number,
  leaderEpochCache: LeaderEpochCache,
  producerState: ProducerStateManager,
  logStartOffset: number,
  logger?: RecoveryLogger,
): { segments: LogSegment[]; truncatedBytes: number } {
  // Recover from the segment holding the recovery point (always including the last one).
  let first = segments.length - 1;
  while (first > 0 && segments[first]!.baseOffset > recoveryPoint) first--;
  first = Math.max(first, 0);
  // Producer state as of the first recovered segment: its newest snapshot plus the batches after it.
  const recoverFrom = segments[first]?.baseOffset ?? logStartOffset;
  producerState.truncateAndReload(Math.min(logStartOffset, recoverFrom), recoverFrom);
  if (producerState.mapEndOffset < recoverFrom) loadProducersFromSegments(producerState, segments.slice(0, first), producerState.mapEndOffset, recoverFrom);
  let segment: LogSegment | undefined;
  const onBatch = (batch: FileBatch) => {
    const epoch = batch.partitionLeaderEpoch;
    const latest = leaderEpochCache.latestEpoch;
    if (epoch >= 0 && (latest === null || epoch > latest)) leaderEpochCache.assign(epoch, batch.baseOffset);
    if (batch.producerId < 0) return;
    const info = producerBatchAt(batch.data!, 0);
    if (info === null) return;
    producerState.replayBatch(info, (txn, lastStableOffset) => {
      if (txn.isAborted) segment!.txnIndex.append({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset });
    });
  };
  let truncatedBytes = 0;
  for (let i = first; i < segments.length; i++) {
    segment = segments[i]!;
    segment.txnIndex.reset();
    const truncated = segment.recover(onBatch);
    producerState.updateMapEndOffset(segment.nextOffset);
    if (truncated > 0) {
      truncatedBytes += truncated;
      logger?.warn(describeTruncation(segment, truncated));
      // Only the valid batches before the cut were replayed into the producer state.
      const later = segments.splice(i + 1);
      for (const s of later) {
        const range = s.nextOffset > s.baseOffset ? `offsets ${s.baseOffset}-${s.nextOffset - 1}` : 'no records';
        logger?.warn(`recovery deleted segment ${s.log.file} (${range}, ${s.size} bytes): it follows the truncated tail`);
        s.deleteIfExists();
      }
      break;
    }
  }
  return { segments, truncatedBytes };
}
