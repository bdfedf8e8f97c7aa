// A "simple consumer" (no group): it finds where to start with ListOffsets, then long-polls
// each partition's leader with Fetch and decodes the record batches itself. Positions live
// only in memory. A group-based consumer comes with consumer-group support in the broker.
import { ErrorCode, KafkaProtocolError, isRetriable } from '../protocol/error-codes.js';
import { ApiKeys } from '../protocol/generated/messages.js';
import { decodeRecordBatches, recordTimestamp, type RecordHeader } from '../protocol/records/index.js';
import { ZERO_UUID } from '../protocol/schema/uuid.js';
import { sleep, type ClusterClient, type TopicInfo } from './cluster-client.js';
import { ConnectionError, RequestTimeoutError } from './errors.js';

export type StartPosition = 'earliest' | 'latest' | bigint;

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface SimpleConsumerOptions {
  topic: string;
  /** Default: every partition of the topic. */
  partitions?: readonly number[];
  start: StartPosition;
  /** Where to go when the position falls outside the log (Kafka's auto.offset.reset). */
  resetTo: 'earliest' | 'latest';
  /** Byte limits of a Fetch (Kafka's fetch.max.bytes / max.partition.fetch.bytes). */
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** Told about retries (topic not there yet, leader moved, connection lost). */
  onWarning?: (message: string) => void;
}

const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;

/** Fetch errors after which the partition's leader is looked up again. */
const REROUTE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.OFFSET_NOT_AVAILABLE,
]);

export class SimpleConsumer {
  private info: TopicInfo | null = null;
  private readonly positions = new Map<number, bigint>();
  private readonly partitionMaxBytes = new Map<number, number>();
  private needsMetadata = false;
  /** Warnings given since the last successful fetch (a retry loop repeats them). */
  private readonly warned = new Set<string>();
  /** Failed rounds in a row, for the retry backoff. */
  private failures = 0;

  constructor(
    private readonly cluster: ClusterClient,
    private readonly options: SimpleConsumerOptions,
  ) {}

  /** Waits for the topic (up to timeoutMs) and resolves every partition's start offset. */
  async start(options: { timeoutMs?: number; stopped?: () => boolean } = {}): Promise<void> {
    let warned = false;
    const topics = await this.cluster.readyTopics([this.options.topic], {
      allowAutoTopicCreation: true,
      timeoutMs: options.timeoutMs ?? Number.MAX_SAFE_INTEGER,
      stopped: options.stopped,
      onRetry: (error) => {
        if (!warned) this.warn(`${error.message}; waiting for it`);
        warned = true;
      },
    });
    this.info = topics.get(this.options.topic)!;
    const all = this.info.partitions.map((p) => p.partition);
    const wanted = this.options.partitions ?? all;
    for (const p of wanted) {
      if (!all.includes(p)) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${this.options.topic} has no partition ${p}`);
    }
    const start = this.options.start;
    if (typeof start === 'bigint') for (const p of wanted) this.positions.set(p, start);
    else await this.resolveOffsets(wanted, start);
  }

  /** The next offset to read, per partition. */
  get currentPositions(): ReadonlyMap<number, bigint> {
    return this.positions;
  }

  /**
   * One round of fetches (one request per leader, in parallel) waiting at most maxWaitMs for
   * data. Resolves with the records in offset order per partition (maybe none).
   */
  async poll(maxWaitMs: number): Promise<ConsumedRecord[]> {
    if (this.needsMetadata) await this.refreshMetadata();
    const byLeader = new Map<number, number[]>();
    for (const partition of this.positions.keys()) {
      const leader = this.leaderOf(partition);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    const results = await Promise.all([...byLeader].map(([leader, partitions]) => this.fetchFrom(leader, partitions, maxWaitMs)));
    if (this.needsMetadata) {
      await sleep(Math.min(50 * 2 ** Math.min(this.failures++, 5), 1000, maxWaitMs));
    } else {
      this.failures = 0;
      this.warned.clear();
    }
    return results.flat();
  }

  /** Passes a warning on, once until fetching works again. */
  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }

  private leaderOf(partition: number): number {
    return this.info!.partitions.find((p) => p.partition === partition)?.leaderId ?? -1;
  }

  private async refreshMetadata(): Promise<void> {
    try {
      this.info = (await this.cluster.readyTopics([this.options.topic], { timeoutMs: 0 })).get(this.options.topic)!;
      this.needsMetadata = false;
    } catch (error) {
      this.warn(`metadata for ${this.options.topic}: ${(error as Error).message}`);
    }
  }

  private async fetchFrom(leader: number, partitions: number[], maxWaitMs: number): Promise<ConsumedRecord[]> {
    if (leader < 0) {
      this.needsMetadata = true;
      return [];
    }
    try {
      const connection = await this.cluster.connectionToNode(leader);
      const info = this.info!;
      // Fetch v13+ names topics by id; without an id (old Metadata) stay below it.
      const version = connection.versionFor(ApiKeys.Fetch, { min: 4, max: info.topicId === ZERO_UUID ? 12 : undefined });
      const response = await connection.request(
        ApiKeys.Fetch,
        version,
        {
          clusterId: null,
          replicaId: -1,
          replicaState: { replicaId: -1, replicaEpoch: -1 },
          maxWaitMs,
          minBytes: 1,
          maxBytes: this.options.maxBytes ?? 50 * 1024 * 1024,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic: info.name,
              topicId: info.topicId,
              partitions: partitions.map((partition) => ({
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: this.positions.get(partition)!,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
                partitionMaxBytes: this.partitionMaxBytes.get(partition) ?? this.options.partitionMaxBytes ?? 1024 * 1024,
              })),
            },
          ],
          forgottenTopicsData: [],
          rackId: '',
        },
        { timeoutMs: 30_000 + maxWaitMs },
      );
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `Fetch from ${connection.broker}`);
      const out: ConsumedRecord[] = [];
      for (const topic of response.responses) {
        if (version >= 13 ? topic.topicId !== info.topicId : topic.topic !== info.name) continue;
        for (const data of topic.partitions) {
          if (!this.positions.has(data.partitionIndex)) continue;
          out.push(...(await this.handlePartition(data.partitionIndex, data.errorCode, data.records)));
        }
      }
      return out;
    } catch (error) {
      if (error instanceof ConnectionError || error instanceof RequestTimeoutError || (error instanceof KafkaProtocolError && error.retriable)) {
        this.warn(`fetch from broker ${leader}: ${(error as Error).message}; retrying`);
        this.needsMetadata = true;
        return [];
      }
      throw error;
    }
  }

  private async handlePartition(partition: number, errorCode: number, records: Buffer | null): Promise<ConsumedRecord[]> {
    if (errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      this.warn(`offset ${this.positions.get(partition)} is out of range for partition ${partition}; resetting to ${this.options.resetTo}`);
      await this.resolveOffsets([partition], this.options.resetTo);
      return [];
    }
    if (REROUTE.has(errorCode)) {
      this.needsMetadata = true;
      return [];
    }
    if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, `fetching ${this.options.topic}-${partition}`);
    if (!records || records.length === 0) return [];
    const fetchOffset = this.positions.get(partition)!;
    let next = fetchOffset;
    const out: ConsumedRecord[] = [];
    const batches = await decodeRecordBatches(records);
    for (const batch of batches) {
      const batchEnd = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if (batchEnd > next) next = batchEnd;
      // Transaction markers are not records a consumer sees.
      if (batch.isControl) continue;
      for (const record of batch.records) {
        const offset = batch.baseOffset + BigInt(record.offsetDelta);
        // A fetch may start in the middle of a batch: skip what lies before the position.
        if (offset < fetchOffset) continue;
        out.push({
          topic: this.options.topic,
          partition,
          offset,
          timestamp: recordTimestamp(batch, record),
          timestampType: batch.timestampType,
          key: record.key,
          value: record.value,
          headers: record.headers,
        });
      }
    }
    if (batches.length === 0) {
      // Only a partial batch fit (a broker without KIP-74): ask for more bytes next time.
      const limit = this.partitionMaxBytes.get(partition) ?? this.options.partitionMaxBytes ?? 1024 * 1024;
      this.partitionMaxBytes.set(partition, Math.min(limit * 2, this.options.maxBytes ?? 50 * 1024 * 1024));
    }
    this.positions.set(partition, next);
    return out;
  }

  /** ListOffsets (earliest or latest) for partitions, sent to each partition's leader. */
  private async resolveOffsets(partitions: readonly number[], where: 'earliest' | 'latest'): Promise<void> {
    const timestamp = where === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (let attempt = 0; ; attempt++) {
      const byLeader = new Map<number, number[]>();
      for (const p of partitions) byLeader.set(this.leaderOf(p), [...(byLeader.get(this.leaderOf(p)) ?? []), p]);
      try {
        for (const [leader, list] of byLeader) {
          if (leader < 0) throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `topic ${this.options.topic}`);
          const connection = await this.cluster.connectionToNode(leader);
          const version = connection.versionFor(ApiKeys.ListOffsets);
          const response = await connection.request(ApiKeys.ListOffsets, version, {
            replicaId: -1,
            isolationLevel: 0,
            topics: [{ name: this.options.topic, partitions: list.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
            timeoutMs: 30_000,
          });
          for (const p of response.topics.find((t) => t.name === this.options.topic)?.partitions ?? []) {
            if (p.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(p.errorCode, `ListOffsets for ${this.options.topic}-${p.partitionIndex}`);
            this.positions.set(p.partitionIndex, version === 0 ? (p.oldStyleOffsets[0] ?? 0n) : p.offset);
          }
        }
        for (const p of partitions) if (!this.positions.has(p)) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no offset for ${this.options.topic}-${p}`);
        return;
      } catch (error) {
        const transient = error instanceof ConnectionError || error instanceof RequestTimeoutError || (error instanceof KafkaProtocolError && isRetriable(error.code));
        if (!transient || attempt >= 20) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 1000));
        await this.refreshMetadata();
      }
    }
  }
}
