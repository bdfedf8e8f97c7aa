import type { TimerHandle } from '../../clock.js';
/** An empty assignment: what a member without one receives (kafkajs crashes on null bytes). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** What a JoinGroup request is answered with (Kafka's JoinGroupResult). */
export interface JoinGroupResult {
  readonly errorCode: number;
  readonly memberId: string;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  readonly skipAssignment: boolean;
  /** Filled for the leader only. */
  readonly members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

/** What a SyncGroup request is answered with. */
export interface SyncGroupResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export type JoinCallback = (result: JoinGroupResult) => void;
export type SyncCallback = (result: SyncGroupResult) => void;

export function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leaderId: '', skipAssignment: false, members: [] };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

/**
 * One member of a classic group (Kafka's MemberMetadata): its protocols in preference order,
 * its assignment, and the JoinGroup/SyncGroup responses it is waiting for.
 */
export class MemberMetadata {
  assignment: Buffer = EMPTY_BYTES;
  awaitingJoin: JoinCallback | null = null;
  awaitingSync: SyncCallback | null = null;
  /** Joined but not yet through a completed join phase: expires after the new-member timeout. */
  isNew = false;
  /** The session (or new-member) expiration; owned by the coordinator. */
  heartbeatTimer: TimerHandle | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public supportedProtocols: readonly GroupProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }
  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }
  get isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  protocolNames(): string[] {
    return this.supportedProtocols.map((p) => p.name);
  }

  /** The member's metadata for the protocol the group chose. */
  metadata(protocol: string): Buffer {
    const found = this.supportedProtocols.find((p) => p.name === protocol);
    if (!found) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** Same protocols with the same metadata, in the same order: a rejoin that changes nothing. */
  matches(protocols: readonly GroupProtocol[]): boolean {
    return (
      protocols.length === this.supportedProtocols.length &&
      protocols.every((p, i) => p.name === this.supportedProtocols[i]!.name && p.metadata.equals(this.supportedProtocols[i]!.metadata))
    );
  }

  /** The member's most preferred protocol among those every member supports. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.supportedProtocols.find((p) => candidates.has(p.name));
    if (!choice) throw new Error(`member ${this.memberId} does not support any of the candidate protocols`);
    return choice.name;
  }

  /** Answers a waiting JoinGroup, if any. */
  completeJoin(result: JoinGroupResult): boolean {
    const callback = this.awaitingJoin;
    if (!callback) return false;
    this.awaitingJoin = null;
    callback(result);
    return true;
  }

  /** Answers a waiting SyncGroup, if any. */
  completeSync(result: SyncGroupResult): boolean {
    const callback = this.awaitingSync;
    if (!callback) return false;
    this.awaitingSync = null;
    callback(result);
    return true;
  }
}
