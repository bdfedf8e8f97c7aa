import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { TopicSettings } from '../replica-manager.js';
import type { PartitionLog } from '../storage/partition-log.js';

export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;

export interface AppendInfo {
  baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface PartitionRead {
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
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
  /** Until transactions exist, everything below the high watermark is stable. */
  get lastStableOffset(): number {
    return this.log.highWatermark;
  }

  /**
   * Appends validated client batches: the log assigns offsets and stamps our leader epoch
   * (and the append time on LogAppendTime topics) into the batches.
   */
  appendRecordsAsLeader(records: Buffer, logAppendTimeMs: number | null): AppendInfo {
    const result = this.log.append(records, {
      leaderEpoch: this.leaderEpoch,
      assignOffsets: true,
      ...(logAppendTimeMs !== null ? { timestampType: 'LogAppendTime', logAppendTimeMs } : {}),
    });
    // A single replica is the whole ISR: what is appended is committed.
    this.log.highWatermark = this.log.logEndOffset;
    return { baseOffset: result.firstOffset, logAppendTime: logAppendTimeMs ?? -1, logStartOffset: this.log.logStartOffset };
  }

  /** Reads for a consumer: up to the high watermark (or the LSO when read_committed). */
  read(fetchOffset: number, maxBytes: number, isolationLevel: number, minOneBatch: boolean): PartitionRead {
    const upperBound = isolationLevel === IsolationLevel.READ_COMMITTED ? this.lastStableOffset : this.highWatermark;
    if (fetchOffset < this.log.logStartOffset || fetchOffset > this.log.logEndOffset) {
      throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `Fetch offset ${fetchOffset} is out of range for partition ${this.topic}-${this.index}`);
    }
    const read = this.log.read(fetchOffset, maxBytes, { maxOffset: upperBound, minOneBatch });
    return { records: read.records, highWatermark: this.highWatermark, lastStableOffset: this.lastStableOffset, logStartOffset: this.log.logStartOffset };
  }

  /** The error for a client's view of the leader epoch (KIP-320), or NONE when it matches or is unknown (-1). */
  leaderEpochError(currentLeaderEpoch: number): number {
    if (currentLeaderEpoch === -1 || currentLeaderEpoch === this.leaderEpoch) return ErrorCode.NONE;
    return currentLeaderEpoch < this.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
  }
}
