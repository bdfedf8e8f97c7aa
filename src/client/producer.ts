// A small producer: records are queued per partition, batched (by size, or after a linger
// time), and sent to each partition's leader with one Produce request per broker in flight,
// which keeps the order of records within a partition even across retries.
import { isRetriable, KafkaProtocolError } from '../protocol/error-codes.js';
import { ApiKeys } from '../protocol/generated/messages.js';
import { encodeRecordBatch } from '../protocol/records/index.js';
import type { ClusterClient, TopicInfo } from './cluster-client.js';
import { sleep } from './cluster-client.js';
import { ConnectionError, RequestTimeoutError } from './errors.js';
import { partitionForKey, StickyPartitioner } from './partitioner.js';

export interface ProducerRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: ReadonlyArray<{ key: string; value: Buffer | null }>;
  /** Default: the time of send(). */
  timestamp?: number;
  /** Default: Kafka's default partitioner. */
  partition?: number;
}

export interface ProducerOptions {
  /** -1 (all in-sync replicas, default), 1 (leader) or 0 (no response). */
  acks?: number;
  /** The broker's wait for acks (Produce timeoutMs), default 30 s. */
  timeoutMs?: number;
  /** How long a record may wait for more to fill its batch, default 5 ms. */
  lingerMs?: number;
  /** Bytes per partition batch, default 16 KiB. */
  batchBytes?: number;
  /** send() waits while this many bytes are queued, default 32 MiB. */
  bufferBytes?: number;
  /** Attempts after the first for retriable errors, default 5. */
  retries?: number;
  retryBackoffMs?: number;
  /** Codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression?: number;
  /** How long send() waits for a topic's metadata, default 60 s (Kafka's max.block.ms). */
  maxBlockMs?: number;
  /** Hears about records that could not be written (non-retriable error or retries used up). */
  onError?: (error: Error, topic: string, partition: number, records: readonly ProducerRecord[]) => void;
}

interface Queued {
  record: ProducerRecord;
  size: number;
  attempts: number;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  records: Queued[];
  bytes: number;
}

/** A partition's share of one Produce request. */
interface Drained {
  queue: PartitionQueue;
  batch: Queued[];
}

const RECORD_OVERHEAD = 24;

function sizeOf(record: ProducerRecord): number {
  let size = RECORD_OVERHEAD + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const h of record.headers ?? []) size += h.key.length + (h.value?.length ?? 0) + 4;
  return size;
}

export class Producer {
  private readonly acks: number;
  private readonly timeoutMs: number;
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly bufferBytes: number;
  private readonly retries: number;
  private readonly retryBackoffMs: number;
  private readonly topics = new Map<string, Promise<TopicInfo>>();
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly sticky = new StickyPartitioner();
  private queuedBytes = 0;
  private queuedRecords = 0;
  private draining: Promise<void> | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;
  private spaceWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private failedRecords = 0;

  constructor(
    private readonly cluster: ClusterClient,
    private readonly options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.lingerMs = options.lingerMs ?? 5;
    this.batchBytes = options.batchBytes ?? 16_384;
    this.bufferBytes = options.bufferBytes ?? 32 * 1024 * 1024;
    this.retries = options.retries ?? 5;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
  }

  /** Number of records that failed for good so far. */
  get failedCount(): number {
    return this.failedRecords;
  }

  /** Queues a record; waits for the topic's metadata on first use and while the buffer is full. */
  async send(topic: string, record: ProducerRecord): Promise<void> {
    const info = await this.topic(topic);
    const partitionCount = info.partitions.length;
    let partition = record.partition;
    if (partition === undefined) {
      partition = record.key !== null ? partitionForKey(record.key, partitionCount) : this.sticky.partition(topic, partitionCount);
    } else if (partition < 0 || partition >= partitionCount) {
      throw new KafkaProtocolError(3, `topic ${topic} has no partition ${partition} (it has ${partitionCount})`);
    }
    while (this.queuedBytes >= this.bufferBytes) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    const key = `${topic}\0${partition}`;
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { topic, partition, records: [], bytes: 0 }));
    const size = sizeOf(record);
    queue.records.push({ record: { ...record, timestamp: record.timestamp ?? Date.now() }, size, attempts: 0 });
    queue.bytes += size;
    this.queuedBytes += size;
    this.queuedRecords++;
    this.schedule(queue);
  }

  /** Sends everything queued and waits until it is acknowledged (or has failed for good). */
  async flush(): Promise<void> {
    if (this.queuedRecords === 0 && !this.draining) return;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.startDrain();
    await idle;
  }

  private topic(name: string): Promise<TopicInfo> {
    let info = this.topics.get(name);
    if (!info) {
      info = this.cluster
        .readyTopics([name], { allowAutoTopicCreation: true, timeoutMs: this.options.maxBlockMs ?? 60_000 })
        .then((topics) => topics.get(name)!);
      info.catch(() => this.topics.delete(name));
      this.topics.set(name, info);
    }
    return info;
  }

  private schedule(queue: PartitionQueue): void {
    if (this.draining) return; // the running drain loop picks the record up
    if (queue.bytes >= this.batchBytes || this.lingerMs <= 0) {
      this.startDrain();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.startDrain();
      }, this.lingerMs);
    }
  }

  private startDrain(): void {
    if (this.draining) return;
    this.draining = this.drainLoop()
      .catch((error: Error) => {
        // A bug rather than a broker error: fail everything queued instead of hanging.
        for (const queue of this.queues.values()) {
          const batch = queue.records.splice(0);
          queue.bytes = 0;
          this.fail({ queue, batch }, error);
        }
      })
      .finally(() => {
        this.draining = null;
        if (this.queuedRecords > 0 && [...this.queues.values()].some((q) => q.records.length > 0)) this.startDrain();
        else for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  private async drainLoop(): Promise<void> {
    while (this.queuedRecords > 0) {
      // Take one batch per partition, grouped by the partition leader.
      const byLeader = new Map<number, Drained[]>();
      for (const queue of this.queues.values()) {
        if (queue.records.length === 0) continue;
        let bytes = 0;
        let count = 0;
        while (count < queue.records.length && (count === 0 || bytes + queue.records[count]!.size <= this.batchBytes)) bytes += queue.records[count++]!.size;
        const batch = queue.records.splice(0, count);
        queue.bytes -= bytes;
        let leader: number;
        try {
          leader = (await this.topic(queue.topic)).partitions[queue.partition]?.leaderId ?? -1;
        } catch (error) {
          // No metadata within max.block.ms (or a non-retriable metadata error).
          this.fail({ queue, batch }, error as Error);
          continue;
        }
        const list = byLeader.get(leader) ?? [];
        list.push({ queue, batch });
        byLeader.set(leader, list);
      }
      if (byLeader.size === 0) break;
      const retry = await Promise.all([...byLeader].map(([leader, drained]) => this.produce(leader, drained)));
      if (retry.some((r) => r)) await sleep(this.retryBackoffMs);
    }
  }

  /** Sends one Produce request; resolves true when something must be retried. */
  private async produce(leader: number, drained: Drained[]): Promise<boolean> {
    let retryTopics = new Set<string>();
    try {
      if (leader < 0) throw new KafkaProtocolError(5, 'partition has no leader');
      const connection = await this.cluster.connectionToNode(leader);
      const version = connection.versionFor(ApiKeys.Produce, { min: 3 });
      const topicData = new Map<string, Array<{ index: number; records: Buffer }>>();
      for (const { queue, batch } of drained) {
        const records = await encodeRecordBatch({
          compression: this.options.compression ?? 0,
          records: batch.map(({ record }) => ({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp })),
        });
        const list = topicData.get(queue.topic) ?? [];
        list.push({ index: queue.partition, records });
        topicData.set(queue.topic, list);
        this.sticky.next(queue.topic, queue.partition, (await this.topic(queue.topic).catch(() => null))?.partitions.length ?? 1);
      }
      const body = {
        transactionalId: null,
        acks: this.acks,
        timeoutMs: this.timeoutMs,
        topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })),
      };
      if (this.acks === 0) {
        await connection.request(ApiKeys.Produce, version, body, { noResponse: true });
        for (const d of drained) this.done(d.batch);
        return false;
      }
      const response = await connection.request(ApiKeys.Produce, version, body, { timeoutMs: this.timeoutMs + 10_000 });
      for (const d of drained) {
        const result = response.responses.find((t) => t.name === d.queue.topic)?.partitionResponses.find((p) => p.index === d.queue.partition);
        const code = result ? result.errorCode : 3;
        if (code === 0) {
          this.done(d.batch);
          continue;
        }
        const error = new KafkaProtocolError(code, result?.errorMessage ?? `producing to ${d.queue.topic}-${d.queue.partition}`);
        if (this.requeue(d, error)) retryTopics.add(d.queue.topic);
      }
    } catch (error) {
      const transient = error instanceof ConnectionError || error instanceof RequestTimeoutError || (error instanceof KafkaProtocolError && error.retriable);
      retryTopics = new Set();
      for (const d of drained) {
        if (transient) {
          if (this.requeue(d, error as Error)) retryTopics.add(d.queue.topic);
        } else {
          this.fail(d, error as Error);
        }
      }
    }
    // Leaders may have moved: look the topics up again before the next attempt.
    for (const topic of retryTopics) this.topics.delete(topic);
    return retryTopics.size > 0;
  }

  /** Puts a failed batch back at the head of its queue if it may be retried; true if it was. */
  private requeue(d: Drained, error: Error): boolean {
    const retriable = !(error instanceof KafkaProtocolError) || isRetriable(error.code);
    const attempts = Math.max(...d.batch.map((q) => q.attempts)) + 1;
    if (!retriable || attempts > this.retries) {
      this.fail(d, error);
      return false;
    }
    for (const q of d.batch) q.attempts = attempts;
    d.queue.records.unshift(...d.batch);
    d.queue.bytes += d.batch.reduce((sum, q) => sum + q.size, 0);
    return true;
  }

  private fail(d: Drained, error: Error): void {
    if (d.batch.length === 0) return;
    this.failedRecords += d.batch.length;
    this.options.onError?.(error, d.queue.topic, d.queue.partition, d.batch.map((q) => q.record));
    this.done(d.batch);
  }

  private done(batch: Queued[]): void {
    for (const q of batch) this.queuedBytes -= q.size;
    this.queuedRecords -= batch.length;
    if (this.queuedBytes < this.bufferBytes) for (const resolve of this.spaceWaiters.splice(0)) resolve();
  }
}
