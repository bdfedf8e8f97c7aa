import type { TimerHandle } from '../../clock.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import type { CoordinatorDeps } from '../runtime/coordinator-context.js';
import type { VerificationGuard } from '../transaction/transaction-verification.js';
import { ClassicGroup } from './classic-group.js';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { GROUP_METADATA_TOPIC, type GroupMetadataManager } from './group-metadata-manager.js';
import { NO_METADATA, type TopicPartitionOffset } from './offset-and-metadata.js';

export interface OffsetCommitParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** -1 for consumers that do not use group management (simple consumers, admin tools). */
  generationId: number;
  apiVersion: number;
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null; commitTimestamp: number; expireTimestamp: number | null }>;
}

/** TxnOffsetCommit: offsets committed by a transactional producer, visible once its transaction commits. */
export interface TxnOffsetCommitParams {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** -1 and '' before v3, whose requests carry no member. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null }>;
  /** KIP-890: the transaction coordinator's verdict on this write (TransactionVerification.verifyThen). */
  verificationGuard: VerificationGuard;
}

export interface FetchedOffset {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchedTopic {
  topic: string;
  partitions: FetchedOffset[];
}

/**
 * Committed offsets (Kafka's OffsetMetadataManager): OffsetCommit with its generation and
 * member checks, OffsetFetch, OffsetDelete, and the periodic expiry of offsets after
 * offsets.retention.minutes, which also drops groups left with nothing.
 */
export class OffsetMetadataManager {
  private expirationTimer: TimerHandle | null = null;

  constructor(
    private readonly deps: CoordinatorDeps,
    private readonly coordinator: GroupCoordinator,
    private readonly groups: GroupMetadataManager,
  ) {}

  startup(): void {
    this.expirationTimer = this.deps.context.clock.setInterval(() => this.cleanupExpiredOffsets(), this.deps.context.config.int('offsets.retention.check.interval.ms'));
  }

  shutdown(): void {
    this.deps.context.clock.clearInterval(this.expirationTimer);
    this.expirationTimer = null;
  }

  /**
   * Commits offsets; resolves to an error code per offset, in the request's order, once the
   * ISR of the group's `__consumer_offsets` partition has them. The group takes them then.
   */
  commitOffsets(p: OffsetCommitParams): Promise<number[]> {
    const all = (code: number) => Promise.resolve(p.offsets.map(() => code));
    const error = this.coordinator.validateGroupStatus(p.groupId, false);
    if (error !== null) return all(error);
    let group = this.groups.getGroup(p.groupId);
    if (!group) {
      // A "simple" group: offsets stored for a consumer that assigns partitions itself.
      if (p.generationId >= 0) return all(p.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      if (!this.groups.canCreateGroup()) return all(ErrorCode.POLICY_VIOLATION);
      group = this.groups.addGroup(new ClassicGroup(p.groupId, 'Empty', this.deps.context.clock.now()));
    }
    const validation = this.validateOffsetCommit(group, p);
    if (validation !== null) return all(validation);
    // A commit proves the member alive, like a heartbeat.
    const member = group.members.get(p.memberId);
    if (member && (group.is('Stable') || group.is('PreparingRebalance'))) this.coordinator.scheduleHeartbeatExpiration(group, member);

    const maxMetadata = this.deps.context.config.int('offset.metadata.max.bytes');
    const results: number[] = p.offsets.map((o) => this.offsetError(o, maxMetadata));
    const accepted: TopicPartitionOffset[] = [];
    p.offsets.forEach((o, i) => {
      if (results[i] === ErrorCode.NONE) accepted.push({ ...o, metadata: o.metadata ?? NO_METADATA });
    });
    const committing = group;
    return new Promise((resolve) => {
      this.groups.storeOffsets(committing.groupId, accepted, (stored) => {
        if (stored === ErrorCode.NONE) for (const o of accepted) committing.putOffset(o.topic, o.partition, o);
        resolve(results.map((r) => (r === ErrorCode.NONE ? stored : r)));
      });
    });
  }

  /**
   * TxnOffsetCommit (Kafka's handleTxnCommitOffsets): the group's `__consumer_offsets`
   * partition must be in the producer's open transaction (AddOffsetsToTxn); the group is
   * created when unknown; requests with a member (v3+) are checked like OffsetCommit's.
   * The offsets are written as the producer's transactional records and stay pending until
   * the transaction ends. Returns an error code per offset.
   */
  commitTransactionalOffsets(p: TxnOffsetCommitParams): number[] {
    const all = (code: number) => p.offsets.map(() => code);
    const error = this.coordinator.validateGroupStatus(p.groupId, true);
    if (error !== null) return all(error);
    const verification = p.verificationGuard.verdict({ producerId: p.producerId, producerEpoch: p.producerEpoch, topic: GROUP_METADATA_TOPIC, partition: this.groups.partitionFor(p.groupId) });
    if (verification !== ErrorCode.NONE) return all(verification);
    if (!this.groups.getGroup(p.groupId) && !this.groups.canCreateGroup()) return all(ErrorCode.POLICY_VIOLATION);
    const group = this.groups.getGroup(p.groupId) ?? this.groups.addGroup(new ClassicGroup(p.groupId, 'Empty', this.deps.context.clock.now()));
    if (group.is('Dead')) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (p.generationId >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
      const memberError = this.coordinator.validateCurrentMember(group, p.memberId, p.groupInstanceId);
      if (memberError !== null) return all(memberError);
      if (p.generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
    }

    const now = this.deps.context.clock.now();
    const maxMetadata = this.deps.context.config.int('offset.metadata.max.bytes');
    const results: number[] = p.offsets.map((o) => this.offsetError(o, maxMetadata));
    const accepted: TopicPartitionOffset[] = [];
    p.offsets.forEach((o, i) => {
      if (results[i] === ErrorCode.NONE) accepted.push({ ...o, metadata: o.metadata ?? NO_METADATA, commitTimestamp: now, expireTimestamp: null });
    });
    const stored = this.groups.storeTxnOffsets(group.groupId, { producerId: p.producerId, producerEpoch: p.producerEpoch }, accepted);
    return results.map((r) => (r === ErrorCode.NONE ? stored : r));
  }

  /**
   * Generation -1 with no member id is a commit from outside group management, accepted
   * only while the group is Empty; anything else must be a current member of this generation.
   */
  private validateOffsetCommit(group: ClassicGroup, p: OffsetCommitParams): number | null {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (p.generationId < 0 && group.is('Empty')) return null;
    if (p.generationId >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
      const memberError = this.coordinator.validateCurrentMember(group, p.memberId, p.groupInstanceId);
      if (memberError !== null) return memberError;
      if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // The member has the new generation but not its assignment yet.
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return null;
  }

  /**
   * The group's committed offsets for the given partitions (all of them for null); offset
   * -1 where nothing is committed. With `requireStable` (OffsetFetch v7+), a partition with
   * offsets pending in an open transaction answers UNSTABLE_OFFSET_COMMIT, which consumers retry.
   */
  fetchOffsets(groupId: string, requested: ReadonlyArray<{ topic: string; partitions: readonly number[] }> | null, requireStable = false): { errorCode: number; topics: FetchedTopic[] } {
    const error = this.coordinator.validateGroupStatus(groupId, false);
    if (error !== null) return { errorCode: error, topics: [] };
    const group = this.groups.getGroup(groupId);
    const found = (topic: string, partition: number): FetchedOffset => {
      if (requireStable && this.groups.pendingTxnOffsets.has(groupId, topic, partition)) {
        return { partition, offset: -1, leaderEpoch: -1, metadata: NO_METADATA, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      const o = group && !group.is('Dead') ? group.offset(topic, partition) : undefined;
      return { partition, offset: o?.offset ?? -1, leaderEpoch: o?.leaderEpoch ?? -1, metadata: o?.metadata ?? NO_METADATA, errorCode: ErrorCode.NONE };
    };
    if (requested !== null) {
      return { errorCode: ErrorCode.NONE, topics: requested.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => found(t.topic, p)) })) };
    }
    const byTopic = new Map<string, FetchedOffset[]>();
    for (const o of group && !group.is('Dead') ? group.offsets.values() : []) {
      let partitions = byTopic.get(o.topic);
      if (!partitions) byTopic.set(o.topic, (partitions = []));
      partitions.push(found(o.topic, o.partition));
    }
    return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) })) };
  }

  /** OffsetDelete: an active consumer group keeps the offsets of topics it still subscribes to. */
  deleteOffsets(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): { errorCode: number; results: number[] } {
    const error = this.coordinator.validateGroupStatus(groupId, true);
    if (error !== null) return { errorCode: error, results: [] };
    const group = this.groups.getGroup(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, results: [] };
    let results: number[];
    if (group.is('Empty')) {
      results = partitions.map(() => ErrorCode.NONE);
    } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE) {
      results = partitions.map((p) => (group.isSubscribedToTopic(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    } else {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, results: [] };
    }
    const removed = partitions.filter((p, i) => results[i] === ErrorCode.NONE && group.removeOffset(p.topic, p.partition));
    this.cleanupGroupMetadata(group, removed);
    return { errorCode: ErrorCode.NONE, results };
  }

  /**
   * As Kafka: offsets only for partitions that exist (so a group keeps at most one offset per
   * partition of the cluster), with metadata within offset.metadata.max.bytes.
   */
  private offsetError(o: { topic: string; partition: number; metadata: string | null }, maxMetadata: number): number {
    if (this.deps.metadata.topic(o.topic)?.partitions[o.partition] === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return o.metadata !== null && o.metadata.length > maxMetadata ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE;
  }

  /**
   * Expires offsets past offsets.retention.minutes, and those of deleted topics (run every
   * offsets.retention.check.interval.ms).
   */
  cleanupExpiredOffsets(): void {
    const now = this.deps.context.clock.now();
    const retentionMs = this.deps.context.config.int('offsets.retention.minutes') * 60_000;
    for (const group of this.groups.allGroups) {
      const expired = group.removeExpiredOffsets(now, retentionMs);
      for (const o of [...group.offsets.values()]) {
        if (this.deps.metadata.topic(o.topic) === undefined && group.removeOffset(o.topic, o.partition)) expired.push(o);
      }
      if (expired.length > 0) this.deps.context.logger.info(`removed ${expired.length} expired offsets of group ${group.groupId}`);
      this.cleanupGroupMetadata(group, expired);
    }
  }

  /**
   * The cluster metadata deleted `topic` (every broker hears of it): the groups coordinated here
   * drop their offsets of it at once, with tombstones in the partitions led here, as Kafka's
   * coordinators do on a metadata update that deletes partitions.
   */
  onTopicDeleted(topic: string): void {
    this.removeOffsetsOf(this.groups.allGroups, (t) => t === topic);
  }

  /** Just-loaded groups drop offsets of topics deleted while their partition was not loaded here. */
  removeOffsetsOfDeletedTopics(groups: readonly ClassicGroup[]): void {
    this.removeOffsetsOf(groups, (topic) => this.deps.metadata.topic(topic) === undefined);
  }

  private removeOffsetsOf(groups: readonly ClassicGroup[], deleted: (topic: string) => boolean): void {
    for (const group of groups) {
      const removed = [...group.offsets.values()].filter((o) => deleted(o.topic) && group.removeOffset(o.topic, o.partition));
      if (removed.length > 0) this.cleanupGroupMetadata(group, removed);
    }
  }

  /**
   * Writes tombstones for removed offsets; an Empty group left without offsets is Dead and
   * dropped (with a tombstone for its metadata unless it only ever stored offsets).
   */
  cleanupGroupMetadata(group: ClassicGroup, removedOffsets: ReadonlyArray<{ topic: string; partition: number }>): void {
    let groupRemoved = false;
    if (group.is('Empty') && !group.hasOffsets) {
      group.transitionTo('Dead', this.deps.context.clock.now());
      this.coordinator.unload(group);
      this.groups.removeGroup(group.groupId);
      groupRemoved = group.generationId > 0;
    }
    this.groups.writeTombstones(group.groupId, removedOffsets, groupRemoved);
  }
}
