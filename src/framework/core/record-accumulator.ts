import type { Message, RecordMetadata as KafkaJsRecordMetadata, TopicMessages } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import { RequestSpansBrokersError } from './recording-partitioner.js';

/** A completion's message before it is appended. */
const UNSET: Message = { value: null };

/**
 * One queued record and how it ended, as the Java producer's `Callback`: told once, from the
 * response of the record's request (so no promise or closure per record is needed). The
 * accumulator keeps its queue state on it too, so that a send costs no object of the
 * accumulator's own (fewer live objects per record in flight, less garbage collection).
 */
export abstract class RecordCompletion {
  /** The record as kafkajs sends it; set by {@link RecordAccumulator.append}. */
  message: Message = UNSET;
  /** Its estimated size in bytes (for batch.size). */
  size = 0;
  /** Times its request was given back unsent because a leader had moved. */
  regrouped = 0;

  /** The broker wrote the record at `offset` (-1 with acks=0) of `partition`; `logAppendTime` -1 means create time. */
  abstract acknowledged(topic: string, partition: number, offset: number, logAppendTime: number): void;
  abstract failed(error: unknown): void;
}

export interface RecordAccumulatorOptions {
  /**
   * Kafka's `linger.ms`: how long records wait for more to share their request. 0 (the
   * default) sends at the end of the current event-loop turn, so sends started together
   * still share one request per partition.
   */
  readonly lingerMs?: number;
  /**
   * Kafka's `batch.size` in bytes (default 16384), per partition: a partition's queued
   * records this large go at once instead of waiting for the linger. 0 sends every record
   * in its own request.
   */
  readonly batchSize?: number;
  /** Kafka's `max.request.size`: the most record bytes one request carries (default 1 MiB). */
  readonly maxRequestSize?: number;
  /** acks=0: the broker answers nothing, so records resolve with offset -1. */
  readonly acksNone?: boolean;
  /** Called whenever records are rejected (a transaction must not commit without them). */
  readonly onRejected?: (error: unknown) => void;
}

/** Where the accumulator's records go: the producer factory. */
export interface RecordSender {
  /** The partition of `message` (written onto it), or undefined while it cannot be known before sending. */
  partitionFor(topic: string, message: Message): number | undefined;
  /** The partition's leader, as far as known (undefined: unknown, the partition goes in a request of its own). */
  leaderOf(topic: string, partition: number): number | undefined;
  /** Sends one request and resolves with the broker's answer per partition. */
  sendRecords(topicMessages: TopicMessages[]): Promise<KafkaJsRecordMetadata[]>;
}

/** A partition's queued records; at most one request of it is in flight. */
interface PartitionQueue {
  readonly topic: TopicState;
  readonly partition: number;
  records: RecordCompletion[];
  bytes: number;
  busy: boolean;
  /** Its records have waited out their linger while a request was in flight. */
  lingered: boolean;
}

interface TopicState {
  readonly name: string;
  readonly partitions: (PartitionQueue | undefined)[];
  /** Records whose partition is not known yet (no metadata for the topic), in send order. */
  unplaced: RecordCompletion[];
  /** A record of `unplaced` is being sent alone, so that kafkajs loads the topic's metadata. */
  probing: boolean;
  /** Requests of this topic in flight. */
  busy: number;
}

/** One partition's share of a request. */
interface Part {
  readonly queue: PartitionQueue;
  readonly records: RecordCompletion[];
  readonly bytes: number;
}

/** Per-record framing Kafka adds to key, value and headers (an estimate, for batch.size only). */
const RECORD_OVERHEAD = 24;

/** How often a request is grouped again after leaders moved before its records are rejected. */
const MAX_REGROUPS = 5;

/**
 * Groups concurrent sends into few produce requests, as the Java producer's accumulator: per
 * partition, records wait for `lingerMs` (0: the end of the event-loop turn), until they reach
 * `batchSize` bytes, or for `flush()`; then the waiting partitions of one topic with the same
 * leader go together, in one request.
 *
 * A request goes to one broker, and a partition has at most one request in flight:
 * - kafkajs 2.2.4's retry of a request spanning brokers (which gives the partitions still in
 *   flight on one broker new sequence numbers when another broker failed, writing them twice)
 *   and its skipping of a partition whose leader moved to a broker that already answered
 *   cannot happen. Leaders are those of kafkajs' own metadata, and the producer's partitioner
 *   stops an attempt that would reach several brokers after all (`RequestSpansBrokersError`):
 *   unsent, its records are grouped again;
 * - between kafkajs' retries of a request nothing else takes its partitions' sequence numbers,
 *   and the records of one partition are written in send order, failures included.
 *
 * Records are partitioned here, with the producer's partitioner and the metadata kafkajs last
 * showed it; until a topic's metadata is known one record goes alone, partitioned by kafkajs.
 * Each record's completion gets its offset: the broker's base offset for its partition plus its index.
 */
export class RecordAccumulator {
  private readonly topics = new Map<string, TopicState>();
  /** Partitions with queued records. */
  private readonly ready = new Set<PartitionQueue>();
  /** Topics with records waiting for their partition. */
  private readonly waiting = new Set<TopicState>();
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxRequestSize: number;

  constructor(
    private readonly sender: RecordSender,
    private readonly options: RecordAccumulatorOptions = {},
  ) {
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.batchSize = Math.max(0, options.batchSize ?? 16384);
    this.maxRequestSize = Math.max(this.batchSize, options.maxRequestSize ?? 1024 * 1024);
  }

  /** Queues one record; `completion` learns how it ended once the broker answered its request. */
  append(topic: string, message: Message, completion: RecordCompletion): void {
    completion.message = message;
    completion.size = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value) + headersLength(message.headers);
    let state = this.topics.get(topic);
    if (!state) {
      state = { name: topic, partitions: [], unplaced: [], probing: false, busy: 0 };
      this.topics.set(topic, state);
    }
    // Behind records still waiting for their partition, a record waits too (send order).
    const partition = state.unplaced.length === 0 ? this.sender.partitionFor(topic, message) : undefined;
    if (partition === undefined) {
      state.unplaced.push(completion);
      this.waiting.add(state);
      // As Kafka's producer waits for a topic's metadata before a record starts to linger.
      if (!state.probing && state.busy === 0) this.probe(state);
      return;
    }
    const queue = this.enqueue(state, partition, completion);
    if (this.batchSize === 0 || (this.lingerMs > 0 && queue.bytes >= this.batchSize)) {
      if (!queue.busy && !state.probing) this.sendWith(queue, false);
      return;
    }
    this.schedule();
  }

  /** Sends everything queued now and resolves once nothing is queued or in flight. */
  flush(): Promise<void> {
    this.drain(true);
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private enqueue(state: TopicState, partition: number, pending: RecordCompletion): PartitionQueue {
    let queue = state.partitions[partition];
    if (!queue) {
      queue = { topic: state, partition, records: [], bytes: 0, busy: false, lingered: false };
      state.partitions[partition] = queue;
    }
    queue.records.push(pending);
    queue.bytes += pending.size;
    this.ready.add(queue);
    return queue;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const fire = () => {
      this.timer = undefined;
      this.drain(true);
    };
    this.timer = this.lingerMs === 0 ? setImmediate(fire) : setTimeout(fire, this.lingerMs);
  }

  /** Sends the partitions that are not busy (all: whatever they hold; else those full or lingered). */
  private drain(all: boolean): void {
    // While flush() waits, nothing lingers.
    all ||= this.idle.length > 0;
    for (const queue of this.ready) {
      if (queue.busy || queue.topic.probing) {
        if (all) queue.lingered = true;
        continue;
      }
      if (all || queue.lingered || queue.bytes >= this.batchSize) this.sendWith(queue, all);
    }
    for (const state of this.waiting) if (!state.probing && state.busy === 0) this.probe(state);
  }

  /**
   * Sends `queue` in a request with the other idle partitions of its topic and leader (all of
   * them if `all`, else those full or lingered; none when every record goes alone).
   */
  private sendWith(queue: PartitionQueue, all: boolean): void {
    const queues = [queue];
    const state = queue.topic;
    const leader = this.batchSize === 0 ? undefined : this.sender.leaderOf(state.name, queue.partition);
    if (leader !== undefined) {
      for (const other of this.ready) {
        if (other === queue || other.topic !== state || other.busy) continue;
        if ((all || other.lingered || other.bytes >= this.batchSize) && this.sender.leaderOf(state.name, other.partition) === leader) queues.push(other);
      }
    }
    const parts: Part[] = [];
    let budget = this.maxRequestSize;
    for (const q of queues) {
      const part = this.take(q, budget, parts.length === 0);
      if (!part) break;
      budget -= part.bytes;
      parts.push(part);
    }
    this.sendParts(state, parts);
  }

  /** The oldest records of the partition within `budget` bytes (at least one if `first`); marks it busy. */
  private take(queue: PartitionQueue, budget: number, first: boolean): Part | undefined {
    const { records } = queue;
    let count = 0;
    let bytes = 0;
    if (this.batchSize === 0) {
      count = 1;
      bytes = records[0]!.size;
    } else if (queue.bytes <= budget) {
      count = records.length;
      bytes = queue.bytes;
    } else {
      while (count < records.length && ((first && count === 0) || bytes + records[count]!.size <= budget)) bytes += records[count++]!.size;
    }
    if (count === 0) return undefined;
    const taken = count === records.length ? records : records.slice(0, count);
    queue.records = count === records.length ? [] : records.slice(count);
    queue.bytes -= bytes;
    queue.lingered = false;
    if (queue.records.length === 0) this.ready.delete(queue);
    queue.busy = true;
    return { queue, records: taken, bytes };
  }

  private sendParts(state: TopicState, parts: Part[]): void {
    state.busy++;
    this.inFlight++;
    void this.deliver(state.name, parts).finally(() => {
      for (const { queue } of parts) queue.busy = false;
      state.busy--;
      this.inFlight--;
      this.afterRequest(state);
    });
  }

  /** Records that queued up while their partition's request was in flight go now if they have waited long enough. */
  private afterRequest(state: TopicState): void {
    if (state.unplaced.length > 0 && state.busy === 0 && !state.probing) this.probe(state);
    else if (!state.probing) {
      this.drain(this.lingerMs === 0);
      if (this.ready.size > 0) this.schedule();
    }
    this.notifyIdle();
  }

  /**
   * Places the topic's waiting records whose partition can be known now; sends the first one
   * that cannot alone (kafkajs partitions it and so loads the topic's metadata), the rest
   * waiting for it. Runs only while none of the topic's requests is in flight.
   */
  private probe(state: TopicState): void {
    this.place(state);
    if (state.unplaced.length === 0) {
      this.waiting.delete(state);
      this.schedule();
      return;
    }
    const first = state.unplaced.shift()!;
    state.probing = true;
    state.busy++;
    this.inFlight++;
    void this.deliver(state.name, [{ queue: undefined, records: [first], bytes: first.size }]).then((failure) => {
      state.probing = false;
      state.busy--;
      this.inFlight--;
      this.place(state);
      // kafkajs still has no metadata for the topic (it does not exist, say): the others cannot go either.
      if (failure !== undefined && state.unplaced.length > 0 && (first.message.partition === undefined || first.message.partition === null)) {
        this.options.onRejected?.(failure);
        for (const pending of state.unplaced.splice(0)) fail(pending, failure);
      }
      if (state.unplaced.length === 0) this.waiting.delete(state);
      // What queued up behind the probe now lingers (full partitions go at once).
      this.drain(false);
      if (this.ready.size > 0) this.schedule();
      this.notifyIdle();
    });
  }

  /** Moves the topic's waiting records to their partitions, in order, up to the first whose partition is unknown. */
  private place(state: TopicState): void {
    let placed = 0;
    for (const pending of state.unplaced) {
      const partition = this.sender.partitionFor(state.name, pending.message);
      if (partition === undefined) break;
      this.enqueue(state, partition, pending);
      placed++;
    }
    if (placed > 0) state.unplaced.splice(0, placed);
  }

  /**
   * Sends one request and settles each of its records; resolves with the error it failed with,
   * if it did. A request stopped unsent because a leader moved gives its records back to their
   * partitions (in front: they are older), to be grouped again.
   */
  private async deliver(topic: string, parts: (Omit<Part, 'queue'> & { queue: PartitionQueue | undefined })[]): Promise<unknown> {
    const messages: Message[] = [];
    for (const part of parts) for (const pending of part.records) messages.push(pending.message);
    let answer: KafkaJsRecordMetadata[];
    try {
      answer = await this.sender.sendRecords([{ topic, messages }]);
    } catch (error) {
      const unsent = error instanceof RequestSpansBrokersError && error.attemptsBefore === 0;
      for (const { queue, records, bytes } of parts) {
        if (unsent && queue && records.every((p) => ++p.regrouped <= MAX_REGROUPS)) {
          queue.records = records.concat(queue.records);
          queue.bytes += bytes;
          this.ready.add(queue);
        } else {
          this.options.onRejected?.(error);
          for (const pending of records) fail(pending, error);
        }
      }
      return error;
    }
    let failure: unknown;
    for (const { records } of parts) {
      const partition = records[0]!.message.partition ?? (answer.length === 1 ? answer[0]!.partition : undefined);
      if (this.options.acksNone) {
        for (const pending of records) acknowledge(pending, topic, partition ?? -1, -1, -1);
        continue;
      }
      const entry = answer.find((e) => e.partition === partition && e.topicName === topic);
      if (!entry || partition === undefined || partition === null) {
        failure = new KafkaException(`The producer reported success without an acknowledgement for ${topic}-${partition ?? '?'}`);
        this.options.onRejected?.(failure);
        for (const pending of records) fail(pending, failure);
        continue;
      }
      const baseOffset = Number(entry.baseOffset ?? entry.offset ?? -1);
      const logAppendTime = Number(entry.logAppendTime ?? -1);
      for (let i = 0; i < records.length; i++) acknowledge(records[i]!, topic, partition, baseOffset + i, logAppendTime);
    }
    return failure;
  }

  /** Records are queued or in flight. */
  hasWork(): boolean {
    return !this.isIdle();
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.ready.size === 0 && this.waiting.size === 0;
  }

  private notifyIdle(): void {
    if (this.idle.length > 0 && this.isIdle()) for (const resolve of this.idle.splice(0)) resolve();
  }
}

// A completion that throws must not keep the other records of its request from being settled.
function acknowledge(pending: RecordCompletion, topic: string, partition: number, offset: number, logAppendTime: number): void {
  try {
    pending.acknowledged(topic, partition, offset, logAppendTime);
  } catch {
    // The completion's own failure is its caller's to report.
  }
}

function fail(pending: RecordCompletion, error: unknown): void {
  try {
    pending.failed(error);
  } catch {
    // As above.
  }
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
