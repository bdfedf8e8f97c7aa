import type { Admin, EachBatchPayload } from 'kafkajs';
import type { Logger } from '../support/logger.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';
import type { ConsumerSeekAware, ConsumerSeekCallback } from './consumer-seek-aware.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { TopicPartitionOffset } from './topic-partition-offset.js';

/** What the seek manager needs from its container. */
export interface SeekManagerOwner {
  readonly groupId: string;
  readonly consumer: ContainerConsumer;
  /** Where a partition with no committed offset starts. */
  readonly autoOffsetReset: 'earliest' | 'latest';
  admin(): Promise<Admin>;
  assignments(): TopicPartition[];
}

/**
 * One consumer's positioning, as the seek parts of Spring's `ListenerConsumer` (the container's consumer loop): the initial
 * offsets of manually assigned partitions, and the `ConsumerSeekAware` callbacks. It is the
 * consumer's {@link ConsumerSeekCallback}.
 *
 * Seeks go through kafkajs' `seek`, which the container's record loop notices between records
 * (the batch in hand turns stale), so a seek from anywhere lands between two records. After an
 * assignment, no batch reaches the listener until the initial offsets and
 * `onPartitionsAssigned` (and the seeks it started) are applied.
 */
export class ConsumerSeekManager implements ConsumerSeekCallback {
  private pending: Promise<void> | undefined;
  private initialOffsetsApplied = false;
  /** Seeks under way (offset look-ups); an assignment waits for those it started. */
  private readonly seeking = new Set<Promise<void>>();
  /** The next offset to be fetched per partition, known from the batches seen. */
  private readonly positions = new Map<string, number>();

  private constructor(
    private readonly owner: SeekManagerOwner,
    private readonly seekAware: ConsumerSeekAware | undefined,
    private readonly initialOffsets: readonly TopicPartitionOffset[],
    private readonly logger: Logger,
  ) {}

  /** A manager when there is something to position, else undefined (and no cost per batch). */
  static for(owner: SeekManagerOwner, seekAware: ConsumerSeekAware | undefined, topicPartitions: readonly TopicPartitionOffset[] | undefined, logger: Logger): ConsumerSeekManager | undefined {
    const initial = (topicPartitions ?? []).filter((tpo) => tpo.offset !== undefined || tpo.position !== undefined);
    if (!seekAware && initial.length === 0) return undefined;
    return new ConsumerSeekManager(owner, seekAware, initial, logger);
  }

  started(): void {
    this.initialOffsetsApplied = false;
    this.positions.clear();
    this.quietly('registerSeekCallback', () => this.seekAware?.registerSeekCallback?.(this));
  }

  stopped(): void {
    this.quietly('unregisterSeekCallback', () => this.seekAware?.unregisterSeekCallback?.());
  }

  partitionsAssigned(partitions: readonly TopicPartition[]): void {
    const positioning = this.position(partitions).catch((error) => this.logger.error(`Positioning the partitions of ${this.owner.consumer.clientId} failed`, error));
    this.pending = positioning;
    void positioning.finally(() => {
      if (this.pending === positioning) this.pending = undefined;
    });
  }

  partitionsRevoked(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) this.positions.delete(topicPartitionKey(partition));
    this.quietly('onPartitionsRevoked', () => this.seekAware?.onPartitionsRevoked?.(partitions));
  }

  /** Called when an idle event is published. */
  idle(): void {
    const onIdle = this.seekAware?.onIdleContainer;
    if (!onIdle) return;
    void this.currentPositions(this.owner.assignments())
      .then((positions) => onIdle.call(this.seekAware, positions, this))
      .catch((error) => this.logger.error(`onIdleContainer failed for ${this.owner.consumer.clientId}`, error));
  }

  /** Before a batch is dispatched: waits for the positioning of a new assignment; true means skip the batch (it was sought away from). */
  async holdBatch(payload: EachBatchPayload): Promise<boolean> {
    if (this.pending) await this.pending;
    if (payload.isStale()) return true;
    const { topic, partition } = payload.batch;
    this.positions.set(topicPartitionKey({ topic, partition }), Number(payload.batch.lastOffset()) + 1);
    return false;
  }

  // ---- ConsumerSeekCallback ----

  getGroupId(): string {
    return this.owner.groupId;
  }

  seek(topic: string, partition: number, offset: number | ((current: number) => number)): Promise<void> {
    const tp = { topic, partition };
    if (typeof offset === 'number') return this.track(Promise.resolve(offset), tp);
    return this.track(this.currentPosition(tp).then(offset), tp);
  }

  seekToBeginning(topicOrPartitions: string | readonly TopicPartition[], partition?: number): Promise<void> {
    return this.each(topicOrPartitions, partition, (tp) => this.ends(tp).then((ends) => ends.low));
  }

  seekToEnd(topicOrPartitions: string | readonly TopicPartition[], partition?: number): Promise<void> {
    return this.each(topicOrPartitions, partition, (tp) => this.ends(tp).then((ends) => ends.high));
  }

  seekRelative(topic: string, partition: number, offset: number, toCurrent: boolean): Promise<void> {
    const tp = { topic, partition };
    return this.track(this.relative(tp, offset, toCurrent), tp);
  }

  seekToTimestamp(topicOrPartitions: string | readonly TopicPartition[], partitionOrTimestamp: number, timestamp?: number): Promise<void> {
    const ts = typeof topicOrPartitions === 'string' ? timestamp! : partitionOrTimestamp;
    const partition = typeof topicOrPartitions === 'string' ? partitionOrTimestamp : undefined;
    return this.each(topicOrPartitions, partition, (tp) => this.offsetForTimestamp(tp, ts));
  }

  // ---- positioning ----

  private async position(partitions: readonly TopicPartition[]): Promise<void> {
    const assigned = new Set(partitions.map(topicPartitionKey));
    if (!this.initialOffsetsApplied) {
      this.initialOffsetsApplied = true;
      for (const tpo of this.initialOffsets) if (assigned.has(topicPartitionKey(tpo))) await this.track(this.initialOffset(tpo), tpo);
    }
    if (this.seekAware?.onPartitionsAssigned) {
      const positions = await this.currentPositions(partitions);
      try {
        await this.seekAware.onPartitionsAssigned(positions, this);
      } catch (error) {
        this.logger.error(`onPartitionsAssigned failed for ${this.owner.consumer.clientId}`, error);
      }
    }
    await Promise.all([...this.seeking]);
  }

  private async initialOffset(tpo: TopicPartitionOffset): Promise<number> {
    if (tpo.position === 'BEGINNING') return (await this.ends(tpo)).low;
    if (tpo.position === 'END') return (await this.ends(tpo)).high;
    if (tpo.position === 'TIMESTAMP') return this.offsetForTimestamp(tpo, tpo.offset ?? 0);
    return this.relative(tpo, tpo.offset!, tpo.relativeToCurrent ?? false);
  }

  /** Spring's relative seek: from the current position, or from the end (negative) / beginning (positive); clamped to the log. */
  private async relative(tp: TopicPartition, offset: number, toCurrent: boolean): Promise<number> {
    const ends = await this.ends(tp);
    const target = toCurrent ? (await this.currentPosition(tp)) + offset : offset < 0 ? ends.high + offset : offset;
    return Math.min(Math.max(target, ends.low), ends.high);
  }

  private async currentPositions(partitions: readonly TopicPartition[]): Promise<Map<TopicPartition, number>> {
    const result = new Map<TopicPartition, number>();
    for (const tp of partitions) result.set({ topic: tp.topic, partition: tp.partition }, await this.currentPosition(tp));
    return result;
  }

  /** The next offset the consumer reads: from the last batch seen, else the committed offset, else the reset position. */
  private async currentPosition(tp: TopicPartition): Promise<number> {
    const known = this.positions.get(topicPartitionKey(tp));
    if (known !== undefined) return known;
    const committed = await this.owner.consumer.committed(tp);
    if (committed !== undefined) return committed;
    const ends = await this.ends(tp);
    return this.owner.autoOffsetReset === 'latest' ? ends.high : ends.low;
  }

  private async ends(tp: TopicPartition): Promise<{ low: number; high: number }> {
    const offsets = await (await this.owner.admin()).fetchTopicOffsets(tp.topic);
    const entry = offsets.find((o) => o.partition === tp.partition);
    if (!entry) throw new Error(`${topicPartitionKey(tp)} does not exist`);
    return { low: Number(entry.low), high: Number(entry.high) };
  }

  private async offsetForTimestamp(tp: TopicPartition, timestamp: number): Promise<number> {
    const offsets = await (await this.owner.admin()).fetchTopicOffsetsByTimestamp(tp.topic, timestamp);
    const offset = Number(offsets.find((o) => o.partition === tp.partition)?.offset ?? -1);
    return offset >= 0 ? offset : (await this.ends(tp)).high;
  }

  private each(topicOrPartitions: string | readonly TopicPartition[], partition: number | undefined, target: (tp: TopicPartition) => Promise<number>): Promise<void> {
    const partitions = typeof topicOrPartitions === 'string' ? [{ topic: topicOrPartitions, partition: partition! }] : topicOrPartitions;
    return Promise.all(partitions.map((tp) => this.track(target(tp), tp))).then(() => undefined);
  }

  /** Seeks once the target offset is known; the seek is tracked so that an assignment can wait for it. */
  private track(offset: Promise<number>, tp: TopicPartition): Promise<void> {
    // Never rejects (a failed look-up is logged), as Spring's seeks don't throw to the caller.
    const seek = offset.then(
      (target) => {
        this.positions.set(topicPartitionKey(tp), target);
        this.owner.consumer.seek({ topic: tp.topic, partition: tp.partition }, target);
      },
      (error: unknown) => this.logger.error(`Seek of ${topicPartitionKey(tp)} for ${this.owner.consumer.clientId} failed`, error),
    );
    this.seeking.add(seek);
    void seek.finally(() => this.seeking.delete(seek));
    return seek;
  }

  private quietly(what: string, call: () => unknown): void {
    try {
      call();
    } catch (error) {
      this.logger.error(`${what} failed for ${this.owner.consumer.clientId}`, error);
    }
  }
}
