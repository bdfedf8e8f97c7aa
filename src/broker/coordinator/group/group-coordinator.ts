import { ErrorCode } from '../../../protocol/error-codes.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { ClassicGroup } from './classic-group.js';
import { GROUP_METADATA_TOPIC, GroupMetadataManager } from './group-metadata-manager.js';
import { GroupPartitionLoader } from './group-partition-loader.js';
import type { JoinGroupParams, MemberIdentity, SyncGroupParams } from './group-request-params.js';
import { EMPTY_BYTES, joinError, syncError, MemberMetadata, type JoinCallback, type JoinGroupResult, type SyncCallback } from './member-metadata.js';
import { OffsetMetadataManager } from './offset-metadata-manager.js';

/** How long a new member may wait in its first JoinGroup before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The group coordinator of the classic protocol (Kafka's GroupCoordinator): runs each
 * group's join/sync state machine, member sessions and rebalance timeouts. It owns every
 * group; timers only call back into it. Offsets are the OffsetMetadataManager's, group
 * persistence the GroupMetadataManager's, loading and unloading the partitions it leads the
 * GroupPartitionLoader's.
 */
export class GroupCoordinator {
  readonly groupManager: GroupMetadataManager;
  readonly offsets: OffsetMetadataManager;
  readonly loader: GroupPartitionLoader;
  private active = false;

  constructor(private readonly broker: KafkaBroker) {
    this.groupManager = new GroupMetadataManager(broker);
    this.offsets = new OffsetMetadataManager(broker, this, this.groupManager);
    this.loader = new GroupPartitionLoader(broker, this, this.groupManager);
  }

  /** Loads the groups and offsets of the `__consumer_offsets` partitions led here; loaded members get a fresh session. */
  startup(): void {
    for (const partition of this.broker.replicaManager.partitionsOf(GROUP_METADATA_TOPIC)) {
      if (partition.isLeader) this.loader.onElection(partition.index);
    }
    this.offsets.startup();
    this.active = true;
  }

  /**
   * Leadership of `__consumer_offsets` partition `index` moved (replication): becoming its
   * leader loads its groups and offsets from the log; losing it unloads them (see
   * GroupPartitionLoader).
   */
  onPartitionLeadershipChange(index: number, isLeader: boolean): void {
    if (!this.active) return;
    if (isLeader) this.loader.onElection(index);
    else this.loader.onResignation(index);
  }

  /** Stops every timer and answers waiting JoinGroup/SyncGroup requests with NOT_COORDINATOR. */
  shutdown(): void {
    this.active = false;
    this.loader.shutdown();
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
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.groupManager.ensureOffsetsTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.loader.isLoading(this.groupManager.partitionFor(groupId))) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.groupManager.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  /**
   * ListGroups' top-level error: COORDINATOR_NOT_AVAILABLE when stopped, and
   * COORDINATOR_LOAD_IN_PROGRESS while a partition loads (the groups loaded so far are listed).
   */
  listGroupsError(): number {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.loader.isAnyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /**
   * The transaction coordinator wrote a marker to partition `offsetsPartition` of
   * `__consumer_offsets`: the producer's transactional offsets there are committed or dropped.
   */
  onTransactionCompleted(producerId: number, offsetsPartition: number, commit: boolean): void {
    this.groupManager.completeTxnOffsets(producerId, offsetsPartition, commit);
  }

  /**
   * FindCoordinator for a group, which any broker answers (Kafka's getCoordinator): the leader
   * of the group's `__consumer_offsets` partition, even while it still loads it;
   * COORDINATOR_NOT_AVAILABLE while the partition has no live leader (an election is under
   * way) or the topic cannot be created yet. Clients retry both.
   */
  findCoordinator(groupId: string): { errorCode: number; nodeId: number } {
    const unavailable = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 };
    if (!this.active || !this.groupManager.ensureOffsetsTopic()) return unavailable;
    const leaderId = this.groupManager.leaderOf(groupId);
    if (leaderId < 0 || !this.broker.isLive(leaderId)) return unavailable;
    return { errorCode: ErrorCode.NONE, nodeId: leaderId };
  }

  // JoinGroup.

  joinGroup(p: JoinGroupParams, respond: JoinCallback): void {
    const error = this.validateGroupStatus(p.groupId, true);
    if (error !== null) return respond(joinError(p.memberId, error));
    const config = this.broker.config;
    if (p.sessionTimeoutMs < config.int('group.min.session.timeout.ms') || p.sessionTimeoutMs > config.int('group.max.session.timeout.ms')) {
      return respond(joinError(p.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = p.memberId === '';
    let group = this.groupManager.getGroup(p.groupId);
    if (!group) {
      // Only a member without an id may create a group; anyone else is from a group that is gone.
      if (!isUnknownMember) return respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      if (!this.groupManager.canCreateGroup()) return respond(joinError(p.memberId, ErrorCode.POLICY_VIOLATION));
      group = this.groupManager.addGroup(new ClassicGroup(p.groupId, 'Empty', this.broker.clock.now()));
    }
    if (!this.acceptJoiningMember(group, p.memberId)) {
      const existing = group.members.get(p.memberId);
      if (existing) this.cancelHeartbeat(existing);
      group.remove(p.memberId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.doNewMemberJoinGroup(group, p, respond);
    } else {
      this.doCurrentMemberJoinGroup(group, p, respond);
    }
    if (group.is('PreparingRebalance')) this.checkAndCompleteJoin(group);
  }

  /** group.max.size counts members waiting to join during a rebalance, all members otherwise. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const maxSize = this.broker.config.int('group.max.size');
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
      this.addPendingMember(group, newMemberId, p.sessionTimeoutMs);
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
        if (member.matches(p.protocols)) return respond(this.joinResult(group, member, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, p, respond);
      case 'Stable':
        // The leader rejoins to have topic metadata changes reassigned; others when their metadata changed.
        if (group.isLeader(memberId) || !member.matches(p.protocols)) return this.updateMemberAndRebalance(group, member, p, respond);
        return respond(this.joinResult(group, member, false));
      default:
        return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private joinResult(group: ClassicGroup, member: MemberMetadata, withMembers: boolean): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? '',
      skipAssignment: false,
      members: withMembers ? group.currentMemberMetadata() : [],
    };
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
    this.scheduleHeartbeatExpiration(group, member);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) return this.maybePrepareRebalance(group, `static member ${instanceId} rejoined with other protocols`);
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
          ...this.joinResult(group, member, skip),
          leaderId: skip ? newMemberId : currentLeader ?? '',
          skipAssignment: skip,
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may be assigning to the old member id: start over.
        return this.prepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
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
    this.scheduleHeartbeatExpiration(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, `adding new member ${memberId}`);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: MemberMetadata, p: JoinGroupParams, respond: JoinCallback): void {
    // A JoinGroup that is superseded by a newer one of the same member is answered right away.
    member.completeJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
  }

  private addPendingMember(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    const timer = this.broker.clock.setTimeout(() => {
      if (group.pendingMembers.get(memberId) !== expiration) return;
      this.broker.logger.info(`pending member ${memberId} of group ${group.groupId} expired`);
      this.removePendingMemberAndUpdateGroup(group, memberId);
    }, sessionTimeoutMs);
    const expiration = { cancel: () => this.broker.clock.clearTimeout(timer) };
    group.pendingMembers.set(memberId, expiration);
  }

  private removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    if (group.is('PreparingRebalance')) this.checkAndCompleteJoin(group);
  }

  // Rebalancing.

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.cancelSyncExpiration(group);
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.broker.clock.now());
    this.broker.logger.info(`preparing to rebalance group ${group.groupId} with old generation ${group.generationId} (reason: ${reason})`);
    if (initial) {
      // group.initial.rebalance.delay.ms: let the other members of a starting group join first.
      const delay = this.broker.config.int('group.initial.rebalance.delay.ms');
      this.scheduleInitialDelayedJoin(group, delay, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleDelayedJoin(group, group.rebalanceTimeoutMs);
    }
  }

  /** Ends the join phase once every member rejoined, or at the rebalance timeout. */
  private scheduleDelayedJoin(group: ClassicGroup, timeoutMs: number): void {
    this.cancelDelayedJoin(group);
    if (group.hasAllMembersJoined) return this.onCompleteJoin(group);
    const timer = this.broker.clock.setTimeout(() => {
      if (group.delayedJoin?.timer !== timer) return;
      group.delayedJoin = null;
      this.onCompleteJoin(group);
    }, timeoutMs);
    group.delayedJoin = { timer, initial: false };
  }

  private scheduleInitialDelayedJoin(group: ClassicGroup, configuredDelay: number, delayMs: number, remainingMs: number): void {
    this.cancelDelayedJoin(group);
    const timer = this.broker.clock.setTimeout(() => {
      if (group.delayedJoin?.timer !== timer) return;
      group.delayedJoin = null;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        this.scheduleInitialDelayedJoin(group, configuredDelay, Math.min(configuredDelay, remainingMs), Math.max(remainingMs - delayMs, 0));
      } else {
        this.onCompleteJoin(group);
      }
    }, delayMs);
    group.delayedJoin = { timer, initial: true };
  }

  private checkAndCompleteJoin(group: ClassicGroup): void {
    if (group.delayedJoin && !group.delayedJoin.initial && group.hasAllMembersJoined) {
      this.cancelDelayedJoin(group);
      this.onCompleteJoin(group);
    }
  }

  private cancelDelayedJoin(group: ClassicGroup): void {
    if (group.delayedJoin) this.broker.clock.clearTimeout(group.delayedJoin.timer);
    group.delayedJoin = null;
  }

  /** The join phase is over: drop dynamic members that did not rejoin, start the next generation. */
  private onCompleteJoin(group: ClassicGroup): void {
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStaticMember) continue;
      this.broker.logger.info(`group ${group.groupId} removed member ${member.memberId}, which did not rejoin in time`);
      group.remove(member.memberId);
      this.cancelHeartbeat(member);
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members are left and none rejoined: wait until their sessions expire.
      return this.scheduleDelayedJoin(group, group.rebalanceTimeoutMs);
    }
    group.initNextGeneration(this.broker.clock.now());
    if (group.is('Empty')) {
      this.broker.logger.info(`group ${group.groupId} with generation ${group.generationId} is now empty`);
      const error = this.groupManager.storeGroup(group, new Map());
      if (error !== ErrorCode.NONE) this.broker.logger.warn(`cannot persist empty group ${group.groupId}: error ${error}`);
      return;
    }
    this.broker.logger.info(`stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} members`);
    for (const member of group.members.values()) {
      member.completeJoin(this.joinResult(group, member, group.isLeader(member.memberId)));
      this.scheduleHeartbeatExpiration(group, member);
      member.isNew = false;
    }
    this.schedulePendingSync(group);
  }

  /** Members that join but never sync would stall the group: they are removed at the rebalance timeout. */
  private schedulePendingSync(group: ClassicGroup): void {
    this.cancelSyncExpiration(group);
    for (const memberId of group.members.keys()) group.pendingSyncMembers.add(memberId);
    const generation = group.generationId;
    const timer = this.broker.clock.setTimeout(() => {
      if (group.syncTimer !== timer) return;
      group.syncTimer = null;
      if (generation !== group.generationId || !(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
      const late = [...group.pendingSyncMembers];
      this.broker.logger.info(`group ${group.groupId} removes members ${late.join(', ')}, which did not sync in time`);
      for (const memberId of late) {
        const member = group.members.get(memberId);
        group.remove(memberId);
        if (member) this.cancelHeartbeat(member);
      }
      this.prepareRebalance(group, 'pending sync expired');
    }, group.rebalanceTimeoutMs);
    group.syncTimer = timer;
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.cancelSyncExpiration(group);
  }

  private cancelSyncExpiration(group: ClassicGroup): void {
    if (group.syncTimer) this.broker.clock.clearTimeout(group.syncTimer);
    group.syncTimer = null;
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
        this.removePendingSyncMember(group, p.memberId);
        if (group.isLeader(p.memberId)) this.completeSyncFromLeader(group, p.assignments);
        return;
      }
      case 'Stable': {
        this.removePendingSyncMember(group, p.memberId);
        const member = group.get(p.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.scheduleHeartbeatExpiration(group, member);
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
      this.resetAndPropagateAssignmentError(group, error);
      this.maybePrepareRebalance(group, 'error storing the group assignment');
      return;
    }
    for (const member of group.members.values()) member.assignment = assignment.get(member.memberId)!;
    this.propagateAssignment(group, ErrorCode.NONE);
    group.transitionTo('Stable', this.broker.clock.now());
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

  private resetAndPropagateAssignmentError(group: ClassicGroup, error: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: ClassicGroup, error: number): void {
    const ok = error === ErrorCode.NONE;
    for (const member of group.members.values()) {
      const answered = member.completeSync({
        errorCode: error,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      // A session that lapsed while waiting for the leader was ignored; start a new one.
      if (answered) this.scheduleHeartbeatExpiration(group, member);
    }
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
    this.scheduleHeartbeatExpiration(group, group.get(memberId));
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
        else this.removeMemberAndUpdateGroup(group, group.get(current), 'LeaveGroup by group.instance.id');
      } else if (group.isPendingMember(m.memberId)) {
        this.removePendingMemberAndUpdateGroup(group, m.memberId);
      } else {
        errorCode = this.validateCurrentMember(group, m.memberId, m.groupInstanceId) ?? ErrorCode.NONE;
        if (errorCode === ErrorCode.NONE) this.removeMemberAndUpdateGroup(group, group.get(m.memberId), 'LeaveGroup');
      }
      return { ...m, errorCode };
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: MemberMetadata, reason: string): void {
    this.broker.logger.info(`member ${member.memberId} leaves group ${group.groupId} (${reason})`);
    // A member removed while its JoinGroup or SyncGroup waits is told to start over.
    member.completeJoin(joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    member.completeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    this.cancelHeartbeat(member);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalance(group, reason);
    else if (group.is('PreparingRebalance')) this.checkAndCompleteJoin(group);
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

  // Sessions.

  /** Starts (or restarts) a member's session; it is removed if nothing renews it in time. */
  scheduleHeartbeatExpiration(group: ClassicGroup, member: MemberMetadata, timeoutMs = member.sessionTimeoutMs): void {
    if (member.heartbeatTimer) this.broker.clock.clearTimeout(member.heartbeatTimer);
    const timer = this.broker.clock.setTimeout(() => {
      if (member.heartbeatTimer !== timer) return;
      member.heartbeatTimer = null;
      if (this.groupManager.getGroup(group.groupId) !== group || group.is('Dead') || group.members.get(member.memberId) !== member) return;
      // Members waiting in JoinGroup or SyncGroup are bounded by the rebalance timeouts instead.
      if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
      this.removeMemberAndUpdateGroup(group, member, 'session timeout expired');
    }, timeoutMs);
    member.heartbeatTimer = timer;
  }

  private cancelHeartbeat(member: MemberMetadata): void {
    if (member.heartbeatTimer) this.broker.clock.clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = null;
  }

  /** Stops a group's timers and answers its waiting requests (shutdown, deletion). */
  unload(group: ClassicGroup): void {
    this.cancelDelayedJoin(group);
    this.cancelSyncExpiration(group);
    for (const expiration of group.pendingMembers.values()) expiration.cancel();
    for (const member of group.members.values()) {
      this.cancelHeartbeat(member);
      member.completeJoin(joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      member.completeSync(syncError(ErrorCode.NOT_COORDINATOR));
    }
  }
}
