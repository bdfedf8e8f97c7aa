import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { readBatchSize, readLastOffset, RECORD_BATCH_HEADER_SIZE } from '../../protocol/records/index.js';
import type { TopicSettings } from '../replica-manager.js';
import { StorageError } from '../storage/errors.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { AppendOrigin } from '../storage/producer-state-manager.js';
import type { AbortedTxn } from '../storage/transaction-index.js';

export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;

export interface AppendInfo {
  baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number;
  logStartOffset: number;
  /** A retried batch the log already had: the offsets are the original ones. */
  duplicate: boolean;
}

export interface PartitionRead {
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed only: the aborted transactions overlapping the returned records, by first offset. */
  abortedTransactions: AbortedTxn[] | null;
}

/**
 * One partition as its leader sees it (Kafka's `Partition`): the log, the leader epoch, the
 * replicas and the high watermark. Handlers go through it, never to the log directly, so
 * that replication can change what "committed" means in one place.
 */
export class Partition {
  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public leaderEpoch: number,
    public settings: TopicSettings,
  ) {}

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }
  get highWatermark(): number {
    return this.log.highWatermark;
  }
  /** Below it no transaction is open: the first offset of the oldest open one, capped by the high watermark. */
  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  /**
   * Appends validated batches: the log assigns offsets and stamps our leader epoch (and the
   * append time on LogAppendTime topics) into the batches. `origin` selects the producer
   * state checks: 'client' for Produce, 'coordinator' for the coordinators' own records and
   * transaction markers. Storage errors come back as Kafka errors (OUT_OF_ORDER_SEQUENCE_NUMBER,
   * INVALID_PRODUCER_EPOCH, ...).
   */
  appendRecordsAsLeader(records: Buffer, logAppendTimeMs: number | null, origin: AppendOrigin = 'client'): AppendInfo {
    let result;
    try {
      result = this.log.append(records, {
        leaderEpoch: this.leaderEpoch,
        assignOffsets: true,
        origin,
        ...(logAppendTimeMs !== null ? { timestampType: 'LogAppendTime', logAppendTimeMs } : {}),
      });
    } catch (error) {
      if (error instanceof StorageError) throw new KafkaProtocolError(error.errorCode, error.message);
      throw error;
    }
    // A single replica is the whole ISR: what is appended is committed.
    this.log.highWatermark = this.log.logEndOffset;
    const duplicate = result.duplicate === true;
    return { baseOffset: result.firstOffset, logAppendTime: duplicate ? result.logAppendTime : logAppendTimeMs ?? -1, logStartOffset: this.log.logStartOffset, duplicate };
  }

  /**
   * Reads for a consumer: up to the high watermark, or the LSO when read_committed, with the
   * aborted transactions that overlap what is returned (sorted by first offset, as consumers
   * expect) so the consumer can drop their records.
   */
  read(fetchOffset: number, maxBytes: number, isolationLevel: number, minOneBatch: boolean): PartitionRead {
    const readCommitted = isolationLevel === IsolationLevel.READ_COMMITTED;
    const upperBound = readCommitted ? this.lastStableOffset : this.highWatermark;
    if (fetchOffset < this.log.logStartOffset || fetchOffset > this.log.logEndOffset) {
      throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `Fetch offset ${fetchOffset} is out of range for partition ${this.topic}-${this.index}`);
    }
    const read = this.log.read(fetchOffset, maxBytes, { maxOffset: upperBound, minOneBatch });
    let abortedTransactions: AbortedTxn[] | null = null;
    if (readCommitted) {
      const end = endOffsetOf(read.records);
      abortedTransactions = end === null ? [] : this.log.collectAbortedTransactions(fetchOffset, end).sort((a, b) => a.firstOffset - b.firstOffset);
    }
    return { records: read.records, highWatermark: this.highWatermark, lastStableOffset: this.lastStableOffset, logStartOffset: this.log.logStartOffset, abortedTransactions };
  }

  /** The error for a client's view of the leader epoch (KIP-320), or NONE when it matches or is unknown (-1). */
  leaderEpochError(currentLeaderEpoch: number): number {
    if (currentLeaderEpoch === -1 || currentLeaderEpoch === this.leaderEpoch) return ErrorCode.NONE;
    return currentLeaderEpoch < this.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
  }
}

/** The offset after the last batch of a records blob, or null when it holds none. */
function endOffsetOf(records: Buffer): number | null {
  let end: number | null = null;
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= records.length; ) {
    end = Number(readLastOffset(records, at)) + 1;
    const size = readBatchSize(records, at);
    if (size <= RECORD_BATCH_HEADER_SIZE) break;
    at += size;
  }
  return end;
}
