import { ErrorCode } from '../../../protocol/error-codes.js';
import type { CoordinatorDeps } from '../runtime/coordinator-context.js';
import type { CoordinatorTopic } from '../runtime/coordinator-topic.js';
import type { GroupTxnOffsets } from '../transaction/group-txn-offsets.js';
import { ClassicGroup } from './classic-group.js';
import { GroupMetadataManager, OFFSETS_TOPIC } from './group-metadata-manager.js';
import { GroupPartitionLoader } from './group-partition-loader.js';
import { ClassicGroupRebalance } from './group-rebalance.js';
import type { JoinGroupParams, MemberIdentity, SyncGroupParams } from './group-request-params.js';
import { EMPTY_BYTES, joinError, syncError, MemberMetadata, type JoinCallback, type SyncCallback } from './member-metadata.js';
import { OffsetMetadataManager } from './offset-metadata-manager.js';

/** How long a new member may wait in its first JoinGroup before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The group coordinator of the classic protocol (Kafka's GroupCoordinator): answers JoinGroup,
 * SyncGroup, Heartbeat and LeaveGroup for the groups whose `__consumer_offsets` partition this
 * broker leads. It owns every group; the rebalance state machine and member sessions are
 * ClassicGroupRebalance's, offsets the OffsetMetadataManager's, group persistence the
 * GroupMetadataManager's, loading and unloading the partitions it leads the
 * GroupPartitionLoader's (run by the coordinator runtime as leadership moves).
 */
export class GroupCoordinator implements GroupTxnOffsets {
  readonly groupManager: GroupMetadataManager;
  readonly offsets: OffsetMetadataManager;
  /** `__consumer_offsets`, as the coordinator runtime runs it (placement, creation, loading). */
  readonly offsetsTopic: CoordinatorTopic;
  private readonly rebalance: ClassicGroupRebalance;
  private readonly loader: GroupPartitionLoader;

  constructor(private readonly deps: CoordinatorDeps) {
    const loader = { load: (index: number) => this.loader.load(index), unload: (index: number) => this.loader.unload(index) };
    this.offsetsTopic = deps.runtime.register(OFFSETS_TOPIC, loader);
    this.groupManager = new GroupMetadataManager(deps, this.offsetsTopic);
    this.rebalance = new ClassicGroupRebalance(deps.context, this.groupManager);
    this.offsets = new OffsetMetadataManager(deps, this, this.groupManager);
    this.loader = new GroupPartitionLoader(deps.context.logger, this, this.groupManager);
  }


  /** Loads the groups and offsets of the `__consumer_offsets` partitions led here; loaded members get a fresh session. */
  startup(): void {
    this.offsetsTopic.start();
    this.offsets.startup();
  }

  /** Stops every timer and answers waiting JoinGroup/SyncGroup requests with NOT_COORDINATOR. */
  shutdown(): void {
    this.offsetsTopic.stop();
    this.offsets.shutdown();
    for (const group of this.groupManager.allGroups) this.unload(group);
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.groupManager.getGroup(groupId);
  }

  /**
   * Whether this broker can serve the group now (Kafka's validateGroupStatus): a valid id,
   * `__consumer_offsets` created (on first use), the group's partition loaded
   * (COORDINATOR_LOAD_IN_PROGRESS while it loads) and led here. Null when it can.
   */
  validateGroupStatus(groupId: string, requireNonEmptyId: boolean): number | null {
    if (requireNonEmptyId && groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.offsetsTopic.isActive) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.offsetsTopic.ensureTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.offsetsTopic.isLoading(this.groupManager.partitionFor(groupId))) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.groupManager.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  /**
   * ListGroups' top-level error: COORDINATOR_NOT_AVAILABLE when stopped, and
   * COORDINATOR_LOAD_IN_PROGRESS while a partition loads (the groups loaded so far are listed).
   */
  listGroupsError(): number {
    if (!this.offsetsTopic.isActive) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.offsetsTopic.isAnyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /** The partition of `__consumer_offsets` that holds the group, created on first use (null: it cannot be yet). */
  transactionalOffsetsPartition(groupId: string): number | null {
    return this.offsetsTopic.ensureTopic() ? this.groupManager.partitionFor(groupId) : null;
  }

  /**
   * The transaction coordinator wrote a marker to partition `offsetsPartition` of
   * `__consumer_offsets`: the producer's transactional offsets there are committed or dropped.
   */
  onTransactionCompleted(producerId: number, offsetsPartition: number, commit: boolean): void {
    this.groupManager.completeTxnOffsets(producerId, offsetsPartition, commit);
  }

  /** FindCoordinator for a group: the leader of its `__consumer_offsets` partition (see CoordinatorTopic.findCoordinator). */
  findCoordinator(groupId: string): { errorCode: number; nodeId: number } {
    return this.offsetsTopic.findCoordinator(groupId);
  }

  // JoinGroup.

  joinGroup(p: JoinGroupParams, respond: JoinCallback): void {
    const error = this.validateGroupStatus(p.groupId, true);
    if (error !== null) return respond(joinError(p.memberId, error));
    const config = this.deps.context.config;
    if (p.sessionTimeoutMs < config.int('group.min.session.timeout.ms') || p.sessionTimeoutMs > config.int('group.max.session.timeout.ms')) {
      return respond(joinError(p.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = p.memberId === '';
    let group = this.groupManager.getGroup(p.groupId);
    if (!group) {
      // Only a member without an id may create a group; anyone else is from a group that is gone.
      if (!isUnknownMember) return respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      if (!this.groupManager.canCreateGroup()) return respond(joinError(p.memberId, ErrorCode.POLICY_VIOLATION));
      group = this.groupManager.addGroup(new ClassicGroup(p.groupId, 'Empty', this.deps.context.clock.now()));
    }
    if (!this.acceptJoiningMember(group, p.memberId)) {
      const existing = group.members.get(p.memberId);
      if (existing) this.rebalance.cancelHeartbeat(existing);
      group.remove(p.memberId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.doNewMemberJoinGroup(group, p, respond);
    } else {
      this.doCurrentMemberJoinGroup(group, p, respond);
    }
    if (group.is('PreparingRebalance')) this.rebalance.checkAndCompleteJoin(group);
  }

  /** group.max.size counts members waiting to join during a rebalance, all members otherwise. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const maxSize = this.deps.context.config.int('group.max.size');
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.has(memberId) && group.get(memberId).isAwaitingJoin) || group.numAwaitingJoin < maxSize;
      default:
        return group.has(memberId) || group.size < maxSize;
    }
  }

  private doNewMemberJoinGroup(group: ClassicGroup, p: JoinGroupParams, respond: JoinCallback): void {
    if (group.is('Dead')) return respond(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(p.protocolType, p.protocols.map((x) => x.name))) return respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const newMemberId = group.generateMemberId(p.clientId, p.groupInstanceId);
    if (p.groupInstanceId !== null) {
      const oldMemberId = group.currentStaticMemberId(p.groupInstanceId);
      if (oldMemberId !== undefined) this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, p, respond);
      else this.addMemberAndRebalance(group, newMemberId, p, respond);
    } else if (p.requireKnownMemberId) {
      // KIP-394: the member must come back with this id, so a client that times out and
      // retries cannot leave ghost members behind.
      this.rebalance.addPendingMember(group, newMemberId, p.sessionTimeoutMs);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, newMemberId, p, respond);
    }
  }

  private doCurrentMemberJoinGroup(group: ClassicGroup, p: JoinGroupParams, respond: JoinCallback): void {
    const { memberId } = p;
    if (group.is('Dead')) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(p.protocolType, p.protocols.map((x) => x.name))) return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (group.isPendingMember(memberId)) {
      if (p.groupInstanceId !== null) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return this.addMemberAndRebalance(group, memberId, p, respond);
    }
    const memberError = this.validateCurrentMember(group, memberId, p.groupInstanceId);
    if (memberError !== null) return respond(joinError(memberId, memberError));
    const member = group.get(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, p, respond);
      case 'CompletingRebalance':
        // Same metadata: the member most likely missed the JoinGroup response; send it again.
        if (member.matches(p.protocols)) return respond(this.rebalance.joinResult(group, member, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, p, respond);
      case 'Stable':
        // The leader rejoins to have topic metadata changes reassigned; others when their metadata changed.
        if (group.isLeader(memberId) || !member.matches(p.protocols)) return this.updateMemberAndRebalance(group, member, p, respond);
        return respond(this.rebalance.joinResult(group, member, false));
      default:
        return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /**
   * A static member known to `group.instance.id` restarted: it takes over the old member's
   * place and assignment. In a Stable group that keeps its protocol nothing is rebalanced.
   */
  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, p: JoinGroupParams, respond: JoinCallback): void {
    const instanceId = p.groupInstanceId!;
    const currentLeader = group.leaderId;
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId, (old) => {
      old.completeJoin(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
      old.completeSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
    });
    const previous = { protocols: member.supportedProtocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
    this.rebalance.scheduleHeartbeatExpiration(group, member);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) return this.rebalance.maybePrepareRebalance(group, `static member ${instanceId} rejoined with other protocols`);
        const error = this.groupManager.storeGroup(group, new Map());
        if (error !== ErrorCode.NONE) {
          // Put the old member back so that the group stays as persisted.
          group.replaceStaticMember(instanceId, newMemberId, oldMemberId, () => {});
          group.updateMember(member, previous.protocols, previous.rebalanceTimeoutMs, previous.sessionTimeoutMs, null);
          respond(joinError(newMemberId, error));
          return;
        }
        // A v9+ leader may keep its assignment and skip computing one; older ones are told
        // the old leader id, so they act as followers and just sync.
        const skip = p.supportSkippingAssignment && group.isLeader(newMemberId);
        member.completeJoin({
          ...this.rebalance.joinResult(group, member, skip),
          leaderId: skip ? newMemberId : currentLeader ?? '',
          skipAssignment: skip,
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may be assigning to the old member id: start over.
        return this.rebalance.prepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
      case 'PreparingRebalance':
        return;
      default:
        member.completeJoin(joinError(newMemberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, p: JoinGroupParams, respond: JoinCallback): void {
    const member = new MemberMetadata(memberId, p.groupInstanceId, p.clientId, p.clientHost, p.rebalanceTimeoutMs, p.sessionTimeoutMs, p.protocolType, p.protocols);
    member.isNew = true;
    // Lets the initial delay of a new group extend itself while members keep arriving.
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    member.awaitingJoin = respond;
    group.add(member);
    // Sockets are not watched while JoinGroup waits, so a new member that vanished is dropped by this timeout.
    this.rebalance.scheduleHeartbeatExpiration(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.rebalance.maybePrepareRebalance(group, `adding new member ${memberId}`);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: MemberMetadata, p: JoinGroupParams, respond: JoinCallback): void {
    // A JoinGroup that is superseded by a newer one of the same member is answered right away.
    member.completeJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
    this.rebalance.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
  }

  // SyncGroup.

  syncGroup(p: SyncGroupParams, respond: SyncCallback): void {
    const error = this.validateGroupStatus(p.groupId, true);
    // A loading coordinator lost the rebalance this sync belongs to: REBALANCE_IN_PROGRESS sends
    // the member back to JoinGroup here (older clients do not expect COORDINATOR_LOAD_IN_PROGRESS).
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (error !== null) return respond(syncError(error));
    const group = this.groupManager.getGroup(p.groupId);
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const validation = this.validateSyncGroup(group, p);
    if (validation !== null) return respond(syncError(validation));
    switch (group.state) {
      case 'Empty':
        return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        const member = group.get(p.memberId);
        member.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        this.rebalance.removePendingSyncMember(group, p.memberId);
        if (group.isLeader(p.memberId)) this.completeSyncFromLeader(group, p.assignments);
        return;
      }
      case 'Stable': {
        this.rebalance.removePendingSyncMember(group, p.memberId);
        const member = group.get(p.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.rebalance.scheduleHeartbeatExpiration(group, member);
        return;
      }
      default:
        return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  /** Persists the leader's assignment (empty bytes for members it left out) and hands it out. */
  private completeSyncFromLeader(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>): void {
    const assignment = new Map<string, Buffer>();
    for (const memberId of group.members.keys()) assignment.set(memberId, assignments.get(memberId) ?? EMPTY_BYTES);
    const error = this.groupManager.storeGroup(group, assignment);
    // The append is synchronous, so the group cannot have moved on in between.
    if (error !== ErrorCode.NONE) {
      this.rebalance.resetAndPropagateAssignmentError(group, error);
      this.rebalance.maybePrepareRebalance(group, 'error storing the group assignment');
      return;
    }
    for (const member of group.members.values()) member.assignment = assignment.get(member.memberId)!;
    this.rebalance.propagateAssignment(group, ErrorCode.NONE);
    group.transitionTo('Stable', this.deps.context.clock.now());
  }

  private validateSyncGroup(group: ClassicGroup, p: SyncGroupParams): number | null {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
    if (memberError !== null) return memberError;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (p.protocolType !== null && p.protocolType !== group.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (p.protocolName !== null && p.protocolName !== group.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return null;
  }

  // Heartbeat and LeaveGroup.

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const error = this.validateGroupStatus(groupId, true);
    // While the group's partition loads, heartbeats are answered blindly, as Kafka does.
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (error !== null) return error;
    const group = this.groupManager.getGroup(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(group, memberId, groupInstanceId);
    if (memberError !== null) return memberError;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.rebalance.scheduleHeartbeatExpiration(group, group.get(memberId));
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** Removes members by id, or by group.instance.id alone (administrative removal, v3+). */
  leaveGroup(groupId: string, leaving: readonly MemberIdentity[]): { errorCode: number; members: Array<MemberIdentity & { errorCode: number }> } {
    const error = this.validateGroupStatus(groupId, true);
    if (error !== null) return { errorCode: error, members: [] };
    const group = this.groupManager.getGroup(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      let errorCode: number = ErrorCode.NONE;
      if (m.memberId === '') {
        const current = m.groupInstanceId === null ? undefined : group.currentStaticMemberId(m.groupInstanceId);
        if (current === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else this.rebalance.removeMemberAndUpdateGroup(group, group.get(current), 'LeaveGroup by group.instance.id');
      } else if (group.isPendingMember(m.memberId)) {
        this.rebalance.removePendingMemberAndUpdateGroup(group, m.memberId);
      } else {
        errorCode = this.validateCurrentMember(group, m.memberId, m.groupInstanceId) ?? ErrorCode.NONE;
        if (errorCode === ErrorCode.NONE) this.rebalance.removeMemberAndUpdateGroup(group, group.get(m.memberId), 'LeaveGroup');
      }
      return { ...m, errorCode };
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  /** Static members are checked by group.instance.id first: a stale instance is FENCED_INSTANCE_ID. */
  validateCurrentMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number | null {
    if (groupInstanceId !== null) {
      const current = group.currentStaticMemberId(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.has(memberId) ? null : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Starts (or restarts) a member's session; it is removed if nothing renews it in time. */
  scheduleHeartbeatExpiration(group: ClassicGroup, member: MemberMetadata, timeoutMs = member.sessionTimeoutMs): void {
    this.rebalance.scheduleHeartbeatExpiration(group, member, timeoutMs);
  }

  /** Stops a group's timers and answers its waiting requests (shutdown, deletion, unloading). */
  unload(group: ClassicGroup): void {
    this.rebalance.unload(group);
  }

  /** A topic deleted while the group's partition was loading (or had no leader) loses its offsets now. */
  removeOffsetsOfDeletedTopics(groups: readonly ClassicGroup[]): void {
    this.offsets.removeOffsetsOfDeletedTopics(groups);
  }
}
