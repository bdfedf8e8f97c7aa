import { ErrorCode } from '../../protocol/error-codes.js';
import { ControlRecordType, decodeRecordBatchSync, NO_SEQUENCE, PRODUCER_ID_OFFSET, readBatchHeader, transactionMarkerOf, type TransactionMarkerType } from '../../protocol/records/index.js';
import { StorageError } from './errors.js';

// One producer's state in a partition and the check of its next batches: what
// ProducerStateManager keeps per producer id and validates appends with.
/**
 * Who appends (Kafka's AppendOrigin): a producer through Produce (sequence numbers and epochs
 * checked, retried batches recognised), a coordinator writing its own records or transaction
 * markers (epochs checked, no sequences), or replication / recovery (trusted as they are).
 */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** Kafka keeps the last 5 batches of each producer: the most a producer has in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;
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
