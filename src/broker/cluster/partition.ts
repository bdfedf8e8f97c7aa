import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { readBatchSize, readLastOffset, RECORD_BATCH_HEADER_SIZE } from '../../protocol/records/index.js';
import type { TopicSettings } from './topic-settings.js';
import type { PartitionAssignment } from './cluster-metadata.js';
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
  /** The offset after the appended (or duplicate) batches: acks=-1 waits for the high watermark to reach it. */
  requiredOffset: number;
}

/**
 * What a partition needs from its broker to act as a leader of replicated data: who it is,
 * the clock, the controller's view of the partition (replicas, ISR) and the controller call
 * that changes the ISR (Kafka's AlterPartition, an in-process call here).
 */
export interface ReplicationContext {
  readonly localId: number;
  now(): number;
  assignment(): PartitionAssignment | undefined;
  /** Asks the controller to set the ISR; false when the controller refused (stale epoch, not leader). */
  alterIsr(isr: number[]): boolean;
  replicaLagTimeMaxMs(): number;
}

/** What the leader knows about one follower, from its fetches (Kafka's Replica state). */
interface FollowerState {
  logEndOffset: number;
  lastCaughtUpTimeMs: number;
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
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
  /** The current leader's node id (-1: none); this broker leads when it equals the local id. */
  leaderId = -1;
  private readonly followers = new Map<number, FollowerState>();
  /** The log end when this broker became leader: a follower must reach it to rejoin the ISR. */
  private leaderEpochStartOffset = 0;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public leaderEpoch: number,
    public settings: TopicSettings,
    private readonly replication?: ReplicationContext,
  ) {}

  /** True when this broker is the partition's leader. Without a replication context (tests) the partition always leads. */
  get isLeader(): boolean {
    return !this.replication || this.leaderId === this.replication.localId;
  }

  /** The ISR as the controller knows it (just this broker without a replication context). */
  get isr(): readonly number[] {
    return this.replication?.assignment()?.isr ?? [this.replication?.localId ?? 0];
  }

  /**
   * Becomes leader at `leaderEpoch` (Kafka's makeLeader): the new epoch starts at the log end,
   * every follower starts unknown (its log end comes with its first fetch) but counts as caught
   * up now, so the ISR is not shrunk before the followers had a chance to fetch.
   */
  makeLeader(leaderEpoch: number): void {
    const now = this.replication?.now() ?? Date.now();
    const wasLeaderAtEpoch = this.isLeader && this.leaderId !== -1 && this.leaderEpoch === leaderEpoch;
    this.leaderId = this.replication?.localId ?? 0;
    this.leaderEpoch = leaderEpoch;
    if (wasLeaderAtEpoch) return;
    this.leaderEpochStartOffset = this.log.logEndOffset;
    const latest = this.log.leaderEpochCache.latestEpoch;
    if (latest === null || leaderEpoch > latest) this.log.assignEpochStartOffset(leaderEpoch, this.log.logEndOffset);
    this.followers.clear();
    for (const id of this.replication?.assignment()?.replicas ?? []) {
      if (id === this.leaderId) continue;
      this.followers.set(id, { logEndOffset: -1, lastCaughtUpTimeMs: now, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: now });
    }
    this.maybeIncrementHighWatermark();
  }

  /** Becomes a follower of `leaderId` at `leaderEpoch` (Kafka's makeFollower). */
  makeFollower(leaderId: number, leaderEpoch: number): void {
    this.leaderId = leaderId;
    this.leaderEpoch = leaderEpoch;
    this.followers.clear();
  }

  /**
   * A follower fetched from `fetchOffset` (Kafka's updateFollowerFetchState): that is its log
   * end offset. It is caught up when it reached our log end as of now or as of its previous
   * fetch; a caught-up follower outside the ISR is added back, and the high watermark moves.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number): void {
    if (!this.isLeader || !this.replication) return;
    const now = this.replication.now();
    let state = this.followers.get(replicaId);
    if (!state) {
      if (!(this.replication.assignment()?.replicas ?? []).includes(replicaId)) return;
      state = { logEndOffset: -1, lastCaughtUpTimeMs: 0, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: now };
      this.followers.set(replicaId, state);
    }
    const leaderEnd = this.log.logEndOffset;
    if (fetchOffset >= leaderEnd) state.lastCaughtUpTimeMs = now;
    else if (fetchOffset >= state.lastFetchLeaderLogEndOffset && state.lastFetchLeaderLogEndOffset >= 0) state.lastCaughtUpTimeMs = Math.max(state.lastCaughtUpTimeMs, state.lastFetchTimeMs);
    state.logEndOffset = fetchOffset;
    state.lastFetchLeaderLogEndOffset = leaderEnd;
    state.lastFetchTimeMs = now;
    this.maybeExpandIsr(replicaId, state);
    this.maybeIncrementHighWatermark();
  }

  /** A follower back at the high watermark (and inside the current epoch) rejoins the ISR. */
  private maybeExpandIsr(replicaId: number, state: FollowerState): void {
    const isr = this.isr;
    if (isr.includes(replicaId)) return;
    if (state.logEndOffset >= this.highWatermark && state.logEndOffset >= this.leaderEpochStartOffset) {
      this.replication!.alterIsr([...isr, replicaId].sort((a, b) => a - b));
    }
  }

  /**
   * Drops followers that have not caught up within replica.lag.time.max.ms from the ISR
   * (never the leader itself). Returns true when the ISR shrank.
   */
  maybeShrinkIsr(): boolean {
    if (!this.isLeader || !this.replication) return false;
    const now = this.replication.now();
    const lagMax = this.replication.replicaLagTimeMaxMs();
    const isr = this.isr;
    const outOfSync = isr.filter((id) => {
      if (id === this.leaderId) return false;
      const state = this.followers.get(id);
      return !state || now - state.lastCaughtUpTimeMs > lagMax;
    });
    if (outOfSync.length === 0) return false;
    const shrunk = isr.filter((id) => !outOfSync.includes(id));
    if (!this.replication.alterIsr(shrunk)) return false;
    this.maybeIncrementHighWatermark();
    return true;
  }

  /** The high watermark is the smallest log end offset in the ISR; it never moves back. */
  maybeIncrementHighWatermark(): void {
    if (!this.isLeader) return;
    let hw = this.log.logEndOffset;
    for (const id of this.isr) {
      if (id === this.leaderId || !this.replication) continue;
      const state = this.followers.get(id);
      hw = Math.min(hw, state ? state.logEndOffset : -1);
    }
    if (hw > this.log.highWatermark) this.log.highWatermark = hw;
  }

  /** The follower's log end offset as the leader knows it (-1: unknown). Tests and DescribeCluster-style tooling read it. */
  followerLogEndOffset(replicaId: number): number {
    return this.followers.get(replicaId)?.logEndOffset ?? -1;
  }

  /**
   * Appends batches fetched from the leader as they are (offsets and epochs kept), then takes
   * the leader's high watermark as far as our log reaches (Kafka's appendRecordsToFollower).
   */
  appendRecordsAsFollower(records: Buffer, leaderHighWatermark: number, leaderLogStartOffset: number): void {
    if (records.length > 0) this.log.append(records, { leaderEpoch: this.leaderEpoch, assignOffsets: false, origin: 'replication' });
    if (leaderLogStartOffset > this.log.logStartOffset && leaderLogStartOffset <= this.log.logEndOffset) this.log.maybeIncrementLogStartOffset(leaderLogStartOffset);
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (hw > this.log.highWatermark) this.log.highWatermark = hw;
  }

  /** Reads for a follower: everything up to the log end, the high watermark does not bound it. */
  readForFollower(fetchOffset: number, maxBytes: number, minOneBatch: boolean): PartitionRead {
    if (fetchOffset < this.log.logStartOffset || fetchOffset > this.log.logEndOffset) {
      throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `Fetch offset ${fetchOffset} is out of range for partition ${this.topic}-${this.index}`);
    }
    const read = this.log.read(fetchOffset, maxBytes, { minOneBatch });
    return { records: read.records, highWatermark: this.highWatermark, lastStableOffset: this.lastStableOffset, logStartOffset: this.log.logStartOffset, abortedTransactions: null };
  }

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
    // Followers only take the leader's batches (a coordinator timer on a follower must not write).
    if (!this.isLeader) throw new KafkaProtocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${this.topic}-${this.index}`);
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
    // Alone in the ISR, what is appended is committed; otherwise the followers' fetches move it.
    this.maybeIncrementHighWatermark();
    const duplicate = result.duplicate === true;
    return { baseOffset: result.firstOffset, logAppendTime: duplicate ? result.logAppendTime : logAppendTimeMs ?? -1, logStartOffset: this.log.logStartOffset, duplicate, requiredOffset: result.lastOffset + 1 };
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
