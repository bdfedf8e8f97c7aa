import { ErrorCode } from '../../protocol/error-codes.js';
import type { ClusterMetadata, PartitionAssignment, TopicMetadata } from '../cluster/cluster-metadata.js';
import type { BrokerEndpoint } from '../cluster/broker-endpoint.js';
import type { LeaderElector } from '../cluster/leader-elector.js';
import type { ImageRecord } from '../cluster/metadata-image.js';
import type { MetadataPublisher } from '../cluster/metadata-publisher.js';
import type { ClusterMember } from './cluster-member.js';
import type { BrokerLogger } from '../logger.js';
import type { Faults } from '../faults.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';

export interface ClusterControllerOptions {
  /**
   * The metadata it owns: a cluster's metadata log (`<dataDir>/__cluster_metadata`), or a single
   * broker's metadata file in its data dir (a cluster of one).
   */
  metadata: ClusterMetadata;
  logger: BrokerLogger;
  /** broker.session.timeout.ms: a broker that has not heartbeaten for this long is fenced. */
  sessionTimeoutMs: number;
  /**
   * The static unclean.leader.election.enable: elect a live replica outside the ISR when no ISR
   * member is left. A topic's own value and the dynamic cluster default take precedence.
   */
  uncleanLeaderElection?: boolean;
  /** Fault injection: isolated brokers get no updates and their AlterPartition calls are lost. */
  faults?: Faults;
  /** auto.leader.rebalance.enable: move leadership back to preferred replicas when brokers are imbalanced. */
  autoLeaderRebalance?: boolean;
  /** leader.imbalance.check.interval.seconds, in ms. */
  leaderImbalanceCheckIntervalMs?: number;
  /** leader.imbalance.per.broker.percentage. */
  leaderImbalancePerBrokerPercentage?: number;
  /** The source of time for heartbeats and session expiry (default the real clock). */
  clock?: Clock;
}

interface Registration {
  /** Null once the broker crashed (it keeps its registration until its session expires). */
  broker: ClusterMember | null;
  endpoint: BrokerEndpoint;
  lastHeartbeatMs: number;
}

/**
 * The controller of an in-process cluster (KRaft's active controller, reached by method calls
 * because the brokers share a process); a single broker runs one of its own, a cluster of one.
 * It owns the cluster metadata (topics, replicas, leaders, leader epochs, ISRs), registers
 * brokers and fences those whose heartbeats stop (broker.session.timeout.ms) or that shut down,
 * elects leaders from the ISR (unclean.leader.election.enable decides whether an out-of-sync
 * replica may lead), accepts ISR changes from leaders (AlterPartition) and sends every change,
 * as records, to the images of the brokers it reaches, which then become leaders or followers.
 * A broker that registers gets a snapshot of the whole state. The active controller's id is the
 * lowest live node id.
 *
 * Data never goes through here: followers replicate with the Fetch API over TCP.
 */
export class ClusterController implements LeaderElector, MetadataPublisher {
  readonly metadata: ClusterMetadata;
  private readonly logger: BrokerLogger;
  private readonly clock: Clock;
  private readonly registrations = new Map<number, Registration>();
  private sessionTimer: TimerHandle | null = null;
  private rebalanceTimer: TimerHandle | null = null;

  constructor(private readonly options: ClusterControllerOptions) {
    this.metadata = options.metadata;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    // Every recorded change goes to the images of the brokers it reaches.
    this.metadata.onRecords((records) => this.deliver(records));
  }

  /** The whole state as records, for a broker's image. */
  snapshot(): ImageRecord[] {
    return [...this.metadata.stateRecords(), this.brokersRecord()];
  }

  // Membership.

  /**
   * A broker is up and listening (BrokerRegistration). A broker that registers again (a new
   * incarnation after a crash) is fenced first, so its old leaderships are re-elected before
   * it rejoins as a follower. Partitions without a leader get one if it can lead them.
   */
  register(broker: ClusterMember): void {
    if (this.registrations.has(broker.nodeId)) this.fence(broker.nodeId, 're-registered');
    this.registrations.set(broker.nodeId, {
      broker,
      endpoint: broker.endpoint(),
      lastHeartbeatMs: this.clock.now(),
    });
    this.startSessionTimer();
    // It may have missed records (while isolated, or while it started listening): it gets the whole state.
    broker.loadMetadataSnapshot(this.snapshot());
    this.deliverBrokers();
    this.electOfflineLeaders();
    this.publish();
    this.logger.info(`controller: broker ${broker.nodeId} registered; live: ${this.liveIds().join(',')}`);
  }

  /**
   * A broker's heartbeat. A running broker fenced for missed heartbeats (its process was
   * too slow, not dead) is let back in, as KRaft unfences a broker whose heartbeats resume:
   * it registers again and leads what only it can lead (its ISR).
   */
  heartbeat(nodeId: number, broker?: ClusterMember): void {
    const registration = this.registrations.get(nodeId);
    if (registration) {
      registration.lastHeartbeatMs = this.clock.now();
      return;
    }
    if (broker?.isRunning && !this.options.faults?.isIsolated(nodeId)) {
      this.logger.info(`controller: broker ${nodeId} heartbeats again after it was fenced`);
      this.register(broker);
    }
  }

  /** A clean shutdown (controlled shutdown): leadership moves away at once. */
  unregister(nodeId: number): void {
    this.fence(nodeId, 'shut down');
  }

  /** A crash: the broker gets no more updates but stays registered until its session expires. */
  crashed(nodeId: number): void {
    const registration = this.registrations.get(nodeId);
    if (registration) registration.broker = null;
  }

  liveBrokers(): BrokerEndpoint[] {
    return [...this.registrations.values()].map((r) => r.endpoint).sort((a, b) => a.nodeId - b.nodeId);
  }

  isLive(nodeId: number): boolean {
    return this.registrations.has(nodeId);
  }

  /** The active controller: the lowest live node id (-1 when none is up). */
  controllerId(): number {
    const ids = this.liveIds();
    return ids.length === 0 ? -1 : ids[0]!;
  }

  endpoint(nodeId: number): BrokerEndpoint | undefined {
    return this.registrations.get(nodeId)?.endpoint;
  }

  close(): void {
    this.clock.clearInterval(this.sessionTimer);
    this.sessionTimer = null;
    this.clock.clearInterval(this.rebalanceTimer);
    this.rebalanceTimer = null;
  }

  // Leader elections asked for (ElectLeaders) or run on a timer (auto.leader.rebalance.enable).

  /**
   * ElectLeaders. Preferred (type 0): the first replica leads again when it is live and in the
   * ISR (ELECTION_NOT_NEEDED when it already leads, PREFERRED_LEADER_NOT_AVAILABLE otherwise).
   * Unclean (type 1): a partition without a leader gets any live replica
   * (ELIGIBLE_LEADERS_NOT_AVAILABLE without one). `partitions` null: every partition.
   */
  electLeaders(electionType: number, partitions: ReadonlyArray<{ topic: string; partition: number }> | null): Array<{ topic: string; partition: number; errorCode: number }> {
    const wanted = partitions ?? [...this.metadata.topics].flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const changed: Array<{ topic: string; partition: number }> = [];
    const results = wanted.map(({ topic, partition }) => {
      const assignment = this.metadata.topic(topic)?.partitions[partition];
      const result = (errorCode: number) => ({ topic, partition, errorCode });
      if (!assignment) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      if (electionType === 1) {
        if (assignment.leaderId >= 0 && this.registrations.has(assignment.leaderId)) return result(ErrorCode.ELECTION_NOT_NEEDED);
        const candidate = assignment.replicas.find((id) => this.registrations.has(id));
        if (candidate === undefined) return result(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        assignment.leaderId = candidate;
        assignment.leaderEpoch += 1;
        assignment.isr = [candidate];
        this.logger.warn(`controller: ${topic}-${partition} unclean election: leader ${candidate} epoch ${assignment.leaderEpoch}`);
        changed.push({ topic, partition });
        return result(ErrorCode.NONE);
      }
      const preferred = assignment.replicas[0]!;
      if (assignment.leaderId === preferred) return result(ErrorCode.ELECTION_NOT_NEEDED);
      if (!this.registrations.has(preferred) || !assignment.isr.includes(preferred)) return result(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
      assignment.leaderId = preferred;
      assignment.leaderEpoch += 1;
      this.logger.info(`controller: ${topic}-${partition} preferred leader ${preferred} epoch ${assignment.leaderEpoch}`);
      changed.push({ topic, partition });
      return result(ErrorCode.NONE);
    });
    if (changed.length > 0) {
      this.metadata.partitionChanged(changed);
      this.publish();
    }
    return results;
  }

  /**
   * auto.leader.rebalance.enable: a broker whose share of partitions it prefers but does not
   * lead exceeds leader.imbalance.per.broker.percentage gets those leaderships back.
   */
  rebalanceLeaders(): void {
    const threshold = this.options.leaderImbalancePerBrokerPercentage ?? 10;
    for (const nodeId of this.liveIds()) {
      const preferred: Array<{ topic: string; partition: number }> = [];
      let notLed = 0;
      for (const topic of this.metadata.topics) {
        for (const assignment of topic.partitions) {
          if (assignment.replicas[0] !== nodeId) continue;
          preferred.push({ topic: topic.name, partition: assignment.partition });
          if (assignment.leaderId !== nodeId) notLed++;
        }
      }
      if (preferred.length > 0 && (notLed * 100) / preferred.length > threshold) this.electLeaders(0, preferred);
    }
  }

  // Topic changes, decided by a broker's Controller on this metadata (its records are in every
  // reached broker's image by now), then applied by those brokers.

  /**
   * A topic was created or grew: the brokers create their replicas. With `inSlices` (a client's
   * request) each creates them a slice at a time; the promise (null: all there already) settles
   * once every broker has, and the request answers then.
   */
  topicPartitionsChanged(topic: TopicMetadata, inSlices = false): Promise<void> | null {
    const pending = this.runningBrokers().flatMap((broker) => broker.applyTopicPartitions(topic.name, inSlices) ?? []);
    return pending.length === 0 ? null : Promise.all(pending).then(() => undefined);
  }

  topicDeleted(topic: TopicMetadata): void {
    for (const broker of this.runningBrokers()) broker.applyTopicDeletion(topic.name);
  }

  topicConfigChanged(name: string): void {
    for (const broker of this.runningBrokers()) broker.applyTopicConfig(name);
    // unclean.leader.election.enable may now allow a leaderless partition a leader.
    this.electOfflineLeadersAndPublish();
  }

  /**
   * Dynamic broker configs changed (a BrokerConfigs record): every broker applies its own and the
   * cluster-wide default values, as KRaft brokers do when they replay the record.
   */
  brokerConfigsChanged(): void {
    for (const broker of this.runningBrokers()) broker.applyDynamicConfig();
    this.electOfflineLeadersAndPublish();
  }

  /**
   * unclean.leader.election.enable for a topic, resolved as the KRaft controller does: the
   * topic's config, else the dynamic cluster-wide default, else the static broker config.
   */
  uncleanElectionEnabled(topic: string): boolean {
    const key = 'unclean.leader.election.enable';
    const value = this.metadata.topic(topic)?.configs[key] ?? this.metadata.dynamicBrokerConfigs('')[key];
    return value === undefined ? this.options.uncleanLeaderElection === true : value === 'true';
  }

  // Partition state.

  /**
   * AlterPartition: the leader of a partition changes its ISR. Refused when the caller is not
   * the current leader at `leaderEpoch`, or the ISR would lose the leader or name a non-replica.
   */
  alterPartitionIsr(leaderId: number, topic: string, partition: number, leaderEpoch: number, isr: readonly number[]): boolean {
    if (this.options.faults?.isIsolated(leaderId)) return false;
    const assignment = this.metadata.topic(topic)?.partitions[partition];
    if (!assignment || assignment.leaderId !== leaderId || assignment.leaderEpoch !== leaderEpoch) return false;
    if (!isr.includes(leaderId) || isr.some((id) => !assignment.replicas.includes(id))) return false;
    // A fenced broker cannot rejoin the ISR.
    const next = isr.filter((id) => id === leaderId || this.registrations.has(id));
    if (sameMembers(next, assignment.isr)) return true;
    this.logger.info(`controller: ${topic}-${partition} ISR ${assignment.isr.join(',')} -> ${next.join(',')}`);
    assignment.isr = [...next];
    this.metadata.partitionChanged([{ topic, partition }]);
    return true;
  }

  /**
   * Removes a broker: out of every ISR (unless it is the last member: the ISR never becomes
   * empty, so the partition waits for it), and every partition it led gets a new leader from
   * the ISR with a bumped leader epoch, or none (leader -1) when no live ISR member is left and
   * unclean election is off.
   */
  private fence(nodeId: number, reason: string): void {
    if (!this.registrations.delete(nodeId)) return;
    this.logger.info(`controller: broker ${nodeId} ${reason}; live: ${this.liveIds().join(',') || 'none'}`);
    this.deliverBrokers();
    const changed: Array<{ topic: string; partition: number }> = [];
    for (const topic of this.metadata.topics) {
      for (const assignment of topic.partitions) {
        if (!assignment.replicas.includes(nodeId)) continue;
        if (assignment.leaderId === nodeId) {
          this.elect(topic.name, assignment, nodeId);
          changed.push({ topic: topic.name, partition: assignment.partition });
        } else if (assignment.isr.includes(nodeId) && assignment.isr.length > 1) {
          assignment.isr = assignment.isr.filter((id) => id !== nodeId);
          changed.push({ topic: topic.name, partition: assignment.partition });
        }
      }
    }
    if (changed.length > 0) this.metadata.partitionChanged(changed);
    this.publish();
  }

  private electOfflineLeadersAndPublish(): void {
    if (this.electOfflineLeaders() > 0) this.publish();
  }

  /**
   * Partitions without a live leader get one from their ISR (or, when allowed, any live
   * replica). Returns how many got one.
   */
  private electOfflineLeaders(): number {
    const changed: Array<{ topic: string; partition: number }> = [];
    for (const topic of this.metadata.topics) {
      for (const assignment of topic.partitions) {
        if (assignment.leaderId >= 0 && this.registrations.has(assignment.leaderId)) continue;
        const epoch = assignment.leaderEpoch;
        this.elect(topic.name, assignment, assignment.leaderId);
        if (assignment.leaderEpoch !== epoch) changed.push({ topic: topic.name, partition: assignment.partition });
      }
    }
    if (changed.length > 0) this.metadata.partitionChanged(changed);
    return changed.length;
  }

  private elect(topic: string, assignment: PartitionAssignment, outgoing: number): void {
    const live = (id: number) => id !== outgoing && this.registrations.has(id);
    const fromIsr = assignment.replicas.find((id) => assignment.isr.includes(id) && live(id));
    const unclean = fromIsr === undefined && this.uncleanElectionEnabled(topic) ? assignment.replicas.find(live) : undefined;
    const leader = fromIsr ?? unclean ?? -1;
    if (leader === assignment.leaderId && leader >= 0) return;
    if (leader === -1 && assignment.leaderId === -1) return;
    assignment.leaderId = leader;
    assignment.leaderEpoch += 1;
    if (leader >= 0) {
      assignment.isr = unclean !== undefined ? [leader] : assignment.isr.filter((id) => live(id) || id === leader);
    }
    // Without a leader the ISR stays as it is: only its members may lead again without losing
    // committed data (the ISR shrinks one fenced follower at a time, so it ends with the last leader).
    // An unclean election may lose acknowledged records: worth a WARN.
    const line = `controller: ${topic}-${assignment.partition} leader ${leader} epoch ${assignment.leaderEpoch} isr ${assignment.isr.join(',')}`;
    if (unclean !== undefined) this.logger.warn(`${line} (unclean election: records the old ISR had and this replica lacks are lost)`);
    else this.logger.info(line);
  }

  /** Every running broker applies the leaders its image now names (KRaft brokers replaying the metadata log). */
  private publish(): void {
    for (const broker of this.runningBrokers()) broker.applyLeadership();
  }

  /** Sends records to the image of every running broker it reaches (an isolated one misses them). */
  private deliver(records: readonly ImageRecord[]): void {
    if (records.length === 0) return;
    for (const broker of this.runningBrokers()) broker.replayMetadata(records);
  }

  /** The live brokers changed (a registration or a fencing). */
  private deliverBrokers(): void {
    this.deliver([this.brokersRecord()]);
  }

  private brokersRecord(): ImageRecord {
    return { type: 'Brokers', live: this.liveBrokers() };
  }

  private runningBrokers(): ClusterMember[] {
    return [...this.registrations.values()].map((r) => r.broker).filter((b): b is ClusterMember => b !== null && !this.options.faults?.isIsolated(b.nodeId));
  }

  private liveIds(): number[] {
    return [...this.registrations.keys()].sort((a, b) => a - b);
  }

  /** When the session check last ran (a check that runs late means the whole process stalled). */
  private lastSessionCheckMs: number | undefined;

  private startSessionTimer(): void {
    if (!this.rebalanceTimer && this.options.autoLeaderRebalance) {
      this.rebalanceTimer = this.clock.setInterval(() => this.rebalanceLeaders(), this.options.leaderImbalanceCheckIntervalMs ?? 300_000);
    }
    if (this.sessionTimer) return;
    const interval = Math.max(10, Math.floor(this.options.sessionTimeoutMs / 4));
    this.sessionTimer = this.clock.setInterval(() => this.expireSessions(), interval);
  }

  private expireSessions(): void {
    const now = this.clock.now();
    const checkedAt = this.lastSessionCheckMs;
    this.lastSessionCheckMs = now;
    // The brokers of an embedded cluster share one process with this controller: when this
    // check itself runs a session late, the process stalled and no broker could heartbeat,
    // so nobody is fenced for it; every session starts over.
    if (checkedAt !== undefined && now - checkedAt > this.options.sessionTimeoutMs) {
      this.logger.warn(`controller: the process stalled for ${now - checkedAt} ms (over broker.session.timeout.ms); no broker is fenced for it`);
      for (const registration of this.registrations.values()) registration.lastHeartbeatMs = now;
      return;
    }
    for (const [nodeId, registration] of [...this.registrations]) {
      if (now - registration.lastHeartbeatMs > this.options.sessionTimeoutMs) this.fence(nodeId, 'missed its heartbeats');
    }
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
