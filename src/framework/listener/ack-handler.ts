import type { ConsumerRecord } from '../support/consumer-record.js';
import type { Logger } from '../support/logger.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';
import { AckMode, isManualAck } from './ack-mode.js';
import type { ContainerProperties } from './container-properties.js';
import { OffsetTracker, type OffsetToCommit, type PartitionOffsets } from './offset-tracker.js';

/** Sends offsets to the group coordinator; rejects when the commit failed. */
export type Committer = (offsets: readonly OffsetToCommit[]) => Promise<void>;

/**
 * Applies the container's AckMode: it is told what happens to records (delivered, processed,
 * acknowledged, skipped) and decides when to commit, through one serialized commit queue so
 * commits never overtake each other. The kafkajs wiring stays in the container.
 */
export class AckHandler {
  readonly tracker = new OffsetTracker();
  private readonly mode: AckMode;
  private readonly manual: boolean;
  private processedSinceCommit = 0;
  private lastCommit: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly properties: ContainerProperties,
    private readonly committer: Committer,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.mode = properties.ackMode;
    this.manual = isManualAck(this.mode);
    this.lastCommit = now();
  }

  get isManual(): boolean {
    return this.manual;
  }

  delivered(record: ConsumerRecord): void {
    this.tracker.delivered(record, record.offset);
  }

  /**
   * The listener returned for a record (or a filter/interceptor skipped it). In manual modes a
   * processed record waits for its acknowledgment, a skipped one does not.
   */
  async recordProcessed(record: ConsumerRecord, skipped = false): Promise<void> {
    if (this.markProcessed(record, skipped)) await this.commit();
  }

  /**
   * The synchronous half of {@link recordProcessed}: records the record as processed and says
   * whether a commit is due now (the dispatcher then calls `commit()`), so that the usual
   * record costs no promise.
   */
  markProcessed(record: ConsumerRecord, skipped = false): boolean {
    return this.markProcessedIn(this.tracker.partition(record), record.offset, skipped);
  }

  /** {@link markProcessed} for a partition's bookkeeping kept by the caller (the record loop keeps it for a batch). */
  markProcessedIn(partition: PartitionOffsets, offset: number, skipped: boolean): boolean {
    if (this.manual && !skipped) return false;
    partition.markDone(offset);
    this.processedSinceCommit++;
    return this.mode === AckMode.RECORD || this.countOrTimeReached();
  }

  /** A partition's bookkeeping, for {@link markProcessedIn}; valid across rebalances. */
  partitionOffsets(partition: TopicPartition): PartitionOffsets {
    return this.tracker.partition(partition);
  }

  /** Whether {@link immediateAcksCommitted} has anything to wait for in this mode. */
  get waitsForImmediateAcks(): boolean {
    return this.mode === AckMode.MANUAL_IMMEDIATE && this.properties.syncCommits;
  }

  /** A batch listener returned: all its records are processed (non-manual modes). */
  async batchRecordsProcessed(records: readonly ConsumerRecord[]): Promise<void> {
    if (this.isManual) return;
    for (const record of records) this.tracker.markDone(record, record.offset);
    this.processedSinceCommit += records.length;
  }

  /** `Acknowledgment.acknowledge()` for these records; MANUAL_IMMEDIATE commits at once. */
  acknowledge(records: readonly ConsumerRecord[]): Promise<void> {
    let changed = false;
    for (const record of records) changed = this.tracker.markDone(record, record.offset) || changed;
    if (changed && this.mode === AckMode.MANUAL_IMMEDIATE) return this.commit();
    return Promise.resolve();
  }

  /** The end of a kafkajs batch: BATCH and MANUAL commit here, TIME/COUNT if due. */
  async batchEnd(): Promise<void> {
    if (this.mode === AckMode.BATCH || this.mode === AckMode.MANUAL || this.mode === AckMode.MANUAL_IMMEDIATE || this.countOrTimeReached()) {
      await this.commit();
    }
  }

  /** Each fetch is the "poll" of Spring's loop: late manual acks and due TIME commits go out here. */
  async onPoll(): Promise<void> {
    if (this.isManual || this.countOrTimeReached()) await this.commit();
  }

  /** Commits whatever is committable now (before error handling, on rebalance, on stop). */
  commit(): Promise<void> {
    const next = this.queue.then(() => this.commitNow());
    this.queue = next.catch(() => undefined);
    if (this.properties.syncCommits) return next;
    next.catch(() => undefined);
    return Promise.resolve();
  }

  /** Waits for the commits already queued. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /**
   * MANUAL_IMMEDIATE with sync commits: an acknowledge() during the listener call is committed
   * before the next record is delivered, as Spring commits it on the consumer thread.
   */
  async immediateAcksCommitted(): Promise<void> {
    if (this.mode === AckMode.MANUAL_IMMEDIATE && this.properties.syncCommits) await this.queue;
  }

  /** A rebalance or restart: positions come back from the broker, so the bookkeeping starts over. */
  reset(): void {
    this.tracker.reset();
    this.processedSinceCommit = 0;
    this.lastCommit = this.now();
  }

  private countOrTimeReached(): boolean {
    // Only the modes that need them read the count and the clock (this runs for every record).
    switch (this.mode) {
      case AckMode.COUNT:
        return this.processedSinceCommit >= this.properties.ackCount;
      case AckMode.TIME:
        return this.now() - this.lastCommit >= this.properties.ackTime && this.tracker.hasPendingCommits();
      case AckMode.COUNT_TIME:
        return this.processedSinceCommit >= this.properties.ackCount || (this.now() - this.lastCommit >= this.properties.ackTime && this.tracker.hasPendingCommits());
      default:
        return false;
    }
  }

  private async commitNow(): Promise<void> {
    const offsets = this.tracker.pendingCommits();
    if (offsets.length === 0) return;
    let attempt = 0;
    for (;;) {
      try {
        await this.committer(offsets);
        this.tracker.committed(offsets);
        this.processedSinceCommit = 0;
        this.lastCommit = this.now();
        this.logger.debug(`Committed ${offsets.map((o) => `${topicPartitionKey(o.partition)}@${o.offset}`).join(', ')}`);
        this.properties.commitCallback?.(toMap(offsets));
        return;
      } catch (error) {
        if (isRebalanceError(error) || attempt++ >= this.properties.commitRetries) {
          this.properties.commitCallback?.(toMap(offsets), error);
          throw error;
        }
      }
    }
  }
}

/** kafkajs errors meaning "the group moved on": retrying the same commit can't succeed. */
export function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID' || type === 'NOT_COORDINATOR_FOR_GROUP';
}

function toMap(offsets: readonly OffsetToCommit[]) {
  return new Map(offsets.map((o) => [topicPartitionKey(o.partition), o]));
}
