import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '../../protocol/crc32c.js';
import { writeFileAtomically } from './atomic-file.js';
import { filenamePrefixFromOffset, offsetFromFileName } from './log-file-names.js';
import type { LogSegment } from './log-segment.js';
import { withDescriptors } from './file-handle-cache.js';

export * from './producer-state-entry.js';
import {
  producerBatchAt,
  ProducerAppendInfo,
  ProducerStateEntry,
  type AppendOrigin,
  type CompletedTxn,
  type ProducerBatch,
  type ProducerStateAnalysis,
  type TxnMetadata,
} from './producer-state-entry.js';

export const PRODUCER_SNAPSHOT_FILE_SUFFIX = '.snapshot';
const SNAPSHOT_VERSION = 1;

/**
 * Kafka's ProducerStateManager for one partition: per producer id its epoch, the last five
 * batches with their sequence numbers and offsets (to answer a retried batch with its
 * original offset), its coordinator epoch and its open transaction; the open transactions
 * by first offset (what holds the last stable offset back).
 *
 * The state is snapshotted to `<offset>.snapshot` files in the partition directory (Kafka's
 * format: version int16, CRC-32C uint32, then int32 count and per producer id, epoch, last
 * sequence, last offset, offset delta, timestamp, coordinator epoch, current txn first
 * offset) and rebuilt on load from the newest snapshot plus the batches after it.
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** Open transactions by first offset. */
  private readonly ongoingTxns = new Map<number, TxnMetadata>();
  private lastMapOffset = 0;
  private lastSnapOffset = 0;

  constructor(readonly dir: string) {}

  get mapEndOffset(): number {
    return this.lastMapOffset;
  }

  get isEmpty(): boolean {
    return this.producers.size === 0 && this.ongoingTxns.size === 0;
  }

  /** Every producer with state in this partition (DescribeProducers). */
  get activeProducers(): ReadonlyMap<number, ProducerStateEntry> {
    return this.producers;
  }

  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  /** The first offset of the oldest open transaction, or null: everything below it is stable. */
  get firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const offset of this.ongoingTxns.keys()) if (min === null || offset < min) min = offset;
    return min;
  }

  /**
   * Validates batches about to be appended (all with a producer id), without changing any
   * state. A client retrying a batch that is still among its producer's last five is reported
   * as a duplicate before anything else is checked.
   */
  analyze(batches: readonly ProducerBatch[], origin: AppendOrigin, partition: string): ProducerStateAnalysis {
    const updated = new Map<number, ProducerAppendInfo>();
    const completed: CompletedTxn[] = [];
    for (const batch of batches) {
      if (origin === 'client' && !batch.isControl) {
        const duplicate = this.producers.get(batch.producerId)?.findDuplicateBatch(batch.producerEpoch, batch.baseSequence, batch.lastSequence);
        if (duplicate) return { updated, completed, duplicate };
      }
      let info = updated.get(batch.producerId);
      if (!info) updated.set(batch.producerId, (info = this.prepareUpdate(batch.producerId, origin, partition)));
      const txn = info.append(batch);
      if (txn !== null) completed.push(txn);
    }
    return { updated, completed, duplicate: null };
  }

  prepareUpdate(producerId: number, origin: AppendOrigin, partition: string): ProducerAppendInfo {
    return new ProducerAppendInfo(producerId, this.producers.get(producerId) ?? ProducerStateEntry.empty(producerId), origin, partition);
  }

  /** Applies validated changes once their batches are in the log. */
  update(info: ProducerAppendInfo): void {
    this.producers.set(info.producerId, info.updatedEntry);
    for (const txn of info.startedTransactions) this.ongoingTxns.set(txn.firstOffset, txn);
  }

  /**
   * The LSO to record with a just completed transaction: the first offset of the oldest other
   * open transaction, else the offset after the marker.
   */
  lastStableOffset(txn: CompletedTxn): number {
    let next: number | null = null;
    for (const open of this.ongoingTxns.values()) {
      if (open.producerId !== txn.producerId && (next === null || open.firstOffset < next)) next = open.firstOffset;
    }
    return next ?? txn.lastOffset + 1;
  }

  completeTxn(txn: CompletedTxn): void {
    const open = this.ongoingTxns.get(txn.firstOffset);
    if (open?.producerId === txn.producerId) this.ongoingTxns.delete(txn.firstOffset);
  }

  /**
   * Applies one stored batch without validation (recovery and reloads). `onCompleted` sees
   * each transaction the batch ends with the LSO to index it with.
   */
  replayBatch(batch: ProducerBatch, onCompleted?: (txn: CompletedTxn, lastStableOffset: number) => void): void {
    const info = this.prepareUpdate(batch.producerId, 'replication', this.dir);
    const txn = info.append(batch);
    this.update(info);
    if (txn !== null) {
      onCompleted?.(txn, this.lastStableOffset(txn));
      this.completeTxn(txn);
    }
    this.lastMapOffset = Math.max(this.lastMapOffset, batch.lastOffset + 1);
  }

  updateMapEndOffset(offset: number): void {
    this.lastMapOffset = offset;
  }

  /**
   * Drops producers idle for producer.id.expiration.ms (by their last batch's timestamp)
   * that have no open transaction. Returns how many were removed.
   */
  removeExpiredProducers(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (entry.currentTxnFirstOffset === null && nowMs - entry.lastTimestamp >= expirationMs) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    return removed;
  }

  // Snapshots.

  /** Offsets of the snapshot files, ascending. */
  snapshotOffsets(): number[] {
    let names: string[];
    try {
      names = withDescriptors(() => fs.readdirSync(this.dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((n) => n.endsWith(PRODUCER_SNAPSHOT_FILE_SUFFIX))
      .map((n) => offsetFromFileName(n))
      .filter((o): o is number => o !== null)
      .sort((a, b) => a - b);
  }

  latestSnapshotOffset(): number | null {
    return this.snapshotOffsets().at(-1) ?? null;
  }

  snapshotFile(offset: number): string {
    return path.join(this.dir, filenamePrefixFromOffset(offset) + PRODUCER_SNAPSHOT_FILE_SUFFIX);
  }

  /**
   * Writes the state as of the map end offset, unless nothing happened since the last snapshot.
   * Not fsynced (Kafka fsyncs it on a background thread): a snapshot torn by an OS crash fails
   * its CRC and is dropped, and an older one plus a replay of the log replaces it.
   */
  takeSnapshot(): void {
    if (this.lastMapOffset <= this.lastSnapOffset) return;
    const file = this.snapshotFile(this.lastMapOffset);
    writeFileAtomically(file, encodeSnapshot([...this.producers.values()]), { durable: false });
    this.lastSnapOffset = this.lastMapOffset;
  }

  deleteSnapshotsBefore(offset: number): void {
    for (const o of this.snapshotOffsets()) if (o < offset) fs.rmSync(this.snapshotFile(o), { force: true });
  }

  /**
   * Kafka's truncateAndReload: forgets snapshots outside [logStartOffset, logEndOffset] and,
   * unless the state already ends at the log end, reloads the newest remaining snapshot (or
   * starts empty at the log start). The caller replays the batches from mapEndOffset on.
   */
  truncateAndReload(logStartOffset: number, logEndOffset: number): void {
    for (const o of this.snapshotOffsets()) {
      if (o > logEndOffset || o < logStartOffset) fs.rmSync(this.snapshotFile(o), { force: true });
    }
    if (logEndOffset !== this.lastMapOffset) {
      this.producers.clear();
      this.ongoingTxns.clear();
      this.loadFromSnapshot(logStartOffset);
    } else {
      this.onLogStartOffsetIncremented(logStartOffset);
    }
  }

  /** A log emptied and restarted at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.producers.clear();
    this.ongoingTxns.clear();
    for (const o of this.snapshotOffsets()) fs.rmSync(this.snapshotFile(o), { force: true });
    this.lastMapOffset = offset;
    this.lastSnapOffset = offset;
  }

  /** Retention or DeleteRecords moved the log start: snapshots below it cannot be used any more. */
  onLogStartOffsetIncremented(logStartOffset: number): void {
    this.deleteSnapshotsBefore(logStartOffset);
    if (this.lastMapOffset < logStartOffset) this.lastMapOffset = logStartOffset;
    this.lastSnapOffset = this.latestSnapshotOffset() ?? logStartOffset;
  }

  private loadFromSnapshot(logStartOffset: number): void {
    for (const offset of this.snapshotOffsets().reverse()) {
      const file = this.snapshotFile(offset);
      let entries: ProducerStateEntry[];
      try {
        entries = decodeSnapshot(withDescriptors(() => fs.readFileSync(file)));
      } catch {
        // A torn or corrupt snapshot is dropped; an older one (or a replay) replaces it.
        fs.rmSync(file, { force: true });
        continue;
      }
      for (const entry of entries) {
        this.producers.set(entry.producerId, entry);
        if (entry.currentTxnFirstOffset !== null) this.ongoingTxns.set(entry.currentTxnFirstOffset, { producerId: entry.producerId, firstOffset: entry.currentTxnFirstOffset });
      }
      this.lastMapOffset = offset;
      this.lastSnapOffset = offset;
      return;
    }
    this.lastMapOffset = logStartOffset;
    this.lastSnapOffset = logStartOffset;
  }
}

const SNAPSHOT_HEADER_SIZE = 6;
const SNAPSHOT_ENTRY_SIZE = 46;

function encodeSnapshot(entries: readonly ProducerStateEntry[]): Buffer {
  const buf = Buffer.alloc(SNAPSHOT_HEADER_SIZE + 4 + entries.length * SNAPSHOT_ENTRY_SIZE);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(entries.length, SNAPSHOT_HEADER_SIZE);
  let at = SNAPSHOT_HEADER_SIZE + 4;
  for (const e of entries) {
    buf.writeBigInt64BE(BigInt(e.producerId), at);
    buf.writeInt16BE(e.producerEpoch, at + 8);
    buf.writeInt32BE(e.lastSeq, at + 10);
    buf.writeBigInt64BE(BigInt(e.lastDataOffset), at + 14);
    buf.writeInt32BE(e.lastOffsetDelta, at + 22);
    buf.writeBigInt64BE(BigInt(e.lastTimestamp), at + 26);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset ?? -1), at + 38);
    at += SNAPSHOT_ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(SNAPSHOT_HEADER_SIZE)), 2);
  return buf;
}

function decodeSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < SNAPSHOT_HEADER_SIZE + 4) throw new Error('snapshot too short');
  if (buf.readInt16BE(0) !== SNAPSHOT_VERSION) throw new Error(`unknown snapshot version ${buf.readInt16BE(0)}`);
  if (buf.readUInt32BE(2) !== crc32c(buf.subarray(SNAPSHOT_HEADER_SIZE))) throw new Error('snapshot CRC mismatch');
  const count = buf.readInt32BE(SNAPSHOT_HEADER_SIZE);
  if (count < 0 || buf.length !== SNAPSHOT_HEADER_SIZE + 4 + count * SNAPSHOT_ENTRY_SIZE) throw new Error('snapshot size mismatch');
  const entries: ProducerStateEntry[] = [];
  for (let i = 0, at = SNAPSHOT_HEADER_SIZE + 4; i < count; i++, at += SNAPSHOT_ENTRY_SIZE) {
    const lastSeq = buf.readInt32BE(at + 10);
    const lastOffset = Number(buf.readBigInt64BE(at + 14));
    const offsetDelta = buf.readInt32BE(at + 22);
    const timestamp = Number(buf.readBigInt64BE(at + 26));
    const txnFirstOffset = Number(buf.readBigInt64BE(at + 38));
    const entry = new ProducerStateEntry(Number(buf.readBigInt64BE(at)), buf.readInt16BE(at + 8), buf.readInt32BE(at + 34), timestamp, txnFirstOffset >= 0 ? txnFirstOffset : null);
    if (lastOffset >= 0) entry.batches.push({ lastSeq, lastOffset, offsetDelta, timestamp });
    entries.push(entry);
  }
  return entries;
}

/**
 * Replays the stored batches in [from, to) into `state` (Kafka's loadProducersFromRecords):
 * what a reload does after restoring a snapshot older than the log end.
 */
export function loadProducersFromSegments(state: ProducerStateManager, segments: readonly LogSegment[], from: number, to: number): void {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    if (next !== undefined && next.baseOffset <= from) continue;
    if (segment.baseOffset >= to) break;
    const start = from > segment.baseOffset ? (segment.translateOffset(from)?.position ?? segment.size) : 0;
    for (const batch of segment.log.batches(start, { withData: true })) {
      if (batch.lastOffset < from) continue;
      if (batch.baseOffset >= to) break;
      if (batch.producerId < 0) continue;
      const info = producerBatchAt(batch.data!, 0);
      if (info !== null) state.replayBatch(info);
    }
  }
  state.updateMapEndOffset(to);
}
