import { ErrorCode } from '../../../protocol/error-codes.js';
import type { CoordinatorContext } from '../runtime/coordinator-context.js';
import type { ClassicGroup } from './classic-group.js';
import type { GroupMetadataManager } from './group-metadata-manager.js';
import { EMPTY_BYTES, joinError, syncError, type JoinGroupResult, type MemberMetadata } from './member-metadata.js';

/**
 * A classic group's rebalance and its members' sessions (the state machine half of Kafka's
 * GroupCoordinator): preparing a rebalance, the delayed join (with the initial delay of a new
 * group), completing the join into the next generation, the deadline for SyncGroup, handing
 * out the leader's assignment, and the session timers that remove members that stop
 * heartbeating. The GroupCoordinator decides from requests; this runs what follows in time.
 */
export class ClassicGroupRebalance {
  constructor(
    private readonly context: CoordinatorContext,
    private readonly groups: GroupMetadataManager,
  ) {}

  /** A member's JoinGroup answer for the current generation (the leader gets the members' metadata). */
  joinResult(group: ClassicGroup, member: MemberMetadata, withMembers: boolean): JoinGroupResult {
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

  /** KIP-394: a member id handed out and not yet used is dropped if it does not join within its session. */
  addPendingMember(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    const timer = this.context.clock.setTimeout(() => {
      if (group.pendingMembers.get(memberId) !== expiration) return;
      this.context.logger.info(`pending member ${memberId} of group ${group.groupId} expired`);
      this.removePendingMemberAndUpdateGroup(group, memberId);
    }, sessionTimeoutMs);
    const expiration = { cancel: () => this.context.clock.clearTimeout(timer) };
    group.pendingMembers.set(memberId, expiration);
  }

  /** A pending member left or expired: a join phase waiting for it may be complete now. */
  removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    if (group.is('PreparingRebalance')) this.checkAndCompleteJoin(group);
  }

  /** Starts a rebalance unless one is under way already (or the group is Dead). */
  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  /** Moves the group to PreparingRebalance and schedules the end of its join phase. */
  prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.cancelSyncExpiration(group);
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.context.clock.now());
    this.context.logger.info(`preparing to rebalance group ${group.groupId} with old generation ${group.generationId} (reason: ${reason})`);
    if (initial) {
      // group.initial.rebalance.delay.ms: let the other members of a starting group join first.
      const delay = this.context.config.int('group.initial.rebalance.delay.ms');
      this.scheduleInitialDelayedJoin(group, delay, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleDelayedJoin(group, group.rebalanceTimeoutMs);
    }
  }

  /** Ends the join phase once every member rejoined, or at the rebalance timeout. */
  private scheduleDelayedJoin(group: ClassicGroup, timeoutMs: number): void {
    this.cancelDelayedJoin(group);
    if (group.hasAllMembersJoined) return this.onCompleteJoin(group);
    const timer = this.context.clock.setTimeout(() => {
      if (group.delayedJoin?.timer !== timer) return;
      group.delayedJoin = null;
      this.onCompleteJoin(group);
    }, timeoutMs);
    group.delayedJoin = { timer, initial: false };
  }

  private scheduleInitialDelayedJoin(group: ClassicGroup, configuredDelay: number, delayMs: number, remainingMs: number): void {
    this.cancelDelayedJoin(group);
    const timer = this.context.clock.setTimeout(() => {
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

  checkAndCompleteJoin(group: ClassicGroup): void {
    if (group.delayedJoin && !group.delayedJoin.initial && group.hasAllMembersJoined) {
      this.cancelDelayedJoin(group);
      this.onCompleteJoin(group);
    }
  }

  private cancelDelayedJoin(group: ClassicGroup): void {
    if (group.delayedJoin) this.context.clock.clearTimeout(group.delayedJoin.timer);
    group.delayedJoin = null;
  }

  /** The join phase is over: drop dynamic members that did not rejoin, start the next generation. */
  private onCompleteJoin(group: ClassicGroup): void {
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStaticMember) continue;
      this.context.logger.info(`group ${group.groupId} removed member ${member.memberId}, which did not rejoin in time`);
      group.remove(member.memberId);
      this.cancelHeartbeat(member);
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members are left and none rejoined: wait until their sessions expire.
      return this.scheduleDelayedJoin(group, group.rebalanceTimeoutMs);
    }
    group.initNextGeneration(this.context.clock.now());
    if (group.is('Empty')) {
      this.context.logger.info(`group ${group.groupId} with generation ${group.generationId} is now empty`);
      const error = this.groups.storeGroup(group, new Map());
      if (error !== ErrorCode.NONE) this.context.logger.warn(`cannot persist empty group ${group.groupId}: error ${error}`);
      return;
    }
    this.context.logger.info(`stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} members`);
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
    const timer = this.context.clock.setTimeout(() => {
      if (group.syncTimer !== timer) return;
      group.syncTimer = null;
      if (generation !== group.generationId || !(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
      const late = [...group.pendingSyncMembers];
      this.context.logger.info(`group ${group.groupId} removes members ${late.join(', ')}, which did not sync in time`);
      for (const memberId of late) {
        const member = group.members.get(memberId);
        group.remove(memberId);
        if (member) this.cancelHeartbeat(member);
      }
      this.prepareRebalance(group, 'pending sync expired');
    }, group.rebalanceTimeoutMs);
    group.syncTimer = timer;
  }

  /** A member synced: once all have, the SyncGroup deadline is off. */
  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.cancelSyncExpiration(group);
  }

  private cancelSyncExpiration(group: ClassicGroup): void {
    if (group.syncTimer) this.context.clock.clearTimeout(group.syncTimer);
    group.syncTimer = null;
  }

  /** Answers every waiting SyncGroup with `error` and no assignment. */
  resetAndPropagateAssignmentError(group: ClassicGroup, error: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, error);
  }

  /** Answers every waiting SyncGroup with its member's assignment (or `error`). */
  propagateAssignment(group: ClassicGroup, error: number): void {
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

  /** Removes a member (LeaveGroup, expired session): the others rebalance. */
  removeMemberAndUpdateGroup(group: ClassicGroup, member: MemberMetadata, reason: string): void {
    this.context.logger.info(`member ${member.memberId} leaves group ${group.groupId} (${reason})`);
    // A member removed while its JoinGroup or SyncGroup waits is told to start over.
    member.completeJoin(joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    member.completeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    this.cancelHeartbeat(member);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalance(group, reason);
    else if (group.is('PreparingRebalance')) this.checkAndCompleteJoin(group);
  }

  /** Starts (or restarts) a member's session; it is removed if nothing renews it in time. */
  scheduleHeartbeatExpiration(group: ClassicGroup, member: MemberMetadata, timeoutMs = member.sessionTimeoutMs): void {
    if (member.heartbeatTimer) this.context.clock.clearTimeout(member.heartbeatTimer);
    const timer = this.context.clock.setTimeout(() => {
      if (member.heartbeatTimer !== timer) return;
      member.heartbeatTimer = null;
      if (this.groups.getGroup(group.groupId) !== group || group.is('Dead') || group.members.get(member.memberId) !== member) return;
      // Members waiting in JoinGroup or SyncGroup are bounded by the rebalance timeouts instead.
      if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
      this.removeMemberAndUpdateGroup(group, member, 'session timeout expired');
    }, timeoutMs);
    member.heartbeatTimer = timer;
  }

  /** Stops a member's session timer. */
  cancelHeartbeat(member: MemberMetadata): void {
    if (member.heartbeatTimer) this.context.clock.clearTimeout(member.heartbeatTimer);
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
