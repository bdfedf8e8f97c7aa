import type { Message, RecordMetadata as KafkaJsRecordMetadata, TopicMessages } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';

/** Where the broker put one record: its partition and offset, with the append time (-1 for create time). */
export interface RecordPlacement {
  readonly topic: string;
  readonly partition: number;
  /** -1 when nothing was acknowledged (acks=0). */
  readonly offset: number;
  readonly logAppendTime: number;
}

export interface RecordAccumulatorOptions {
  /**
   * Kafka's `linger.ms`: how long a batch waits for more records. 0 (the default) sends at the
   * end of the current event-loop turn, so sends started together still share one request.
   */
  readonly lingerMs?: number;
  /**
   * Kafka's `batch.size` in bytes (default 16384): with a linger, queued records this large go
   * out at once instead of waiting for it.
   */
  readonly batchSize?: number;
  /** Kafka's `max.request.size`: the most record bytes one request carries (default 1 MiB). */
  readonly maxRequestSize?: number;
  /** Batches in flight at once, as Kafka's `max.in.flight.requests.per.connection` (default 5). */
  readonly maxInFlight?: number;
  /** 1 sends every record on its own (a producer whose partitioner does not record its choice). */
  readonly maxRecords?: number;
  /** acks=0: the broker answers nothing, so records resolve with offset -1. */
  readonly acksNone?: boolean;
}

/** Sends one request's worth of records; the producer's `sendBatch`. */
export type BatchSender = (topicMessages: TopicMessages[]) => Promise<KafkaJsRecordMetadata[]>;

interface Pending {
  readonly topic: string;
  readonly message: Message;
  readonly size: number;
  resolve(placement: RecordPlacement): void;
  reject(error: unknown): void;
}

/** Per-record framing Kafka adds to key, value and headers (an estimate, for batch.size only). */
const RECORD_OVERHEAD = 24;

/**
 * Groups concurrent sends into few produce requests, as the Java producer's accumulator: a
 * batch goes out when it reaches `batchSize` bytes, after `lingerMs`, or on `flush()`. Each
 * record gets its own placement back: the partitioner pins the partition it chose on the
 * message (see `recordingPartitioner`), and the broker's base offset for that partition plus
 * the record's index among the request's records of that partition is its offset.
 *
 * kafkajs 2.2.4 can resolve a request without having sent a partition whose leader moved,
 * during retries, to a broker that had already answered. Every partition of a batch must be
 * in the answer: the records of a missing one are sent once more (with the idempotent producer
 * this cannot duplicate them) and rejected if still unacknowledged.
 */
export class RecordAccumulator {
  private buffer: Pending[] = [];
  private bufferedBytes = 0;
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  private lingerExpired = false;
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxRequestSize: number;
  private readonly maxInFlight: number;
  private readonly maxRecords: number;

  constructor(
    private readonly send: BatchSender,
    private readonly options: RecordAccumulatorOptions = {},
  ) {
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.batchSize = Math.max(1, options.batchSize ?? 16384);
    this.maxRequestSize = Math.max(this.batchSize, options.maxRequestSize ?? 1024 * 1024);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 5);
    this.maxRecords = Math.max(1, options.maxRecords ?? Number.MAX_SAFE_INTEGER);
  }

  /** Queues one record; resolves with its placement once the broker acknowledged it. */
  append(topic: string, message: Message): Promise<RecordPlacement> {
    return new Promise<RecordPlacement>((resolve, reject) => {
      const size = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value) + headersLength(message.headers);
      this.buffer.push({ topic, message, size, resolve, reject });
      this.bufferedBytes += size;
      // Without a linger everything queued goes at the end of this event-loop turn anyway.
      if (this.lingerMs > 0 && (this.bufferedBytes >= this.batchSize || this.buffer.length >= this.maxRecords)) this.drain(false);
      if (this.buffer.length > 0) this.schedule();
    });
  }

  /** Sends everything queued now and resolves once no batch is in flight. */
  flush(): Promise<void> {
    this.lingerExpired = true;
    this.drain(true);
    if (this.inFlight === 0 && this.buffer.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const fire = () => {
      this.timer = undefined;
      this.lingerExpired = true;
      this.drain(true);
    };
    this.timer = this.lingerMs === 0 ? setImmediate(fire) : setTimeout(fire, this.lingerMs);
  }

  /** Sends full batches, or every queued record once the linger has expired, while slots are free. */
  private drain(all: boolean): void {
    while (this.buffer.length > 0 && this.inFlight < this.maxInFlight) {
      if (!all && !this.lingerExpired && this.bufferedBytes < this.batchSize && this.buffer.length < this.maxRecords) break;
      this.sendBatch(this.take());
    }
    if (this.buffer.length === 0) {
      this.lingerExpired = false;
      if (this.timer !== undefined) {
        clearTimeout(this.timer as ReturnType<typeof setTimeout>);
        clearImmediate(this.timer as ReturnType<typeof setImmediate>);
        this.timer = undefined;
      }
    }
  }

  /** The oldest records up to maxRequestSize bytes (at least one). */
  private take(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < this.buffer.length && count < this.maxRecords) {
      const size = this.buffer[count]!.size;
      if (count > 0 && bytes + size > this.maxRequestSize) break;
      bytes += size;
      count++;
    }
    const batch = count === this.buffer.length ? this.buffer : this.buffer.slice(0, count);
    this.buffer = count === this.buffer.length ? [] : this.buffer.slice(count);
    this.bufferedBytes -= bytes;
    return batch;
  }

  private sendBatch(batch: Pending[]): void {
    this.inFlight++;
    void this.deliver(batch, true).finally(() => {
      this.inFlight--;
      // Records that waited for a free slot go now if their linger is over.
      this.drain(this.lingerExpired);
      if (this.inFlight === 0 && this.buffer.length === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  /** Sends one batch and settles each of its records; never rejects. */
  private async deliver(batch: Pending[], retryMissing: boolean): Promise<void> {
    let answer: KafkaJsRecordMetadata[];
    try {
      answer = await this.send(topicMessagesOf(batch));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    // Base offsets by topic and partition, then each record's index within its partition.
    const answered = new Map<string, KafkaJsRecordMetadata>();
    for (const entry of answer) answered.set(`${entry.partition}\u0000${entry.topicName}`, entry);
    const indexes = new Map<string, number>();
    const missing: Pending[] = [];
    for (const pending of batch) {
      let partition = pending.message.partition;
      // A lone record needs no pinned partition: the answer's one entry is its own.
      if ((partition === undefined || partition === null) && batch.length === 1 && answer.length === 1) partition = answer[0]!.partition;
      if (this.options.acksNone) {
        pending.resolve({ topic: pending.topic, partition: partition ?? -1, offset: -1, logAppendTime: -1 });
        continue;
      }
      if (partition === undefined || partition === null) {
        pending.reject(new KafkaException(`The partitioner did not record the partition of a record for ${pending.topic}; it cannot be matched to the acknowledgement`));
        continue;
      }
      const key = `${partition}\u0000${pending.topic}`;
      const entry = answered.get(key);
      if (!entry) {
        missing.push(pending);
        continue;
      }
      const index = indexes.get(key) ?? 0;
      indexes.set(key, index + 1);
      pending.resolve({
        topic: pending.topic,
        partition,
        offset: Number(entry.baseOffset ?? entry.offset ?? -1) + index,
        logAppendTime: Number(entry.logAppendTime ?? -1),
      });
    }
    if (missing.length === 0) return;
    if (retryMissing) return this.deliver(missing, false);
    const partitions = [...new Set(missing.map((p) => `${p.topic}-${p.message.partition}`))].join(', ');
    const error = new KafkaException(`The producer reported success without an acknowledgement for ${partitions}`);
    for (const pending of missing) pending.reject(error);
  }
}

function topicMessagesOf(batch: readonly Pending[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of batch) {
    const messages = byTopic.get(topic);
    if (messages) messages.push(message);
    else byTopic.set(topic, [message]);
  }
  const result: TopicMessages[] = [];
  for (const [topic, messages] of byTopic) result.push({ topic, messages });
  return result;
}

function byteLength(value: Message['key'] | Message['value']): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function headersLength(headers: Message['headers']): number {
  if (!headers) return 0;
  let total = 0;
  for (const name in headers) {
    total += name.length;
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) total += byteLength(v as Buffer | string | null);
    else total += byteLength(value as Buffer | string | null | undefined);
  }
  return total;
}
