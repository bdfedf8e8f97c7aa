import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.js';
import { crc32c } from '../../protocol/crc32c.js';
import {
  ControlRecordType,
  decodeRecordBatchSync,
  NO_SEQUENCE,
  PRODUCER_ID_OFFSET,
  readBatchHeader,
  transactionMarkerOf,
  type TransactionMarkerType,
} from '../../protocol/records/index.js';
import { writeFileAtomically } from './atomic-file.js';
import { StorageError } from './errors.js';
import { filenamePrefixFromOffset, offsetFromFileName } from './log-file-names.js';
import type { LogSegment } from './log-segment.js';
import { withDescriptors } from './file-handle-cache.js';

/**
 * Who appends (Kafka's AppendOrigin): a producer through Produce (sequence numbers and epochs
 * checked, retried batches recognised), a coordinator writing its own records or transaction
 * markers (epochs checked, no sequences), or replication / recovery (trusted as they are).
 */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** Kafka keeps the last 5 batches of each producer: the most a producer has in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;
export const PRODUCER_SNAPSHOT_FILE_SUFFIX = '.snapshot';
const SNAPSHOT_VERSION = 1;
const INT32_MAX = 0x7fffffff;
const NO_EPOCH = -1;

export class OutOfOrderSequenceError extends StorageError {
  override readonly name: string = 'OutOfOrderSequenceError';
  constructor(message: string) {
    super(message, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  }
}

export class InvalidProducerEpochError extends StorageError {
  override readonly name: string = 'InvalidProducerEpochError';
  constructor(message: string) {
    super(message, ErrorCode.INVALID_PRODUCER_EPOCH);
  }
}

export class TransactionCoordinatorFencedError extends StorageError {
  override readonly name: string = 'TransactionCoordinatorFencedError';
  constructor(message: string) {
    super(message, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  }
}

export class InvalidTxnStateError extends StorageError {
  override readonly name: string = 'InvalidTxnStateError';
  constructor(message: string) {
    super(message, ErrorCode.INVALID_TXN_STATE);
  }
}

/** Sequence arithmetic wraps at Int32.MAX_VALUE to 0, as in Kafka. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

/** One appended batch of a producer. */
export interface BatchMetadata {
  lastSeq: number;
  lastOffset: number;
  /** lastOffset - firstOffset (= lastSeq - firstSeq). */
  offsetDelta: number;
  timestamp: number;
}

export const firstSeqOf = (b: BatchMetadata) => decrementSequence(b.lastSeq, b.offsetDelta);
export const firstOffsetOf = (b: BatchMetadata) => b.lastOffset - b.offsetDelta;

/** What the log knows about one producer id (Kafka's ProducerStateEntry). */
export class ProducerStateEntry {
  readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch: number,
    public coordinatorEpoch: number,
    public lastTimestamp: number,
    /** First offset of the producer's open transaction in this partition, or null. */
    public currentTxnFirstOffset: number | null,
  ) {}

  static empty(producerId: number): ProducerStateEntry {
    return new ProducerStateEntry(producerId, NO_EPOCH, -1, -1, null);
  }

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }
  get firstSeq(): number {
    return this.isEmpty ? NO_SEQUENCE : firstSeqOf(this.batches[0]!);
  }
  get lastSeq(): number {
    return this.isEmpty ? NO_SEQUENCE : this.batches.at(-1)!.lastSeq;
  }
  get lastDataOffset(): number {
    return this.isEmpty ? -1 : this.batches.at(-1)!.lastOffset;
  }
  get lastOffsetDelta(): number {
    return this.isEmpty ? 0 : this.batches.at(-1)!.offsetDelta;
  }

  /** A new epoch forgets the old epoch's batches. */
  maybeUpdateProducerEpoch(epoch: number): boolean {
    if (this.producerEpoch === epoch) return false;
    this.batches.length = 0;
    this.producerEpoch = epoch;
    return true;
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(epoch);
    this.batches.push({ lastSeq, lastOffset, offsetDelta, timestamp });
    if (this.batches.length > NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.lastTimestamp = timestamp;
  }

  /** The retained batch a retry repeats: same epoch, same first and last sequence. */
  findDuplicateBatch(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
    if (epoch !== this.producerEpoch) return null;
    return this.batches.find((b) => firstSeqOf(b) === firstSeq && b.lastSeq === lastSeq) ?? null;
  }

  clone(): ProducerStateEntry {
    const copy = new ProducerStateEntry(this.producerId, this.producerEpoch, this.coordinatorEpoch, this.lastTimestamp, this.currentTxnFirstOffset);
    copy.batches.push(...this.batches.map((b) => ({ ...b })));
    return copy;
  }
}

/** An open transaction of a partition, by the offset of its first batch. */
export interface TxnMetadata {
  producerId: number;
  firstOffset: number;
}

/** A transaction a marker just ended. */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  isAborted: boolean;
}

/** The producer fields of one batch, for validation and replay. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  isTransactional: boolean;
  isControl: boolean;
  /** The transaction marker of a control batch (null for other control records). */
  marker: { type: TransactionMarkerType; coordinatorEpoch: number } | null;
}

/**
 * The producer fields of the batch at `position`, or null when the batch has no producer
 * (ordinary, non-idempotent writes). Control batches are decoded for their marker.
 */
export function producerBatchAt(records: Buffer, position = 0): ProducerBatch | null {
  // Most batches have no producer: skip the header decoding for them.
  if (records.readBigInt64BE(position + PRODUCER_ID_OFFSET) < 0n) return null;
  const header = readBatchHeader(records, position);
  let marker: ProducerBatch['marker'] = null;
  if (header.isControl) {
    const found = transactionMarkerOf(decodeRecordBatchSync(records, position, { verifyCrc: false }));
    if (found !== null) marker = { type: found.type, coordinatorEpoch: found.coordinatorEpoch };
  }
  const baseOffset = Number(header.baseOffset);
  return {
    producerId: Number(header.producerId),
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    lastSequence: header.baseSequence === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(header.baseSequence, header.lastOffsetDelta),
    baseOffset,
    lastOffset: baseOffset + header.lastOffsetDelta,
    maxTimestamp: Number(header.maxTimestamp),
    isTransactional: header.isTransactional,
    isControl: header.isControl,
    marker,
  };
}

/**
 * The changes one append makes to one producer (Kafka's ProducerAppendInfo): validated
 * against the state before the append, applied only once the batches are written.
 */
export class ProducerAppendInfo {
  readonly updatedEntry: ProducerStateEntry;
  readonly startedTransactions: TxnMetadata[] = [];

  constructor(
    readonly producerId: number,
    private readonly currentEntry: ProducerStateEntry,
    private readonly origin: AppendOrigin,
    private readonly partition: string,
  ) {
    this.updatedEntry = currentEntry.clone();
  }

  append(batch: ProducerBatch): CompletedTxn | null {
    if (batch.isControl) {
      if (batch.marker === null) return null;
      return this.appendEndTxnMarker(batch.marker.type, batch.marker.coordinatorEpoch, batch.producerEpoch, batch.baseOffset, batch.maxTimestamp);
    }
    this.appendDataBatch(batch);
    return null;
  }

  private appendDataBatch(batch: ProducerBatch): void {
    this.checkProducerEpoch(batch.producerEpoch, batch.baseOffset);
    if (this.origin === 'client') this.checkSequence(batch.producerEpoch, batch.baseSequence, batch.baseOffset);
    const entry = this.updatedEntry;
    entry.addBatch(batch.producerEpoch, batch.lastSequence, batch.lastOffset, batch.lastOffset - batch.baseOffset, batch.maxTimestamp);
    if (entry.currentTxnFirstOffset !== null && !batch.isTransactional) {
      throw new InvalidTxnStateError(`expected a transactional write from producer ${this.producerId} at offset ${batch.baseOffset} in ${this.partition}`);
    }
    if (entry.currentTxnFirstOffset === null && batch.isTransactional) {
      entry.currentTxnFirstOffset = batch.baseOffset;
      this.startedTransactions.push({ producerId: this.producerId, firstOffset: batch.baseOffset });
    }
  }

  private appendEndTxnMarker(type: TransactionMarkerType, coordinatorEpoch: number, producerEpoch: number, offset: number, timestamp: number): CompletedTxn | null {
    this.checkProducerEpoch(producerEpoch, offset);
    const entry = this.updatedEntry;
    if (entry.coordinatorEpoch > coordinatorEpoch && this.origin !== 'replication') {
      throw new TransactionCoordinatorFencedError(
        `marker of producer ${this.producerId} at ${offset} in ${this.partition} has coordinator epoch ${coordinatorEpoch}, older than ${entry.coordinatorEpoch}`,
      );
    }
    // A marker without data in this partition changes neither the LSO nor the transaction index.
    const completed = entry.currentTxnFirstOffset === null
      ? null
      : { producerId: this.producerId, firstOffset: entry.currentTxnFirstOffset, lastOffset: offset, isAborted: type === ControlRecordType.Abort };
    entry.maybeUpdateProducerEpoch(producerEpoch);
    entry.currentTxnFirstOffset = null;
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.lastTimestamp = timestamp;
    return completed;
  }

  private checkProducerEpoch(producerEpoch: number, offset: number): void {
    if (producerEpoch < this.updatedEntry.producerEpoch && this.origin !== 'replication') {
      throw new InvalidProducerEpochError(
        `epoch ${producerEpoch} of producer ${this.producerId} at offset ${offset} in ${this.partition} is older than the current epoch ${this.updatedEntry.producerEpoch}`,
      );
    }
  }

  /**
   * Kafka's checkSequence: a new epoch must start at sequence 0 (unless the producer had no
   * epoch here, e.g. its state expired or was deleted with the log); within an epoch the
   * batch must follow the last one. A producer unknown to this partition may start anywhere
   * (KIP-360: its earlier batches may have been removed by retention).
   */
  private checkSequence(producerEpoch: number, firstSeq: number, offset: number): void {
    const entry = this.updatedEntry;
    if (producerEpoch !== entry.producerEpoch) {
      if (firstSeq !== 0 && entry.producerEpoch !== NO_EPOCH) {
        throw new OutOfOrderSequenceError(
          `invalid sequence number ${firstSeq} for the new epoch ${producerEpoch} of producer ${this.producerId} at offset ${offset} in ${this.partition} (expected 0)`,
        );
      }
      return;
    }
    const lastSeq = entry.lastSeq;
    const inSequence = firstSeq === lastSeq + 1 || (firstSeq === 0 && lastSeq === INT32_MAX);
    if (this.currentEntry.producerEpoch !== NO_EPOCH && !inSequence) {
      throw new OutOfOrderSequenceError(
        `out of order sequence number for producer ${this.producerId} at offset ${offset} in ${this.partition}: ${firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
      );
    }
  }
}

/** What an append does to producer state, found before anything is written. */
export interface ProducerStateAnalysis {
  updated: Map<number, ProducerAppendInfo>;
  completed: CompletedTxn[];
  /** Set when a client retried a batch the log already has: nothing is appended. */
  duplicate: BatchMetadata | null;
}

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
