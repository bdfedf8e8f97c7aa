import { randomUUID } from 'node:crypto';
import { CONSUMER_PROTOCOL_TYPE, subscriptionTopics } from './consumer-protocol.js';
import { MemberMetadata, type GroupProtocol, type JoinGroupResult } from './member-metadata.js';
import { topicPartitionKey, type OffsetAndMetadata, type TopicPartitionOffset } from './offset-and-metadata.js';
import type { TimerHandle } from '../../clock.js';

/** The classic group states, spelled as DescribeGroups and ListGroups report them. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

const VALID_PREVIOUS_STATES: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** The pending end of the join phase: a delayed join (or the initial delay of an empty group). */
export interface DelayedJoin {
  readonly timer: TimerHandle;
  /** Initial delays only end by their timer; a plain delayed join also ends once all members joined. */
  readonly initial: boolean;
}

/** A pending member's expiration, cancelled when it joins or leaves. */
export interface PendingMemberExpiration {
  cancel(): void;
}

export interface GroupSummary {
  state: GroupState;
  protocolType: string;
  protocolName: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>;
}

/**
 * A classic-protocol group (Kafka's GroupMetadata): its state machine, members, chosen
 * protocol, generation and committed offsets. The GroupCoordinator is its only writer.
 */
export class ClassicGroup {
  state: GroupState;
  /** When the group last changed state; offsets of an Empty group expire relative to it. */
  currentStateTimestamp: number | null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, MemberMetadata>();
  /** Dynamic members given an id by MEMBER_ID_REQUIRED, until they rejoin with it; values are their expirations. */
  readonly pendingMembers = new Map<string, PendingMemberExpiration>();
  /** group.instance.id → member id of the static members. */
  readonly staticMembers = new Map<string, string>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Set when a member joins during the initial delay, which then extends itself. */
  newMemberAdded = false;
  subscribedTopics: Set<string> | null = null;
  readonly offsets = new Map<string, TopicPartitionOffset>();
  delayedJoin: DelayedJoin | null = null;
  syncTimer: TimerHandle | null = null;

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    now: number,
  ) {
    this.state = initialState;
    this.currentStateTimestamp = now;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.state)) {
      throw new Error(`group ${this.groupId} should be in ${VALID_PREVIOUS_STATES[state].join('/')} to move to ${state}, but is ${this.state}`);
    }
    this.state = state;
    this.currentStateTimestamp = now;
  }

  get canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.state);
  }

  get size(): number {
    return this.members.size;
  }
  has(memberId: string): boolean {
    return this.members.has(memberId);
  }
  get(memberId: string): MemberMetadata {
    const member = this.members.get(memberId);
    if (!member) throw new Error(`member ${memberId} is not in group ${this.groupId}`);
    return member;
  }
  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }
  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }
  hasStaticMember(groupInstanceId: string): boolean {
    return this.staticMembers.has(groupInstanceId);
  }
  currentStaticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }
  get numAwaitingJoin(): number {
    let n = 0;
    for (const member of this.members.values()) if (member.isAwaitingJoin) n++;
    return n;
  }
  get hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }
  /** The largest rebalance timeout of the members: how long the join phase may take. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  /** Kafka's format: `<group.instance.id or client.id>-<uuid>`. */
  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  add(member: MemberMetadata): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.pendingMembers.get(member.memberId)?.cancel();
    this.pendingMembers.delete(member.memberId);
  }

  /** Removes a member or pending member; the leadership passes to any remaining member. */
  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.get(memberId)?.cancel();
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  updateMember(member: MemberMetadata, protocols: readonly GroupProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, callback: MemberMetadata['awaitingJoin']): void {
    member.supportedProtocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    member.awaitingJoin = callback;
  }

  /** A static member restarted with a new member id: it takes the old one's place (and leadership). */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string, fence: (member: MemberMetadata) => void): MemberMetadata {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`cannot replace non-existing member ${oldMemberId} of group ${this.groupId}`);
    this.members.delete(oldMemberId);
    // A duplicate instance still waiting on the old id is fenced at once.
    fence(member);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  /** Protocols every member supports; for an Empty group any non-empty list is fine. */
  supportsProtocols(protocolType: string, protocols: readonly string[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    const candidates = this.candidateProtocols();
    return this.protocolType === protocolType && protocols.some((p) => candidates.has(p));
  }

  candidateProtocols(): Set<string> {
    const members = [...this.members.values()];
    if (members.length === 0) return new Set();
    const [first, ...rest] = members;
    return new Set(first!.protocolNames().filter((name) => rest.every((m) => m.protocolNames().includes(name))));
  }

  /** Each member votes for its preferred candidate; the most votes wins (first counted on a tie). */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const vote = member.vote(candidates);
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [protocol, count] of votes) if (count > bestVotes) [best, bestVotes] = [protocol, count];
    return best;
  }

  /** Keeps the leader if it rejoined, else hands leadership to any rejoined member; false if none did. */
  maybeElectNewJoinedLeader(): boolean {
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', now);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The members and their metadata for the chosen protocol, as the leader receives them. */
  currentMemberMetadata(): JoinGroupResult['members'] {
    if (this.protocolName === null) throw new Error(`no protocol selected for group ${this.groupId}`);
    const protocol = this.protocolName;
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  /** The union of the members' subscribed topics for consumer groups; null when it cannot be known. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      const subscribed = subscriptionTopics(member.metadata(this.protocolName));
      if (subscribed === null) return null;
      for (const topic of subscribed) topics.add(topic);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  summary(): GroupSummary {
    const stable = this.is('Stable');
    const protocol = stable ? this.protocolName ?? '' : '';
    return {
      state: this.state,
      protocolType: this.protocolType ?? '',
      protocolName: protocol,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadata(protocol) : Buffer.alloc(0),
        assignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  // Offsets.

  offset(topic: string, partition: number): TopicPartitionOffset | undefined {
    return this.offsets.get(topicPartitionKey(topic, partition));
  }
  putOffset(topic: string, partition: number, offset: OffsetAndMetadata): void {
    this.offsets.set(topicPartitionKey(topic, partition), { topic, partition, ...offset });
  }
  removeOffset(topic: string, partition: number): boolean {
    return this.offsets.delete(topicPartitionKey(topic, partition));
  }
  get hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  /**
   * Removes and returns the offsets past retention: for an Empty group, all of them once the
   * group has been empty for the retention period; for a stable consumer group, those of
   * topics nobody subscribes to any more; for a simple group, each after its last commit.
   */
  removeExpiredOffsets(now: number, retentionMs: number): TopicPartitionOffset[] {
    const expired = (base: (o: TopicPartitionOffset) => number, keep: ReadonlySet<string> = new Set()) =>
      [...this.offsets.values()].filter((o) =>
        !keep.has(o.topic) && (o.expireTimestamp !== null ? now >= o.expireTimestamp : now - base(o) >= retentionMs),
      );
    let removed: TopicPartitionOffset[] = [];
    if (this.protocolType !== null && this.is('Empty')) {
      removed = expired((o) => this.currentStateTimestamp ?? o.commitTimestamp);
    } else if (this.protocolType === CONSUMER_PROTOCOL_TYPE && this.subscribedTopics !== null && this.is('Stable')) {
      removed = expired((o) => o.commitTimestamp, this.subscribedTopics);
    } else if (this.protocolType === null) {
      removed = expired((o) => o.commitTimestamp);
    }
    for (const o of removed) this.removeOffset(o.topic, o.partition);
    return removed;
  }
}
