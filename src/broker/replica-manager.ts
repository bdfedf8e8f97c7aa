import type { TopicMetadata } from './cluster/cluster-metadata.js';
import { Partition } from './cluster/partition.js';
import { FetchPurgatory, partitionKey } from './delayed-fetch.js';
import type { KafkaBroker } from './kafka-broker.js';
import { parseLogConfig, type LogConfig } from './storage/log-config.js';
import { LogManager } from './storage/log-manager.js';

/** A topic's effective settings: the log's own plus what the produce path checks. */
export interface TopicSettings {
  readonly log: LogConfig;
  readonly minInsyncReplicas: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
}

/**
 * Owns the partitions this broker hosts and their logs (Kafka's ReplicaManager): creates and
 * deletes them as the controller decides, runs retention and cleaning, and wakes fetches
 * waiting in the purgatory when data arrives.
 */
export class ReplicaManager {
  readonly fetchPurgatory = new FetchPurgatory();
  private readonly partitions = new Map<string, Partition[]>();
  private readonly logManager: LogManager;
  private producerExpirationTimer: NodeJS.Timeout | null = null;

  constructor(private readonly broker: KafkaBroker) {
    this.logManager = new LogManager({
      dataDir: broker.dataDir,
      now: broker.now,
      logger: broker.logger,
      retentionCheckIntervalMs: broker.config.int('log.retention.check.interval.ms'),
      cleanerBackoffMs: broker.config.int('log.cleaner.backoff.ms'),
    });
  }

  /** Opens (and recovers) the logs of every topic in the cluster metadata. */
  startup(): void {
    for (const topic of this.broker.metadata.topics) this.createPartitions(topic);
    this.logManager.startup();
    this.producerExpirationTimer = setInterval(() => this.removeExpiredProducers(), this.broker.config.int('producer.id.expiration.check.interval.ms'));
    this.producerExpirationTimer.unref();
  }

  shutdown(): void {
    if (this.producerExpirationTimer) clearInterval(this.producerExpirationTimer);
    this.producerExpirationTimer = null;
    this.fetchPurgatory.completeAll();
    this.logManager.shutdown();
  }

  /** producer.id.expiration.ms: every partition forgets producers idle that long (without an open transaction). */
  removeExpiredProducers(nowMs: number = this.broker.now()): number {
    const expirationMs = this.broker.config.int('producer.id.expiration.ms');
    let removed = 0;
    for (const hosted of this.partitions.values()) for (const partition of hosted) removed += partition.log.removeExpiredProducers(expirationMs, nowMs);
    return removed;
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(topic)?.[index];
  }

  partitionsOf(topic: string): readonly Partition[] {
    return this.partitions.get(topic) ?? [];
  }

  settingsOf(topic: string): TopicSettings {
    const effective = this.broker.config.topicConfig(this.broker.metadata.topic(topic)?.configs ?? {});
    return {
      log: parseLogConfig(effective),
      minInsyncReplicas: Number(effective['min.insync.replicas']),
      messageTimestampBeforeMaxMs: Number(effective['message.timestamp.before.max.ms']),
      messageTimestampAfterMaxMs: Number(effective['message.timestamp.after.max.ms']),
    };
  }

  /** Creates the local partitions of a topic that this broker does not host yet. */
  createPartitions(topic: TopicMetadata): void {
    const settings = this.settingsOf(topic.name);
    const hosted = this.partitions.get(topic.name) ?? [];
    for (const assignment of topic.partitions.slice(hosted.length)) {
      const log = this.logManager.getOrCreateLog(topic.name, assignment.partition, settings.log, topic.topicId);
      const partition = new Partition(topic.name, assignment.partition, topic.topicId, log, assignment.leaderEpoch, settings);
      log.onAppend(() => this.fetchPurgatory.checkAndComplete(partitionKey(topic.name, assignment.partition)));
      hosted.push(partition);
    }
    this.partitions.set(topic.name, hosted);
  }

  deletePartitions(topic: TopicMetadata): void {
    for (const partition of this.partitions.get(topic.name) ?? []) {
      this.logManager.deleteLog(topic.name, partition.index);
      this.fetchPurgatory.checkAndComplete(partitionKey(topic.name, partition.index));
    }
    this.partitions.delete(topic.name);
  }

  /** Applies a topic's (or the broker's) changed configs to its logs. */
  topicConfigChanged(topic: string): void {
    const settings = this.settingsOf(topic);
    for (const partition of this.partitions.get(topic) ?? []) {
      partition.settings = settings;
      partition.log.updateConfig(settings.log);
    }
  }
}
