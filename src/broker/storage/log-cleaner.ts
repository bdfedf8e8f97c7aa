import {
  CONTROL_FLAG_MASK,
  DELETE_HORIZON_FLAG_MASK,
  TRANSACTIONAL_FLAG_MASK,
  decodeRecordBatch,
  decodeRecordBatchSync,
  encodeRecordBatch,
  readBatchHeader,
  TimestampType,
  transactionMarkerOf,
  ControlRecordType,
  type KafkaRecord,
  type RecordBatchHeader,
  type RecordInput,
} from '../../protocol/records/index.js';
import type { FileBatch } from './file-records.js';
import { CLEANED_FILE_SUFFIX } from './log-file-names.js';
import { LogSegment } from './log-segment.js';
import type { PartitionLog } from './partition-log.js';

const INT_MAX = 0x7fffffff;

export interface LogCleanerOptions {
  now?: () => number;
  /**
   * Keys one pass can map (Kafka's dedupe buffer). A dirty range with more keys is cleaned
   * over several passes, each ending at a batch boundary.
   */
  maxOffsetMapEntries?: number;
  /** Let the event loop run after this many bytes of batches (default 1 MiB). */
  yieldEveryBytes?: number;
}

/** Kafka's cleanable offsets: [firstDirtyOffset, firstUncleanableOffset) is cleaned against everything before it. */
export interface CleanableRange {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  dirtyRatio: number;
}

export interface CleanerStats {
  cleaned: boolean;
  /** Why nothing was cleaned. */
  skipped?: 'not-compacted' | 'in-progress' | 'nothing-to-clean' | 'log-changed' | 'log-closed';
  firstDirtyOffset: number;
  /** The new cleaner checkpoint: offsets below it are clean. */
  endOffset: number;
  segmentsCleaned: number;
  segmentsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsRetained: number;
  tombstonesRemoved: number;
  batchesRewritten: number;
}

/** What the pass knows about transactions in the range it cleans, from the markers it scans (their `.txnindex` entries move to the cleaned segment). */
interface TransactionScan {
  /** Base offsets of transactional batches whose transaction aborted in range. */
  aborted: Set<number>;
  /** Base offsets of transactional batches with no marker in range: kept as they are. */
  pending: Set<number>;
  /** Producer id → base offset of its last batch in range (kept, even empty, for producer state). */
  lastBatchOfProducer: Map<number, number>;
}

interface PassContext {
  map: Map<string, number>;
  /** Records at or above this offset were not mapped: they stay. */
  endOffset: number;
  nowMs: number;
  deleteRetentionMs: number;
  txn: TransactionScan;
  stats: CleanerStats;
  /** Smallest delete horizon of a batch that still holds tombstones. */
  minHorizon: number;
}

/**
 * Kafka's LogCleaner for cleanup.policy=compact: keeps the latest record per key in closed
 * segments below the high watermark. Offsets never change (batches are rewritten with gaps,
 * keeping baseOffset, lastOffsetDelta and the producer fields); merged small segments keep
 * the first one's base offset.
 *
 * Tombstones (null values) follow KIP-534: the first pass that keeps a tombstone rewrites its
 * batch with the delete horizon bit (attributes bit 6) and baseTimestamp = now +
 * delete.retention.ms; a later pass after that time drops them. Control batches are kept;
 * records of aborted transactions are dropped, those of transactions without a marker in
 * range are kept untouched.
 *
 * Runs on demand (`clean(log, nowMs)`); the log manager schedules it. The pass is async: it
 * decompresses off the event loop and yields between batches, then swaps segments in one
 * synchronous step that checks the log did not change underneath.
 */
export class LogCleaner {
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly yieldEveryBytes: number;
  private readonly inProgress = new Set<PartitionLog>();
  /** Logs holding tombstones whose delete horizon passes at the given time. */
  private readonly horizons = new WeakMap<PartitionLog, number>();

  constructor(options: LogCleanerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxOffsetMapEntries ?? 2_000_000;
    this.yieldEveryBytes = options.yieldEveryBytes ?? 1 << 20;
  }

  cleanableRange(log: PartitionLog, nowMs: number = this.now()): CleanableRange {
    const segments = log.segments;
    let firstDirty = log.cleanerCheckpoint ?? log.logStartOffset;
    if (firstDirty < log.logStartOffset || firstDirty > log.logEndOffset) firstDirty = log.logStartOffset;
    let firstUncleanable = Math.min(log.activeSegment.baseOffset, log.highWatermark);
    const lag = log.config.minCompactionLagMs;
    if (lag > 0) {
      for (let i = 0; i + 1 < segments.length; i++) {
        const segment = segments[i]!;
        if (segments[i + 1]!.baseOffset <= firstDirty) continue;
        if (segment.largestTimestamp() > nowMs - lag) {
          firstUncleanable = Math.min(firstUncleanable, segment.baseOffset);
          break;
        }
      }
    }
    firstUncleanable = Math.max(firstUncleanable, firstDirty);
    let cleanBytes = 0;
    let dirtyBytes = 0;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const nextBase = segments[i + 1]?.baseOffset ?? Infinity;
      if (segment.baseOffset < firstDirty) cleanBytes += segment.size;
      if (segment.baseOffset < firstUncleanable && nextBase > firstDirty) dirtyBytes += segment.size;
    }
    const total = cleanBytes + dirtyBytes;
    return { firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, cleanBytes, dirtyBytes, dirtyRatio: total === 0 ? 0 : dirtyBytes / total };
  }

  /**
   * Whether the timer should clean this log: enough dirty bytes (min.cleanable.dirty.ratio),
   * dirty data older than max.compaction.lag.ms, or tombstones whose delete horizon passed.
   */
  needsCleaning(log: PartitionLog, nowMs: number = this.now()): boolean {
    if (!log.isOpen || !log.config.compact || this.inProgress.has(log)) return false;
    const range = this.cleanableRange(log, nowMs);
    if (range.dirtyBytes > 0 && range.dirtyRatio >= log.config.minCleanableDirtyRatio) return true;
    if (range.dirtyBytes > 0) {
      const firstDirty = log.segments.find((_segment, i) => (log.segments[i + 1]?.baseOffset ?? Infinity) > range.firstDirtyOffset);
      const first = firstDirty?.firstBatchTimestamp() ?? null;
      if (first !== null && first >= 0 && nowMs - first > log.config.maxCompactionLagMs) return true;
    }
    const horizon = this.horizons.get(log);
    return horizon !== undefined && nowMs >= horizon;
  }

  /** Cleans the log now, whatever its dirty ratio. */
  async clean(log: PartitionLog, nowMs: number = this.now()): Promise<CleanerStats> {
    const stats: CleanerStats = {
      cleaned: false,
      firstDirtyOffset: -1,
      endOffset: -1,
      segmentsCleaned: 0,
      segmentsWritten: 0,
      bytesRead: 0,
      bytesWritten: 0,
      recordsRead: 0,
      recordsRetained: 0,
      tombstonesRemoved: 0,
      batchesRewritten: 0,
    };
    if (!log.config.compact) return { ...stats, skipped: 'not-compacted' };
    if (this.inProgress.has(log)) return { ...stats, skipped: 'in-progress' };
    if (!log.isOpen) return { ...stats, skipped: 'log-closed' };
    this.inProgress.add(log);
    try {
      return await this.doClean(log, nowMs, stats);
    } catch (error) {
      // Closed or deleted underneath the pass: its files went away, nothing to report.
      if (!log.isOpen) return { ...stats, skipped: 'log-closed' };
      throw error;
    } finally {
      this.inProgress.delete(log);
    }
  }

  private async doClean(log: PartitionLog, nowMs: number, stats: CleanerStats): Promise<CleanerStats> {
    const range = this.cleanableRange(log, nowMs);
    stats.firstDirtyOffset = range.firstDirtyOffset;
    const candidates = log.segments.slice(0, -1).filter((s) => s.baseOffset < range.firstUncleanableOffset);
    if (candidates.length === 0) return { ...stats, endOffset: range.firstDirtyOffset, skipped: 'nothing-to-clean' };

    const txn = this.scanTransactions(candidates);
    const map = new Map<string, number>();
    const endOffset = await this.buildOffsetMap(candidates, range, txn, map);
    stats.endOffset = endOffset;
    const ctx: PassContext = { map, endOffset, nowMs, deleteRetentionMs: log.config.deleteRetentionMs, txn, stats, minHorizon: Infinity };

    for (const group of groupSegmentsBySize(candidates.filter((s) => s.baseOffset < endOffset), log.config.segmentBytes, log.config.segmentIndexBytes)) {
      if (!log.isOpen) return { ...stats, skipped: 'log-closed' };
      const swapped = await this.cleanSegments(log, group, ctx);
      if (!swapped) return { ...stats, skipped: log.isOpen ? 'log-changed' : 'log-closed' };
      stats.segmentsCleaned += group.length;
      stats.segmentsWritten++;
    }
    if (!log.isOpen) return { ...stats, skipped: 'log-closed' };
    log.setCleanerCheckpoint(Math.max(endOffset, range.firstDirtyOffset));
    if (ctx.minHorizon === Infinity) this.horizons.delete(log);
    else this.horizons.set(log, ctx.minHorizon);
    stats.cleaned = true;
    return stats;
  }

  /** Header pass over the range: which transactional batches aborted or are still open, and each producer's last batch. */
  private scanTransactions(segments: readonly LogSegment[]): TransactionScan {
    const scan: TransactionScan = { aborted: new Set(), pending: new Set(), lastBatchOfProducer: new Map() };
    const open = new Map<number, number[]>();
    for (const segment of segments) {
      for (const batch of segment.log.batches(0)) {
        if (batch.producerId >= 0) scan.lastBatchOfProducer.set(batch.producerId, batch.baseOffset);
        const attributes = batch.attributes;
        if ((attributes & CONTROL_FLAG_MASK) !== 0) {
          const decoded = decodeRecordBatchSync(segment.log.read(batch.position, batch.size), 0, { verifyCrc: false });
          const marker = transactionMarkerOf(decoded);
          if (marker === null) continue;
          const batches = open.get(batch.producerId) ?? [];
          if (marker.type === ControlRecordType.Abort) for (const offset of batches) scan.aborted.add(offset);
          open.delete(batch.producerId);
        } else if ((attributes & TRANSACTIONAL_FLAG_MASK) !== 0) {
          const batches = open.get(batch.producerId) ?? [];
          batches.push(batch.baseOffset);
          open.set(batch.producerId, batches);
        }
      }
    }
    for (const batches of open.values()) for (const offset of batches) scan.pending.add(offset);
    return scan;
  }

  /**
   * Maps each key of the dirty range to its latest offset. Returns the offset the map covers
   * up to (exclusive): the end of the dirty range, or an earlier batch boundary when the map
   * filled up.
   */
  private async buildOffsetMap(segments: readonly LogSegment[], range: CleanableRange, txn: TransactionScan, map: Map<string, number>): Promise<number> {
    const { firstDirtyOffset: from, firstUncleanableOffset: to } = range;
    let sinceYield = 0;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if ((segments[i + 1]?.baseOffset ?? Infinity) <= from) continue;
      for (const batch of segment.log.batches(0, { withData: true })) {
        if (batch.lastOffset < from) continue;
        if (batch.baseOffset >= to) return to;
        if (isControlOrSkipped(batch, txn)) continue;
        const decoded = await decodeRecordBatch(batch.data!, 0, { verifyCrc: false });
        if (map.size > 0 && map.size + decoded.records.length > this.maxEntries) return batch.baseOffset;
        for (const record of decoded.records) {
          const offset = batch.baseOffset + record.offsetDelta;
          if (record.key === null || offset < from || offset >= to) continue;
          map.set(record.key.toString('latin1'), offset);
        }
        sinceYield += batch.size;
        if (sinceYield >= this.yieldEveryBytes) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      }
    }
    return to;
  }

  /** Writes the retained batches of `group` into one `.cleaned` segment and swaps it in. */
  private async cleanSegments(log: PartitionLog, group: readonly LogSegment[], ctx: PassContext): Promise<boolean> {
    const expectedSizes = group.map((s) => s.size);
    const cleaned = LogSegment.create(log.dir, group[0]!.baseOffset, {
      indexIntervalBytes: log.config.indexIntervalBytes,
      maxIndexSize: log.config.segmentIndexBytes,
      now: this.now,
      fileSuffix: CLEANED_FILE_SUFFIX,
    });
    try {
      let sinceYield = 0;
      let lastModified = 0;
      for (const segment of group) {
        lastModified = Math.max(lastModified, segment.lastModified());
        for (const batch of segment.log.batches(0, { withData: true })) {
          ctx.stats.bytesRead += batch.size;
          const out = await this.filterBatch(batch, ctx);
          if (out !== null) {
            const header = readBatchHeader(out);
            const baseOffset = Number(header.baseOffset);
            cleaned.append(out, [{ position: 0, size: out.length, lastOffset: baseOffset + header.lastOffsetDelta, maxTimestamp: Number(header.maxTimestamp) }]);
            ctx.stats.bytesWritten += out.length;
          }
          sinceYield += batch.size;
          if (sinceYield >= this.yieldEveryBytes) {
            sinceYield = 0;
            await yieldToEventLoop();
          }
        }
      }
      if (!log.isOpen) {
        cleaned.deleteIfExists();
        return false;
      }
      // Markers are always kept, so the aborted transactions they index stay valid.
      for (const segment of group) for (const txn of segment.txnIndex.entries) cleaned.txnIndex.append(txn);
      // Retention by time keeps working on the merged segment.
      cleaned.setLastModified(lastModified);
      if (!log.replaceSegments(cleaned, group, expectedSizes)) {
        cleaned.deleteIfExists();
        return false;
      }
      return true;
    } catch (error) {
      cleaned.deleteIfExists();
      throw error;
    }
  }

  /** The batch to write for `batch`: itself, a rewritten copy, an empty header, or null (dropped). */
  private async filterBatch(batch: FileBatch, ctx: PassContext): Promise<Buffer | null> {
    const data = batch.data!;
    const header = readBatchHeader(data);
    if (header.isControl || (header.isTransactional && ctx.txn.pending.has(batch.baseOffset))) return data;
    const decoded = await decodeRecordBatch(data, 0, { verifyCrc: false });
    ctx.stats.recordsRead += decoded.records.length;
    const aborted = header.isTransactional && ctx.txn.aborted.has(batch.baseOffset);
    const horizon = header.hasDeleteHorizon ? Number(header.baseTimestamp) : null;
    const dropTombstones = horizon !== null && ctx.nowMs >= horizon;
    const retained = aborted ? [] : decoded.records.filter((record) => this.shouldRetain(batch.baseOffset + record.offsetDelta, record, dropTombstones, ctx));
    ctx.stats.recordsRetained += retained.length;
    ctx.stats.tombstonesRemoved += countTombstones(decoded.records) - countTombstones(retained);

    const hasTombstones = retained.some((r) => r.value === null);
    const newHorizon = horizon ?? (hasTombstones ? ctx.nowMs + ctx.deleteRetentionMs : null);
    if (hasTombstones) ctx.minHorizon = Math.min(ctx.minHorizon, newHorizon!);
    if (retained.length === decoded.records.length && newHorizon === horizon) return data;
    if (retained.length === 0) {
      const keepHeader = header.producerId >= 0n && ctx.txn.lastBatchOfProducer.get(batch.producerId) === batch.baseOffset;
      if (!keepHeader) return null;
    }
    ctx.stats.batchesRewritten++;
    return rewriteBatch(header, retained, newHorizon);
  }

  private shouldRetain(offset: number, record: KafkaRecord, dropTombstones: boolean, ctx: PassContext): boolean {
    if (offset >= ctx.endOffset) return true;
    // Keyless records are invalid in a compacted topic (Kafka drops them the same way).
    if (record.key === null) return false;
    const latest = ctx.map.get(record.key.toString('latin1'));
    if (latest !== undefined && offset < latest) return false;
    return record.value !== null || !dropTombstones;
  }
}

function isControlOrSkipped(batch: FileBatch, txn: TransactionScan): boolean {
  if ((batch.attributes & CONTROL_FLAG_MASK) !== 0) return true;
  return (batch.attributes & TRANSACTIONAL_FLAG_MASK) !== 0 && (txn.aborted.has(batch.baseOffset) || txn.pending.has(batch.baseOffset));
}

function countTombstones(records: readonly KafkaRecord[]): number {
  let n = 0;
  for (const r of records) if (r.value === null) n++;
  return n;
}

/**
 * Re-encodes a batch with a subset of its records: same baseOffset, lastOffsetDelta,
 * producer fields, leader epoch and compression; record offsets and timestamps unchanged.
 * With a delete horizon the baseTimestamp holds it and record timestamps become deltas from it.
 */
function rewriteBatch(header: RecordBatchHeader, records: readonly KafkaRecord[], deleteHorizon: number | null): Promise<Buffer> {
  const logAppendTime = header.timestampType === TimestampType.LogAppendTime;
  const baseTimestamp = deleteHorizon !== null ? BigInt(deleteHorizon) : header.baseTimestamp;
  let maxTimestamp = header.maxTimestamp;
  if (!logAppendTime && records.length > 0) {
    maxTimestamp = header.baseTimestamp + BigInt(records[0]!.timestampDelta);
    for (const r of records) {
      const ts = header.baseTimestamp + BigInt(r.timestampDelta);
      if (ts > maxTimestamp) maxTimestamp = ts;
    }
  }
  const inputs: RecordInput[] = records.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    attributes: r.attributes,
    offsetDelta: r.offsetDelta,
    ...(logAppendTime ? { timestampDelta: r.timestampDelta } : { timestamp: header.baseTimestamp + BigInt(r.timestampDelta) }),
  }));
  return encodeRecordBatch({
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    attributes: deleteHorizon !== null ? header.attributes | DELETE_HORIZON_FLAG_MASK : header.attributes,
    lastOffsetDelta: header.lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    records: inputs,
  });
}

/**
 * Kafka's groupSegmentsBySize: consecutive segments merge while the result fits in
 * segment.bytes, its indexes in segment.index.bytes, and its offsets in the int32 range.
 */
export function groupSegmentsBySize(segments: readonly LogSegment[], maxSize: number, maxIndexSize: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    const group = [first];
    let logSize = first.size;
    let indexSize = first.offsetIndex.sizeInBytes;
    let timeIndexSize = first.timeIndex.sizeInBytes;
    i++;
    while (i < segments.length) {
      const next = segments[i]!;
      if (
        logSize + next.size > maxSize ||
        indexSize + next.offsetIndex.sizeInBytes > maxIndexSize ||
        timeIndexSize + next.timeIndex.sizeInBytes > maxIndexSize ||
        next.nextOffset - 1 - first.baseOffset > INT_MAX
      ) {
        break;
      }
      group.push(next);
      logSize += next.size;
      indexSize += next.offsetIndex.sizeInBytes;
      timeIndexSize += next.timeIndex.sizeInBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
