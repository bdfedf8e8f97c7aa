import type { KafkaConnection } from '../../client/kafka-connection.js';
import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { readBatchSize, RECORD_BATCH_HEADER_SIZE } from '../../protocol/records/index.js';
import type { Partition } from '../cluster/partition.js';
import { partitionKey } from '../delayed-fetch.js';
import type { BrokerContext } from '../broker-context.js';
import type { InterBrokerChannel } from './inter-broker-channel.js';

/** Fetch v12: topics by name, the replica id in the request body (v15 moved it to ReplicaState). */
const MAX_FETCH_VERSION = 12;
/** OffsetForLeaderEpoch v3+ carries the replica id. */
const MAX_EPOCH_VERSION = 4;

interface FetchState {
  readonly partition: Partition;
  /** False until the log was truncated to the leader's (KIP-101/279) for the current epoch. */
  truncated: boolean;
  /** The leader epoch the state was created for; a new epoch means a new FetchState. */
  readonly leaderEpoch: number;
}

/**
 * Replicates the partitions one broker follows from one leader (Kafka's ReplicaFetcherThread),
 * over the Kafka protocol like any client: a TCP connection with the ApiVersions handshake,
 * then for each partition first OffsetForLeaderEpoch with its latest epoch to find where its
 * log diverges from the leader's, truncating there, then Fetch with `replicaId` = this broker,
 * appending what comes back as it is (offsets and epochs kept) and taking the leader's high
 * watermark. The fetch offset tells the leader this replica's log end offset.
 *
 * It runs as one async loop on the event loop; the leader's long poll (replica.fetch.wait.max.ms)
 * paces it, and errors back off by replica.fetch.backoff.ms.
 */
/** What one fetcher uses: the broker's context, its channel to the leader, and whom to tell about an append. */
export interface ReplicaFetcherDeps {
  readonly context: BrokerContext;
  readonly channel: InterBrokerChannel;
  readonly partitionStateChanged: (partition: Partition) => void;
}

export class ReplicaFetcher {
  private readonly partitions = new Map<string, FetchState>();
  private connection: KafkaConnection | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly deps: ReplicaFetcherDeps,
    readonly leaderId: number,
  ) {
    void this.run();
  }

  private get nodeId(): number {
    return this.deps.context.nodeId;
  }

  /** Fault injection: an isolated broker neither reaches nor is reached by the others. */
  private checkReachable(): void {
    if (!this.deps.channel.canReach(this.leaderId)) throw new Error(`broker ${this.nodeId} cannot reach ${this.leaderId} (isolated)`);
  }

  get isIdle(): boolean {
    return this.partitions.size === 0;
  }

  addPartition(partition: Partition): void {
    this.partitions.set(partitionKey(partition.topic, partition.index), { partition, truncated: false, leaderEpoch: partition.leaderEpoch });
    this.wake();
  }

  removePartition(partition: Partition): void {
    const key = partitionKey(partition.topic, partition.index);
    if (this.partitions.get(key)?.partition === partition) this.partitions.delete(key);
  }

  stop(): void {
    this.stopped = true;
    this.connection?.close();
    this.connection = null;
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  /** Waits `ms`, or until woken (a partition added, stop()). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const backoffMs = this.deps.context.config.int('replica.fetch.backoff.ms');
    while (!this.stopped) {
      if (this.partitions.size === 0) {
        await this.pause(60_000);
        continue;
      }
      try {
        const connection = await this.connect();
        await this.truncate(connection);
        const progressed = await this.fetch(connection);
        if (!progressed) await this.pause(Math.min(backoffMs, 100));
      } catch (error) {
        if (this.stopped) break;
        this.deps.context.logger.debug(`replica fetcher ${this.nodeId}->${this.leaderId}: ${error instanceof Error ? error.message : String(error)}`);
        this.connection?.close();
        this.connection = null;
        await this.pause(backoffMs);
      }
    }
  }

  private async connect(): Promise<KafkaConnection> {
    this.checkReachable();
    if (this.connection && !this.connection.closed) return this.connection;
    this.connection = await this.deps.channel.connect(this.leaderId, { clientId: `streamwright-replica-fetcher-${this.nodeId}`, connectTimeoutMs: 5_000 });
    return this.connection;
  }

  /**
   * KIP-279: for each partition not truncated yet, ask the leader where our latest epoch ends
   * in its log. If the leader knows the epoch, we keep up to min(its end offset, our log end);
   * if it only knows an earlier one, we keep up to where both logs end that earlier epoch.
   */
  private async truncate(connection: KafkaConnection): Promise<void> {
    const pending = [...this.partitions.values()].filter((s) => !s.truncated);
    if (pending.length === 0) return;
    const asked: FetchState[] = [];
    for (const state of pending) {
      const log = state.partition.log;
      if (log.leaderEpochCache.latestEpoch === null) {
        // Nothing with an epoch here: an empty log has nothing to diverge; older data is cut at the high watermark.
        if (log.logEndOffset > log.highWatermark) log.truncateTo(log.highWatermark);
        state.truncated = true;
      } else {
        asked.push(state);
      }
    }
    if (asked.length === 0) return;
    const byTopic = new Map<string, FetchState[]>();
    for (const state of asked) byTopic.set(state.partition.topic, [...(byTopic.get(state.partition.topic) ?? []), state]);
    const version = connection.versionFor(ApiKeys.OffsetForLeaderEpoch, { max: MAX_EPOCH_VERSION });
    const response = await connection.request(ApiKeys.OffsetForLeaderEpoch, version, {
      replicaId: this.nodeId,
      topics: [...byTopic].map(([topic, states]) => ({
        topic,
        partitions: states.map((s) => ({ partition: s.partition.index, currentLeaderEpoch: s.leaderEpoch, leaderEpoch: s.partition.log.leaderEpochCache.latestEpoch! })),
      })),
    });
    for (const topic of response.topics) {
      for (const result of topic.partitions) {
        const state = this.partitions.get(partitionKey(topic.topic, result.partition));
        if (!state || !asked.includes(state)) continue;
        if (result.errorCode !== ErrorCode.NONE) {
          this.deps.context.logger.debug(`${topic.topic}-${result.partition}: OffsetForLeaderEpoch from ${this.leaderId}: ${errorName(result.errorCode)}`);
          continue;
        }
        const log = state.partition.log;
        let target: number;
        if (result.endOffset < 0n) {
          target = log.highWatermark;
        } else {
          const leaderEnd = Number(result.endOffset);
          const requested = log.leaderEpochCache.latestEpoch!;
          target = result.leaderEpoch === requested ? leaderEnd : Math.min(leaderEnd, log.endOffsetForLeaderEpoch(result.leaderEpoch).endOffset);
          if (target < 0) target = 0;
        }
        if (target < log.logEndOffset) {
          this.deps.context.logger.info(`${topic.topic}-${result.partition}: follower ${this.nodeId} truncates from ${log.logEndOffset} to ${target} (leader ${this.leaderId}, epoch ${state.leaderEpoch})`);
          if (target < log.logStartOffset) log.truncateFullyAndStartAt(target);
          else log.truncateTo(target);
        }
        state.truncated = true;
      }
    }
  }

  /** One Fetch for every truncated partition; returns false when nothing came back but errors. */
  private async fetch(connection: KafkaConnection): Promise<boolean> {
    const ready = [...this.partitions.values()].filter((s) => s.truncated);
    if (ready.length === 0) return false;
    const config = this.deps.context.config;
    const maxWaitMs = config.int('replica.fetch.wait.max.ms');
    const byTopic = new Map<string, FetchState[]>();
    for (const state of ready) byTopic.set(state.partition.topic, [...(byTopic.get(state.partition.topic) ?? []), state]);
    const version = connection.versionFor(ApiKeys.Fetch, { max: MAX_FETCH_VERSION });
    const response = await connection.request(
      ApiKeys.Fetch,
      version,
      {
        replicaId: this.nodeId,
        maxWaitMs,
        minBytes: config.int('replica.fetch.min.bytes'),
        maxBytes: config.int('replica.fetch.response.max.bytes'),
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, states]) => ({
          topic,
          partitions: states.map((s) => ({
            partition: s.partition.index,
            currentLeaderEpoch: s.leaderEpoch,
            fetchOffset: BigInt(s.partition.log.logEndOffset),
            lastFetchedEpoch: s.partition.log.leaderEpochCache.latestEpoch ?? -1,
            logStartOffset: BigInt(s.partition.log.logStartOffset),
            partitionMaxBytes: config.int('replica.fetch.max.bytes'),
          })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: maxWaitMs + 30_000 },
    );
    if (this.stopped) return false;
    this.checkReachable();
    let progressed = false;
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`fetch from ${this.leaderId}: ${errorName(response.errorCode)}`);
    for (const topic of response.responses) {
      for (const data of topic.partitions) {
        const state = this.partitions.get(partitionKey(topic.topic, data.partitionIndex));
        // Removed, or a new epoch began while the fetch was out: what came back is stale.
        if (!state || !ready.includes(state) || state.partition.leaderEpoch !== state.leaderEpoch) continue;
        const partition = state.partition;
        if (data.errorCode === ErrorCode.NONE) {
          progressed = true;
          const records = wholeBatches(data.records);
          try {
            partition.appendRecordsAsFollower(records, Number(data.highWatermark), Number(data.logStartOffset));
          } catch (error) {
            // Offsets that do not follow our log end: truncate again before the next fetch.
            this.deps.context.logger.warn(`${partition.topic}-${partition.index}: follower append failed: ${error instanceof Error ? error.message : String(error)}`);
            state.truncated = false;
          }
          this.deps.partitionStateChanged(partition);
        } else if (data.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const leaderStart = Number(data.logStartOffset);
          if (leaderStart >= 0 && partition.log.logEndOffset < leaderStart) partition.log.truncateFullyAndStartAt(leaderStart);
          else state.truncated = false;
        } else {
          this.deps.context.logger.debug(`${partition.topic}-${partition.index}: fetch from ${this.leaderId}: ${errorName(data.errorCode)}`);
        }
      }
    }
    return progressed;
  }
}

/** Only complete batches: a size-limited read may end inside one. */
function wholeBatches(records: Buffer | null): Buffer {
  if (!records) return Buffer.alloc(0);
  let at = 0;
  while (at + RECORD_BATCH_HEADER_SIZE <= records.length) {
    const size = readBatchSize(records, at);
    if (size < RECORD_BATCH_HEADER_SIZE || at + size > records.length) break;
    at += size;
  }
  return at === records.length ? records : records.subarray(0, at);
}
