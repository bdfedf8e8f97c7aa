import type { TimerHandle } from './clock.js';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import type { Clock } from './clock.js';
import type { TopicMetadata } from './cluster/cluster-metadata.js';
import { Partition, type AppendInfo, type ReplicationContext } from './cluster/partition.js';
import type { TransactionalWrite, VerificationGuard } from './coordinator/transaction/transaction-verification.js';
import { FetchPurgatory, partitionKey } from './delayed-fetch.js';
import type { BrokerLogger } from './logger.js';
import { ProducePurgatory, type AckOutcome, type ReplicatedAppend } from './produce-purgatory.js';
import type { TopicSettings } from './cluster/topic-settings.js';
import { parseLogConfig } from './storage/log-config.js';
import { partitionDirName } from './storage/log-file-names.js';
import { LogManager } from './storage/log-manager.js';
import { ReplicationOffsetCheckpoint } from './storage/replication-offset-checkpoint.js';
import type { AppendOrigin } from './storage/producer-state-manager.js';

/** How long a request's partition creation holds the event loop before other work runs. */
export const PARTITION_CREATION_SLICE_MS = 10;

export type { TopicSettings } from './cluster/topic-settings.js';

/** What the replica manager is built with (the composition root wires the broker's pieces in; tests pass fakes). */
export interface ReplicaManagerDeps {
  readonly nodeId: number;
  readonly dataDir: string;
  readonly config: {
    int(name: string): number;
    boolean(name: string): boolean;
    /** A topic's effective configs: its overrides over the broker's. */
    topicConfig(overrides: Readonly<Record<string, string>>): Record<string, string>;
  };
  readonly logger: BrokerLogger;
  readonly clock: Clock;
  /** The cluster metadata as this broker last received it. */
  readonly metadata: {
    readonly topics: Iterable<TopicMetadata>;
    topic(name: string): TopicMetadata | undefined;
  };
  /** The controller's ISR change (AlterPartition). */
  readonly isrChannel: { alterPartitionIsr(brokerId: number, topic: string, partition: number, leaderEpoch: number, isr: number[]): boolean };
  /** The follower side: the replica fetchers. */
  readonly fetchers: FollowerFetchers;
  /** Told when this broker becomes a partition's leader or stops being it (the coordinator runtime). */
  readonly leadership: { onLeadershipChange(topic: string, index: number, isLeader: boolean): void };
}

/** The replica fetchers, as the replica manager moves followed partitions between them. */
export interface FollowerFetchers {
  addPartition(partition: Partition, leaderId: number): void;
  removePartition(partition: Partition): void;
  shutdown(): void;
}

/** How an append as leader is made: Kafka's appendRecords arguments. */
export interface LeaderAppendOptions {
  /** -1 refuses up front when the ISR is below min.insync.replicas; the caller then waits for the ISR. */
  readonly requiredAcks: number;
  readonly origin: AppendOrigin;
  /** The time LogAppendTime topics stamp (the request's arrival). */
  readonly appendTimeMs: number;
  /**
   * KIP-890: the producers of the transactional batches in the records, each checked against
   * the request's verification guard before anything is appended.
   */
  readonly verification?: { readonly guard: VerificationGuard; readonly producers: ReadonlyArray<Omit<TransactionalWrite, 'topic' | 'partition'>> };
}

/**
 * Owns the partitions this broker hosts and their logs (Kafka's ReplicaManager): creates and
 * deletes them as the controller decides, makes each one leader or follower as the controller's
 * metadata says (followers fetch through the replica fetchers), shrinks the ISR of the
 * partitions it leads, runs retention and cleaning, and wakes fetches and acks=-1 produces
 * waiting in the purgatories when data arrives or the high watermark moves.
 */
export class ReplicaManager {
  readonly fetchPurgatory: FetchPurgatory;
  /** acks=-1 appends waiting for the ISR, clients' and coordinators' (Kafka's produce purgatory). */
  readonly producePurgatory: ProducePurgatory;
  readonly fetcherManager: FollowerFetchers;
  /** Sparse by partition index: with replication a broker hosts only the partitions it holds a replica of. */
  private readonly partitions = new Map<string, Array<Partition | undefined>>();
  private readonly logManager: LogManager;
  private producerExpirationTimer: TimerHandle | null = null;
  private isrShrinkTimer: TimerHandle | null = null;
  /** Kafka's replication-offset-checkpoint: the high watermarks, written on a timer and at clean shutdown. */
  private readonly highWatermarkCheckpoint: ReplicationOffsetCheckpoint;
  private highWatermarkCheckpointTimer: TimerHandle | null = null;
  /** The checkpointed high watermarks, while startup() opens the logs (null afterwards: later logs are new). */
  private restoredHighWatermarks: Map<string, number> | null = null;
  private stopped = false;

  constructor(private readonly deps: ReplicaManagerDeps) {
    const { config } = deps;
    this.fetchPurgatory = new FetchPurgatory(deps.clock);
    this.producePurgatory = new ProducePurgatory(deps.clock);
    this.logManager = new LogManager({
      dataDir: deps.dataDir,
      clock: deps.clock,
      logger: deps.logger,
      retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
      cleanerBackoffMs: config.int('log.cleaner.backoff.ms'),
      cleanerEnabled: config.boolean('log.cleaner.enable'),
      // How often flush.ms is checked; Kafka's default (Long.MAX) never checks it.
      flushCheckIntervalMs: config.int('log.flush.scheduler.interval.ms'),
      recoveryPointCheckpointIntervalMs: config.int('log.flush.offset.checkpoint.interval.ms'),
      maxOpenFiles: config.int('streamwright.log.max.open.files'),
    });
    this.fetcherManager = deps.fetchers;
    this.highWatermarkCheckpoint = new ReplicationOffsetCheckpoint(deps.dataDir, deps.logger);
  }

  /** Opens (and recovers) the logs of every topic in the cluster metadata. */
  startup(): void {
    this.restoredHighWatermarks = this.highWatermarkCheckpoint.read();
    for (const topic of this.deps.metadata.topics) this.createPartitions(topic);
    this.restoredHighWatermarks = null;
    this.logManager.startup();
    const checkpointIntervalMs = this.deps.config.int('replica.high.watermark.checkpoint.interval.ms');
    if (checkpointIntervalMs > 0) {
      this.highWatermarkCheckpointTimer = this.deps.clock.setInterval(() => this.checkpointHighWatermarksSafely(), Math.min(checkpointIntervalMs, 2 ** 31 - 1));
    }
    this.producerExpirationTimer = this.deps.clock.setInterval(() => this.removeExpiredProducers(), this.deps.config.int('producer.id.expiration.check.interval.ms'));
    const lagMax = this.deps.config.int('replica.lag.time.max.ms');
    this.isrShrinkTimer = this.deps.clock.setInterval(() => this.maybeShrinkIsr(), Math.max(10, Math.floor(lagMax / 2)));
  }

  /** Closes the logs cleanly, many at once (see LogManager.shutdownAsync). */
  async shutdown(): Promise<void> {
    this.stopActivity();
    // Before the logs close, as Kafka's ReplicaManager.shutdown(checkpointHW = true).
    this.checkpointHighWatermarksSafely();
    await this.logManager.shutdownAsync();
  }

  /** An abrupt stop (a crashed broker): no flush, no checkpoints, no clean shutdown marker. */
  kill(): void {
    this.stopActivity();
    this.logManager.abandon();
  }

  private stopActivity(): void {
    this.stopped = true;
    this.deps.clock.clearInterval(this.producerExpirationTimer);
    this.producerExpirationTimer = null;
    this.deps.clock.clearInterval(this.highWatermarkCheckpointTimer);
    this.highWatermarkCheckpointTimer = null;
    this.deps.clock.clearInterval(this.isrShrinkTimer);
    this.isrShrinkTimer = null;
    this.fetcherManager.shutdown();
    this.fetchPurgatory.completeAll();
    this.producePurgatory.completeAll();
  }

  /**
   * Writes every hosted partition's high watermark to `replication-offset-checkpoint` (Kafka's
   * checkpointHighWatermarks). Returns whether the file was rewritten (false: unchanged).
   */
  checkpointHighWatermarks(): boolean {
    const entries: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const hosted of this.partitions.values()) {
      for (const partition of hosted) {
        if (partition?.log.isOpen) entries.push({ topic: partition.topic, partition: partition.index, offset: partition.highWatermark });
      }
    }
    return this.highWatermarkCheckpoint.write(entries);
  }

  /** The timer's and shutdown's checkpoint: a failed write is logged, the broker goes on. */
  private checkpointHighWatermarksSafely(): void {
    try {
      this.checkpointHighWatermarks();
    } catch (error) {
      this.deps.logger.error(`writing ${this.highWatermarkCheckpoint.file} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** replica.lag.time.max.ms: the partitions led here drop followers that stopped keeping up. */
  maybeShrinkIsr(): void {
    for (const hosted of this.partitions.values()) {
      for (const partition of hosted) {
        if (partition?.isLeader && partition.maybeShrinkIsr()) this.partitionStateChanged(partition);
      }
    }
  }

  /** Wakes whatever waits on a partition after its high watermark, leader or ISR changed. */
  partitionStateChanged(partition: Partition): void {
    this.producePurgatory.checkAndComplete(partition.topic, partition.index);
    this.fetchPurgatory.checkAndComplete(partitionKey(partition.topic, partition.index));
  }

  /**
   * Appends records as the partition's leader (Kafka's appendRecords, for Produce and the
   * coordinators alike): NOT_LEADER_OR_FOLLOWER when it is not the leader, KIP-890's
   * verdicts for transactional batches, NOT_ENOUGH_REPLICAS up front for acks=-1 when the ISR
   * is below min.insync.replicas, then the log's own checks. Throws a KafkaProtocolError.
   * With acks=-1 the returned append is what {@link awaitReplication} waits for.
   */
  appendAsLeader(partition: Partition, records: Buffer, options: LeaderAppendOptions): AppendInfo & { replicated: ReplicatedAppend } {
    if (!partition.isLeader) throw new KafkaProtocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${partition.topic}-${partition.index}`);
    for (const producer of options.verification?.producers ?? []) {
      const error = options.verification!.guard.verdict({ ...producer, topic: partition.topic, partition: partition.index });
      if (error !== ErrorCode.NONE) throw new KafkaProtocolError(error, `transactional records of producer ${producer.producerId} (epoch ${producer.producerEpoch}) are not part of an open transaction on ${partition.topic}-${partition.index}`);
    }
    const settings = partition.settings;
    if (options.requiredAcks === -1 && partition.isr.length < settings.minInsyncReplicas) {
      throw new KafkaProtocolError(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR ${partition.isr.length} is insufficient to satisfy the min.isr requirement of ${settings.minInsyncReplicas}`);
    }
    const leaderEpoch = partition.leaderEpoch;
    const info = partition.appendRecordsAsLeader(records, settings.log.messageTimestampType === 'LogAppendTime' ? options.appendTimeMs : null, options.origin);
    return { ...info, replicated: { partition, leaderEpoch, requiredOffset: info.requiredOffset } };
  }

  /**
   * Kafka's delayed produce: `done` gets each acks=-1 append's outcome once the ISR has it (or
   * the leadership moved, or `timeoutMs` passed); synchronously when it already has them all.
   */
  awaitReplication(appends: readonly ReplicatedAppend[], timeoutMs: number, done: (outcomes: AckOutcome[]) => void, onConnectionClose?: (callback: () => void) => () => void): void {
    this.producePurgatory.waitForIsr(appends, timeoutMs, done, onConnectionClose);
  }

  /**
   * A coordinator's write (state records, transaction markers): appended with acks=-1, `done`
   * getting the error code once the ISR has the records (synchronously on a single broker, so
   * a lone broker applies what it wrote before it answers anything else).
   */
  appendCoordinatorRecords(partition: Partition, records: Buffer, timeoutMs: number, done: (errorCode: number) => void): void {
    let replicated: ReplicatedAppend;
    try {
      replicated = this.appendAsLeader(partition, records, { requiredAcks: -1, origin: 'coordinator', appendTimeMs: this.deps.clock.now() }).replicated;
    } catch (error) {
      if (error instanceof KafkaProtocolError) return done(error.code);
      this.deps.logger.error(`coordinator append to ${partition.topic}-${partition.index} failed: ${(error as Error)?.stack ?? error}`);
      return done(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    this.awaitReplication([replicated], timeoutMs, ([outcome]) => done(outcome!.errorCode));
  }

  /** producer.id.expiration.ms: every partition forgets producers idle that long (without an open transaction). */
  removeExpiredProducers(nowMs: number = this.deps.clock.now()): number {
    const expirationMs = this.deps.config.int('producer.id.expiration.ms');
    let removed = 0;
    for (const hosted of this.partitions.values()) for (const partition of hosted) if (partition) removed += partition.log.removeExpiredProducers(expirationMs, nowMs);
    return removed;
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(topic)?.[index];
  }

  /** The partitions of `topic` hosted here (all of them on a single broker). */
  partitionsOf(topic: string): readonly Partition[] {
    return (this.partitions.get(topic) ?? []).filter((p): p is Partition => p !== undefined);
  }

  settingsOf(topic: string): TopicSettings {
    const effective = this.deps.config.topicConfig(this.deps.metadata.topic(topic)?.configs ?? {});
    return {
      log: parseLogConfig(effective),
      minInsyncReplicas: Number(effective['min.insync.replicas']),
      messageTimestampBeforeMaxMs: Number(effective['message.timestamp.before.max.ms']),
      messageTimestampAfterMaxMs: Number(effective['message.timestamp.after.max.ms']),
      compressionType: effective['compression.type'] ?? 'producer',
    };
  }

  /**
   * Creates the local partitions of a topic that this broker does not host yet (those it holds
   * a replica of), then applies the leaders the metadata names.
   * All at once (start-up, and the cluster path); see {@link createPartitionsInSlices} for a
   * request's.
   */
  createPartitions(topic: TopicMetadata): void {
    this.createSomePartitions(topic, Infinity);
  }

  /**
   * The same, a slice of {@link PARTITION_CREATION_SLICE_MS} at a time: thousands of partitions
   * (each a directory, files and fsyncs) would otherwise hold the broker's one thread for
   * seconds. Null when the first slice did it all; otherwise a promise of the rest, which
   * stops early if the topic is deleted (or replaced) or the broker stops meanwhile.
   */
  createPartitionsInSlices(topic: TopicMetadata): Promise<void> | null {
    if (this.createSomePartitions(topic, performance.now() + PARTITION_CREATION_SLICE_MS)) return null;
    return new Promise((resolve, reject) => {
      const next = () => {
        const current = this.deps.metadata.topic(topic.name);
        if (this.stopped || current?.topicId !== topic.topicId) return resolve();
        try {
          if (this.createSomePartitions(current, performance.now() + PARTITION_CREATION_SLICE_MS)) resolve();
          else setImmediate(next);
        } catch (error) {
          reject(error as Error);
        }
      };
      setImmediate(next);
    });
  }

  /** Creates partitions until `deadline` (performance.now()); true when none is left to create. */
  private createSomePartitions(topic: TopicMetadata, deadline: number): boolean {
    const settings = this.settingsOf(topic.name);
    const hosted = this.partitions.get(topic.name) ?? [];
    this.partitions.set(topic.name, hosted);
    let done = true;
    for (const assignment of topic.partitions) {
      if (hosted[assignment.partition]) continue;
      if (!assignment.replicas.includes(this.deps.nodeId)) continue;
      if (performance.now() >= deadline) {
        done = false;
        break;
      }
      // At start-up a log starts from its checkpointed high watermark (0, i.e. its log start, when
      // the file has none), not from its log end: what is above it may not be on the ISR. A leader
      // alone in its ISR (a single broker) moves it to the log end as soon as it leads.
      const restored = this.restoredHighWatermarks ? (this.restoredHighWatermarks.get(partitionDirName(topic.name, assignment.partition)) ?? 0) : undefined;
      const log = this.logManager.getOrCreateLog(topic.name, assignment.partition, settings.log, topic.topicId, restored);
      const partition = new Partition(topic.name, assignment.partition, topic.topicId, log, assignment.leaderEpoch, settings, this.replicationContext(topic.name, assignment.partition));
      const key = partitionKey(topic.name, assignment.partition);
      log.onAppend(() => this.fetchPurgatory.checkAndComplete(key));
      log.onHighWatermarkChange(() => {
        this.fetchPurgatory.checkAndComplete(key);
        this.producePurgatory.checkAndComplete(topic.name, assignment.partition);
      });
      hosted[assignment.partition] = partition;
    }
    // The partitions created so far are served from now on.
    this.applyLeadership(topic);
    return done;
  }

  /**
   * Makes each hosted partition of `topic` leader or follower as the controller's metadata says
   * (Kafka's LeaderAndIsr / KRaft metadata delta): a new leader epoch on a leader resets its
   * follower tracking; a follower goes to the replica fetcher of its leader, which truncates it
   * (KIP-101) before it fetches.
   */
  applyLeadership(topic: TopicMetadata): void {
    for (const partition of this.partitions.get(topic.name) ?? []) {
      if (!partition) continue;
      const assignment = topic.partitions[partition.index];
      if (!assignment) continue;
      const leaderId = assignment.leaderId;
      if (leaderId === this.deps.nodeId) {
        if (partition.isLeader && partition.leaderId !== -1 && partition.leaderEpoch === assignment.leaderEpoch) {
          // The controller may have shrunk the ISR (a fenced follower): the high watermark can move.
          const before = partition.highWatermark;
          partition.maybeIncrementHighWatermark();
          if (partition.highWatermark !== before) this.partitionStateChanged(partition);
          continue;
        }
        this.fetcherManager.removePartition(partition);
        partition.makeLeader(assignment.leaderEpoch);
        this.deps.logger.info(`${topic.name}-${partition.index}: leader at epoch ${assignment.leaderEpoch}`);
        this.coordinatorsFollow(partition, true);
      } else {
        if (partition.leaderId === leaderId && partition.leaderEpoch === assignment.leaderEpoch) continue;
        const wasLeader = partition.isLeader && partition.leaderId !== -1;
        partition.makeFollower(leaderId, assignment.leaderEpoch);
        if (wasLeader) this.coordinatorsFollow(partition, false);
        this.fetcherManager.removePartition(partition);
        if (leaderId >= 0) this.fetcherManager.addPartition(partition, leaderId);
        this.deps.logger.info(`${topic.name}-${partition.index}: follower of ${leaderId} at epoch ${assignment.leaderEpoch}`);
      }
      this.partitionStateChanged(partition);
    }
  }

  /** The coordinators move with the leaders of `__consumer_offsets` and `__transaction_state` (the runtime ignores other topics). */
  private coordinatorsFollow(partition: Partition, isLeader: boolean): void {
    this.deps.leadership.onLeadershipChange(partition.topic, partition.index, isLeader);
  }

  private replicationContext(topic: string, index: number): ReplicationContext {
    const { nodeId, clock, metadata, config, isrChannel } = this.deps;
    return {
      localId: nodeId,
      now: () => clock.now(),
      assignment: () => metadata.topic(topic)?.partitions[index],
      alterIsr: (isr) => {
        const partition = this.partition(topic, index);
        if (!partition) return false;
        return isrChannel.alterPartitionIsr(nodeId, topic, index, partition.leaderEpoch, isr);
      },
      replicaLagTimeMaxMs: () => config.int('replica.lag.time.max.ms'),
    };
  }

  deletePartitions(topic: string): void {
    for (const partition of this.partitions.get(topic) ?? []) {
      if (!partition) continue;
      this.fetcherManager.removePartition(partition);
      this.logManager.deleteLog(topic, partition.index);
      this.fetchPurgatory.checkAndComplete(partitionKey(topic, partition.index));
      this.producePurgatory.checkAndComplete(topic, partition.index);
    }
    this.partitions.delete(topic);
  }

  /** Applies a topic's (or the broker's) changed configs to its logs. */
  topicConfigChanged(topic: string): void {
    const settings = this.settingsOf(topic);
    for (const partition of this.partitions.get(topic) ?? []) {
      if (!partition) continue;
      partition.settings = settings;
      partition.log.updateConfig(settings.log);
    }
  }
}
