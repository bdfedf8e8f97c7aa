import type { TopicMetadata } from './cluster/cluster-metadata.js';
import { Partition, type ReplicationContext } from './cluster/partition.js';
import type { TimerHandle } from './clock.js';
import { FetchPurgatory, partitionKey } from './delayed-fetch.js';
import { ReplicaFetcherManager } from './replication/replica-fetcher-manager.js';
import { GROUP_METADATA_TOPIC } from './coordinator/group/group-metadata-manager.js';
import { TRANSACTION_STATE_TOPIC } from './coordinator/transaction/transaction-state-manager.js';
import type { KafkaBroker } from './kafka-broker.js';
import { parseLogConfig, type LogConfig } from './storage/log-config.js';
import { partitionDirName } from './storage/log-file-names.js';
import { LogManager } from './storage/log-manager.js';
import { ReplicationOffsetCheckpoint } from './storage/replication-offset-checkpoint.js';

/** How long a request's partition creation holds the event loop before other work runs. */
export const PARTITION_CREATION_SLICE_MS = 10;

/** A topic's effective settings: the log's own plus what the produce path checks. */
export interface TopicSettings {
  readonly log: LogConfig;
  readonly minInsyncReplicas: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
  /** compression.type: the codec batches are stored in ('producer' keeps the producer's). */
  readonly compressionType: string;
}

/**
 * Owns the partitions this broker hosts and their logs (Kafka's ReplicaManager): creates and
 * deletes them as the controller decides, makes each one leader or follower as the controller's
 * metadata says (followers fetch through the replica fetchers), shrinks the ISR of the
 * partitions it leads, runs retention and cleaning, and wakes fetches and acks=-1 produces
 * waiting in the purgatories when data arrives or the high watermark moves.
 */
export class ReplicaManager {
  readonly fetchPurgatory = new FetchPurgatory(this.broker.clock);
  /** acks=-1 produces waiting for the ISR (Kafka's produce purgatory). */
  readonly producePurgatory = new FetchPurgatory(this.broker.clock);
  readonly fetcherManager: ReplicaFetcherManager;
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

  constructor(private readonly broker: KafkaBroker) {
    this.logManager = new LogManager({
      dataDir: broker.dataDir,
      clock: broker.clock,
      logger: broker.logger,
      retentionCheckIntervalMs: broker.config.int('log.retention.check.interval.ms'),
      cleanerBackoffMs: broker.config.int('log.cleaner.backoff.ms'),
      cleanerEnabled: broker.config.boolean('log.cleaner.enable'),
      // How often flush.ms is checked; Kafka's default (Long.MAX) never checks it.
      flushCheckIntervalMs: broker.config.int('log.flush.scheduler.interval.ms'),
      recoveryPointCheckpointIntervalMs: broker.config.int('log.flush.offset.checkpoint.interval.ms'),
    });
    this.fetcherManager = new ReplicaFetcherManager(broker);
    this.highWatermarkCheckpoint = new ReplicationOffsetCheckpoint(broker.dataDir, broker.logger);
  }

  /** Opens (and recovers) the logs of every topic in the cluster metadata. */
  startup(): void {
    this.restoredHighWatermarks = this.highWatermarkCheckpoint.read();
    for (const topic of this.broker.metadata.topics) this.createPartitions(topic);
    this.restoredHighWatermarks = null;
    this.logManager.startup();
    const checkpointIntervalMs = this.broker.config.int('replica.high.watermark.checkpoint.interval.ms');
    if (checkpointIntervalMs > 0) {
      this.highWatermarkCheckpointTimer = this.broker.clock.setInterval(() => this.checkpointHighWatermarksSafely(), Math.min(checkpointIntervalMs, 2 ** 31 - 1));
    }
    this.producerExpirationTimer = this.broker.clock.setInterval(() => this.removeExpiredProducers(), this.broker.config.int('producer.id.expiration.check.interval.ms'));
    if (this.broker.cluster) {
      const lagMax = this.broker.config.int('replica.lag.time.max.ms');
      this.isrShrinkTimer = this.broker.clock.setInterval(() => this.maybeShrinkIsr(), Math.max(10, Math.floor(lagMax / 2)));
    }
  }

  shutdown(): void {
    this.stopActivity();
    // Before the logs close, as Kafka's ReplicaManager.shutdown(checkpointHW = true).
    this.checkpointHighWatermarksSafely();
    this.logManager.shutdown();
  }

  /** An abrupt stop (a crashed broker): no flush, no checkpoints, no clean shutdown marker. */
  kill(): void {
    this.stopActivity();
    this.logManager.abandon();
  }

  private stopActivity(): void {
    this.stopped = true;
    this.broker.clock.clearInterval(this.producerExpirationTimer);
    this.producerExpirationTimer = null;
    this.broker.clock.clearInterval(this.highWatermarkCheckpointTimer);
    this.highWatermarkCheckpointTimer = null;
    this.broker.clock.clearInterval(this.isrShrinkTimer);
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
    const entries = [];
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
      this.broker.logger.error(`writing ${this.highWatermarkCheckpoint.file} failed: ${error instanceof Error ? error.message : String(error)}`);
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
    const key = partitionKey(partition.topic, partition.index);
    this.producePurgatory.checkAndComplete(key);
    this.fetchPurgatory.checkAndComplete(key);
  }

  /** producer.id.expiration.ms: every partition forgets producers idle that long (without an open transaction). */
  removeExpiredProducers(nowMs: number = this.broker.clock.now()): number {
    const expirationMs = this.broker.config.int('producer.id.expiration.ms');
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
    const effective = this.broker.config.topicConfig(this.broker.metadata.topic(topic)?.configs ?? {});
    return {
      log: parseLogConfig(effective),
      minInsyncReplicas: Number(effective['min.insync.replicas']),
      messageTimestampBeforeMaxMs: Number(effective['message.timestamp.before.max.ms']),
      messageTimestampAfterMaxMs: Number(effective['message.timestamp.after.max.ms']),
      compressionType: effective['compression.type'] ?? 'producer',
    };
  }

  /**
   * Creates the local partitions of a topic that this broker does not host yet (with
   * replication: those it holds a replica of), then applies the leaders the metadata names.
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
        const current = this.broker.metadata.topic(topic.name);
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
    const clustered = this.broker.cluster !== undefined;
    let done = true;
    for (const assignment of topic.partitions) {
      if (hosted[assignment.partition]) continue;
      if (clustered && !assignment.replicas.includes(this.broker.nodeId)) continue;
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
        this.producePurgatory.checkAndComplete(key);
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
   * (KIP-101) before it fetches. A single broker leads everything it hosts.
   */
  applyLeadership(topic: TopicMetadata): void {
    for (const partition of this.partitions.get(topic.name) ?? []) {
      if (!partition) continue;
      const assignment = topic.partitions[partition.index];
      if (!assignment) continue;
      const leaderId = this.broker.cluster ? assignment.leaderId : this.broker.nodeId;
      if (leaderId === this.broker.nodeId) {
        if (partition.isLeader && partition.leaderId !== -1 && partition.leaderEpoch === assignment.leaderEpoch) {
          // The controller may have shrunk the ISR (a fenced follower): the high watermark can move.
          const before = partition.highWatermark;
          partition.maybeIncrementHighWatermark();
          if (partition.highWatermark !== before) this.partitionStateChanged(partition);
          continue;
        }
        this.fetcherManager.removePartition(partition);
        partition.makeLeader(assignment.leaderEpoch);
        this.broker.logger.info(`${topic.name}-${partition.index}: leader at epoch ${assignment.leaderEpoch}`);
        this.coordinatorsFollow(partition, true);
      } else {
        if (partition.leaderId === leaderId && partition.leaderEpoch === assignment.leaderEpoch) continue;
        const wasLeader = partition.isLeader && partition.leaderId !== -1;
        partition.makeFollower(leaderId, assignment.leaderEpoch);
        if (wasLeader) this.coordinatorsFollow(partition, false);
        this.fetcherManager.removePartition(partition);
        if (leaderId >= 0) this.fetcherManager.addPartition(partition, leaderId);
        this.broker.logger.info(`${topic.name}-${partition.index}: follower of ${leaderId} at epoch ${assignment.leaderEpoch}`);
      }
      this.partitionStateChanged(partition);
    }
  }

  /** The coordinators move with the leaders of `__consumer_offsets` (replication only) and `__transaction_state`. */
  private coordinatorsFollow(partition: Partition, isLeader: boolean): void {
    // A single broker too: its transaction coordinator loads the partitions created after it started.
    if (partition.topic === TRANSACTION_STATE_TOPIC) this.broker.transactionCoordinator.onPartitionLeadershipChange(partition.index, isLeader);
    if (!this.broker.cluster) return;
    if (partition.topic === GROUP_METADATA_TOPIC) this.broker.groupCoordinator.onPartitionLeadershipChange(partition.index, isLeader);
  }

  private replicationContext(topic: string, index: number): ReplicationContext {
    const broker = this.broker;
    const cluster = broker.cluster;
    return {
      localId: broker.nodeId,
      now: () => broker.clock.now(),
      // A single broker has no followers: the ISR is itself, whatever the stored metadata says.
      assignment: () => (cluster ? broker.metadata.topic(topic)?.partitions[index] : undefined),
      alterIsr: (isr) => {
        const partition = this.partition(topic, index);
        if (!cluster || !partition) return false;
        return cluster.alterPartitionIsr(broker.nodeId, topic, index, partition.leaderEpoch, isr);
      },
      replicaLagTimeMaxMs: () => broker.config.int('replica.lag.time.max.ms'),
    };
  }

  deletePartitions(topic: TopicMetadata): void {
    for (const partition of this.partitions.get(topic.name) ?? []) {
      if (!partition) continue;
      this.fetcherManager.removePartition(partition);
      this.logManager.deleteLog(topic.name, partition.index);
      this.fetchPurgatory.checkAndComplete(partitionKey(topic.name, partition.index));
      this.producePurgatory.checkAndComplete(partitionKey(topic.name, partition.index));
    }
    this.partitions.delete(topic.name);
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
