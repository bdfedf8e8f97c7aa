import { ErrorCode, KafkaProtocolError } from '../../../protocol/error-codes.js';
import type { TimerHandle } from '../../clock.js';
import type { CoordinatorKind } from '../../faults.js';
import { partitionForKey } from '../group/java-string-hash.js';
import type { CoordinatorContext, CoordinatorFaults, CoordinatorMetadataView, CoordinatorPartitions, InternalTopicCreator } from './coordinator-context.js';

/** An internal topic a coordinator keeps its state in (`__consumer_offsets`, `__transaction_state`). */
export interface InternalTopicSpec {
  readonly name: string;
  readonly kind: CoordinatorKind;
  /** The config with the topic's partition count (offsets.topic.num.partitions, ...). */
  readonly partitionsConfig: string;
  /** The config with the topic's replication factor (offsets.topic.replication.factor, ...). */
  readonly replicationFactorConfig: string;
  /** The topic's configs, for the replication factor it is created with. */
  configs(replicationFactor: number): Record<string, string>;
}

/**
 * What one coordinator does with the partitions of its topic as their leadership moves
 * (Kafka's onElection / onResignation): load a partition's state from its log, drop it.
 */
export interface CoordinatorShard {
  /** This broker leads partition `index` at `leaderEpoch`: read its state from the log. */
  load(index: number, leaderEpoch: number): void;
  /** This broker no longer leads partition `index` (or leads it anew): forget its state. */
  unload(index: number): void;
}

export interface CoordinatorTopicDeps {
  readonly context: CoordinatorContext;
  readonly metadata: CoordinatorMetadataView;
  readonly partitions: CoordinatorPartitions;
  readonly topics: InternalTopicCreator;
  readonly faults: CoordinatorFaults;
}

const UNAVAILABLE = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 };

/**
 * One coordinator's internal topic, as the coordinator runtime runs it for the group and the
 * transaction coordinator alike: the topic is created on first use (its replication factor
 * capped by the live brokers), keys are placed on partitions by the Java hash, FindCoordinator
 * names a key's partition leader, and the partitions led here are loaded into the shard and
 * unloaded from it as leadership moves. A load runs at once, in one turn of the event loop,
 * unless fault injection delays it (as a large partition takes time in Kafka); until then the
 * partition is loading, and a lost leadership cancels it.
 */
export class CoordinatorTopic {
  private active = false;
  /** Partitions whose load is delayed, with the timer that runs it. */
  private readonly pendingLoads = new Map<number, TimerHandle>();

  constructor(
    readonly spec: InternalTopicSpec,
    private readonly shard: CoordinatorShard,
    private readonly deps: CoordinatorTopicDeps,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** Started and not stopped: the coordinator serves requests. */
  get isActive(): boolean {
    return this.active;
  }

  /** Starts serving: loads the partitions led here; later leadership changes load and unload. */
  start(): void {
    this.active = true;
    for (const partition of this.deps.partitions.partitionsOf(this.name)) {
      if (partition.isLeader) this.onElection(partition.index, partition.leaderEpoch);
    }
  }

  /** Stops serving: pending loads are cancelled (the coordinator drops its state itself). */
  stop(): void {
    this.active = false;
    for (const timer of this.pendingLoads.values()) this.deps.context.clock.clearTimeout(timer);
    this.pendingLoads.clear();
  }

  /** The topic's own partition count once it exists (it may differ from the config), else the config. */
  partitionCount(): number {
    return this.deps.metadata.topic(this.name)?.partitions.length ?? this.deps.context.config.int(this.spec.partitionsConfig);
  }

  /** The partition of a group id or transactional id. */
  partitionFor(key: string): number {
    return partitionForKey(key, this.partitionCount());
  }

  /**
   * Creates the topic the first time a coordinator needs it, as Kafka auto-creates its
   * internal topics: the configured replication factor capped by the live brokers (a single
   * broker keeps 1). False when the controller refuses it for now: callers answer
   * COORDINATOR_NOT_AVAILABLE, and clients retry.
   */
  ensureTopic(): boolean {
    if (this.deps.metadata.topic(this.name)) return true;
    const config = this.deps.context.config;
    const replicationFactor = Math.min(config.int(this.spec.replicationFactorConfig), Math.max(1, this.deps.metadata.liveBrokerCount()));
    try {
      this.deps.topics.createTopic({ name: this.name, numPartitions: config.int(this.spec.partitionsConfig), replicationFactor, configs: this.spec.configs(replicationFactor) });
      return true;
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      this.deps.context.logger.warn(`cannot create ${this.name} yet: ${error.message}`);
      return false;
    }
  }

  /** The leader of the key's partition as the metadata names it (-1: none, or no topic yet). */
  leaderOf(key: string): number {
    return this.deps.metadata.leaderOf(this.name, this.partitionFor(key));
  }

  /** This broker leads the key's partition and hosts it. */
  isLedHere(key: string): boolean {
    return this.leaderOf(key) === this.deps.context.nodeId && this.deps.partitions.partition(this.name, this.partitionFor(key)) !== undefined;
  }

  /**
   * FindCoordinator, which any broker answers (Kafka's getCoordinator): the leader of the
   * key's partition, even while it still loads it; COORDINATOR_NOT_AVAILABLE while the
   * partition has no live leader (an election is under way) or the topic cannot be created
   * yet. Clients retry both.
   */
  findCoordinator(key: string): { errorCode: number; nodeId: number } {
    if (!this.active || !this.ensureTopic()) return UNAVAILABLE;
    const leaderId = this.leaderOf(key);
    if (leaderId < 0 || !this.deps.metadata.isLive(leaderId)) return UNAVAILABLE;
    return { errorCode: ErrorCode.NONE, nodeId: leaderId };
  }

  isLoading(index: number): boolean {
    return this.pendingLoads.has(index);
  }

  /** Whether any partition is loading (ListGroups reports it). */
  get isAnyLoading(): boolean {
    return this.pendingLoads.size > 0;
  }

  /** The replica manager made this broker leader of partition `index`, or a follower. */
  onLeadershipChange(index: number, isLeader: boolean): void {
    if (!this.active) return;
    if (!isLeader) return this.onResignation(index);
    const partition = this.deps.partitions.partition(this.name, index);
    if (partition) this.onElection(index, partition.leaderEpoch);
  }

  /** What an earlier leadership held goes, then the log is loaded (at once, or after the injected delay). */
  private onElection(index: number, leaderEpoch: number): void {
    this.cancelLoad(index);
    this.shard.unload(index);
    const delayMs = this.deps.faults.loadDelayMs(this.spec.kind);
    if (delayMs <= 0) return this.shard.load(index, leaderEpoch);
    this.deps.context.logger.info(`loading ${this.name}-${index} in ${delayMs} ms`);
    const timer = this.deps.context.clock.setTimeout(() => {
      if (this.pendingLoads.get(index) !== timer) return;
      this.pendingLoads.delete(index);
      // Led at another epoch by now: that leadership's own load runs.
      const partition = this.deps.partitions.partition(this.name, index);
      if (partition?.isLeader && partition.leaderEpoch === leaderEpoch) this.shard.load(index, leaderEpoch);
    }, delayMs);
    this.pendingLoads.set(index, timer);
  }

  /** A pending load is cancelled; what was loaded is unloaded. */
  private onResignation(index: number): void {
    this.cancelLoad(index);
    this.shard.unload(index);
  }

  private cancelLoad(index: number): void {
    const timer = this.pendingLoads.get(index);
    if (timer === undefined) return;
    this.deps.context.clock.clearTimeout(timer);
    this.pendingLoads.delete(index);
    this.deps.context.logger.info(`cancelled the load of ${this.name}-${index}`);
  }
}
