import type { KafkaAdmin } from '../core/kafka-admin.js';
import { messageToRecord } from '../core/message-to-record.js';
import { KafkaTemplate, type KafkaTemplateOptions } from '../core/kafka-template.js';
import { messageOf, type ProducerFactory } from '../core/producer-factory.js';
import { KafkaException } from '../kafka-exception.js';
import { deserializationErrorOf } from '../listener/consumer-record-factory.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { BatchMessageListener } from '../listener/message-listener.js';
import { attachRawBytes, ConsumerRecord, rawBytesOf } from '../support/consumer-record.js';
import type { ConsumerRecords } from '../support/consumer-records.js';
import { recordMessageHeaders } from '../support/converter/messaging-message-converter.js';
import { PayloadConverter } from '../support/converter/payload-converter.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { Message } from '../support/message.js';
import { ProducerRecord, type ProducerRecordHeaders } from '../support/producer-record.js';
import type { TopicPartition } from '../support/topic-partition.js';
import { CorrelationKey } from './correlation-key.js';
import { KafkaReplyTimeoutException } from './kafka-reply-timeout-exception.js';
import { RemoteListenerError } from './remote-listener-error.js';
import { DEFAULT_REPLY_HEADER_NAMES, encodeReplyPartition, type ReplyHeaderNames } from './reply-headers.js';
import { ReplyPositionKeeper } from './reply-position-keeper.js';

/** Spring's `DEFAULT_REPLY_TIMEOUT`: 5 seconds. */
export const DEFAULT_REPLY_TIMEOUT = 5000;

/** A request as a plain object: `{ topic, key, value, headers, partition, timestamp }`. */
export interface RequestRecord<K, V> {
  topic: string;
  key?: K | null;
  value?: V | null;
  partition?: number;
  timestamp?: number;
  headers?: ProducerRecordHeaders;
}

/** Per-request settings of `sendAndReceive`. */
export interface RequestReplyOptions<T = unknown> {
  /** Milliseconds to wait for the reply (default: the template's `defaultReplyTimeout`, 5000). */
  timeoutMs?: number;
  /**
   * What to convert the reply value to, as a listener parameter's declared type: a class
   * (class-transformer's `plainToInstance` of the JSON), `String`, `Number`, `Buffer`...
   * Without it, the reply is parsed JSON when it is a JSON object or array, else the text.
   */
  replyType?: (abstract new (...args: never[]) => T) | ((...args: never[]) => T);
}

export interface ReplyingKafkaTemplateOptions<K, V> extends KafkaTemplateOptions<K, V> {
  /** Default reply timeout in ms (Spring's default: 5000). */
  defaultReplyTimeout?: number;
  /**
   * Several clients read the reply topic, each seeing the others' replies: those are logged
   * at DEBUG instead of ERROR (Spring's `sharedReplyTopic`). Default false.
   */
  sharedReplyTopic?: boolean;
  /** The default `replyType` of `sendAndReceive`. */
  replyType?: RequestReplyOptions['replyType'];
  /** The correlation id of a request (default: a random UUID as 16 bytes). */
  correlationIdStrategy?: (record: ProducerRecord<K, V>) => CorrelationKey | Buffer;
  /**
   * Writes `kafka_correlationId` as a UUID string and `kafka_replyPartition` as a decimal string
   * instead of Spring's 16 raw bytes and 4-byte int: the forms NestJS's Kafka transport needs
   * (it decodes every header as UTF-8 text), e.g. to call a Nest `@MessagePattern` handler.
   * Streamwright listeners read both forms; Spring listeners echo the id but read the partition
   * only as an int. Default false.
   */
  textHeaders?: boolean;
  /** Header names (default `kafka_correlationId`, `kafka_replyTopic`, `kafka_replyPartition`). */
  correlationHeaderName?: string;
  replyTopicHeaderName?: string;
  replyPartitionHeaderName?: string;
  /**
   * Turns a reply into an error (the request then rejects with it). Default: a reply with
   * `kafka_exception-fqcn` becomes a {@link RemoteListenerError}; a reply whose value or key
   * failed to deserialize rejects with the DeserializationException.
   */
  replyErrorChecker?: (record: ConsumerRecord) => Error | null | undefined;
  /** How long the first request waits for the reply container's partitions (default 30000 ms). */
  assignmentTimeout?: number;
  /**
   * Reads the reply topic's end offsets once the reply container has its partitions, so that
   * a later rebalance of the reply group can't skip a reply (see {@link ReplyPositionKeeper}).
   * KafkaApplication passes its KafkaAdmin.
   */
  admin?: KafkaAdmin;
  payloadConverter?: PayloadConverter;
}

/** A request waiting for its reply (for subclasses). */
export interface PendingRequest {
  readonly correlation: CorrelationKey;
  readonly description: string;
  readonly timeoutMs: number;
  readonly replyType: unknown;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (reply: ConsumerRecord) => void;
  readonly reject: (error: unknown) => void;
  /** Extra state for subclasses (the aggregating template's replies). */
  readonly replies: ConsumerRecord[];
}

/** What happened to correlation ids that are no longer pending, to tell late replies from foreign ones. */
type Outcome = 'completed' | 'timedOut' | 'failed';

const RECENT_LIMIT = 10_000;

/**
 * The request/reply machinery shared by {@link ReplyingKafkaTemplate} and
 * `AggregatingReplyingKafkaTemplate`: correlation, reply headers, the pending requests and
 * their timeouts, the reply container's listener and positions. The subclasses add
 * `sendAndReceive` with their result types.
 */
export abstract class AbstractReplyingKafkaTemplate<K = unknown, V = unknown> extends KafkaTemplate<K, V> {
  readonly defaultReplyTimeout: number;
  readonly sharedReplyTopic: boolean;
  protected readonly replyLogger: Logger;
  protected readonly headerNames: ReplyHeaderNames;
  // ES private names (#), so that nothing here can clash with KafkaTemplate's own private members.
  readonly #replyOptions: ReplyingKafkaTemplateOptions<K, V>;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #recent = new Map<string, Outcome>();
  readonly #converter: PayloadConverter;
  readonly #keeper: ReplyPositionKeeper;
  readonly #replyTopic: string | undefined;
  #running = false;
  #ready: Promise<void> | undefined;

  protected constructor(
    producerFactory: ProducerFactory | KafkaTemplate<K, V>,
    readonly replyContainer: MessageListenerContainer,
    replyOptions: ReplyingKafkaTemplateOptions<K, V> = {},
  ) {
    const template = producerFactory instanceof KafkaTemplate ? producerFactory : undefined;
    super(template ? template.producerFactory : (producerFactory as ProducerFactory), { defaultTopic: template?.defaultTopic, ...replyOptions });
    this.#replyOptions = replyOptions;
    this.replyLogger = replyOptions.logger ?? defaultLogger();
    this.defaultReplyTimeout = positive(replyOptions.defaultReplyTimeout, DEFAULT_REPLY_TIMEOUT);
    this.sharedReplyTopic = replyOptions.sharedReplyTopic ?? false;
    this.#converter = replyOptions.payloadConverter ?? new PayloadConverter();
    this.headerNames = {
      correlation: replyOptions.correlationHeaderName ?? DEFAULT_REPLY_HEADER_NAMES.correlation,
      replyTopic: replyOptions.replyTopicHeaderName ?? DEFAULT_REPLY_HEADER_NAMES.replyTopic,
      replyPartition: replyOptions.replyPartitionHeaderName ?? DEFAULT_REPLY_HEADER_NAMES.replyPartition,
    };
    const properties = replyContainer.containerProperties;
    // Reply-topic detection, as Spring's constructor: one subscribed topic is the reply topic.
    this.#replyTopic = properties.topics.length === 1 && !properties.topicPattern ? properties.topics[0] : undefined;
    if (!this.#replyTopic) this.replyLogger.info(`Reply container ${replyContainer.listenerId} has no single reply topic; requests must carry a ${this.headerNames.replyTopic} header`);
    const listener: BatchMessageListener = { batch: true, onMessage: (records) => this.onReplies(records) };
    properties.messageListener = listener;
    this.#keeper = new ReplyPositionKeeper(properties.consumerRebalanceListener);
    properties.consumerRebalanceListener = this.#keeper;
  }

  isRunning(): boolean {
    return this.#running;
  }

  /** Starts the reply container; resolves once it has its partitions and its starting positions. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.replyContainer.start();
    this.#running = true;
    await this.#ensureReady();
  }

  /** Stops the reply container; requests still waiting reject with a KafkaException. */
  async stop(): Promise<void> {
    // Also when start() is still under way: the container copes with being stopped while starting.
    this.#running = false;
    this.#ready = undefined;
    await this.replyContainer.stop();
    await this.flush();
    for (const [key, pending] of [...this.#pending]) {
      this.settle(key, 'failed');
      pending.reject(new KafkaException(`ReplyingKafkaTemplate stopped before the reply to ${pending.description} arrived`));
    }
  }

  /**
   * Waits until the reply container holds its partitions and has fetched once (so that
   * `latest` is resolved): true when it does within `timeoutMs`. Spring's `waitForAssignment`.
   */
  async waitForAssignment(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#isAssigned()) {
      if (Date.now() >= deadline || !this.replyContainer.isRunning()) return this.#isAssigned();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  getAssignedReplyTopicPartitions(): TopicPartition[] {
    return this.replyContainer.assignments();
  }

  /** Requests waiting for their reply. */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  /** Sends the request and resolves with the (converted) reply record. */
  protected async request(request: unknown, options: RequestReplyOptions<unknown>): Promise<ConsumerRecord> {
    if (!this.#running) throw new KafkaException('Template has not been started');
    const timeoutMs = positive(options.timeoutMs, this.defaultReplyTimeout);
    await this.#ensureReady();
    let record: ProducerRecord<K, V>;
    try {
      record = this.#toRecord(request);
    } catch (error) {
      throw error instanceof KafkaException ? error : new KafkaException(`Invalid request: ${messageOf(error)}`, { cause: error });
    }
    const correlation = this.#correlationOf(record);
    const outbound = this.#withReplyHeaders(record, correlation);
    const replyType = options.replyType ?? this.#replyOptions.replyType;
    const reply = new Promise<ConsumerRecord>((resolve, reject) => {
      if (this.#pending.has(correlation.hex)) {
        reject(new KafkaException(`A request with correlationId ${correlation} is already pending`));
        return;
      }
      const timer = setTimeout(() => this.#onTimeout(correlation.hex), timeoutMs);
      this.#pending.set(correlation.hex, { correlation, description: String(outbound), timeoutMs, replyType, timer, resolve, reject, replies: [] });
    });
    this.send(outbound).catch((error: unknown) => {
      const pending = this.#pending.get(correlation.hex);
      if (!pending) return;
      this.settle(correlation.hex, 'failed');
      pending.reject(error);
    });
    return reply;
  }

  /** The reply container's listener: match each reply to its request. */
  protected onReplies(records: ConsumerRecords | readonly ConsumerRecord[]): void {
    for (const record of records) {
      this.#keeper.seen(record);
      // Tracing: the reply's processing joins the trace of the request (docs/observability.md).
      const observed = this.observer?.replyReceived?.(record, this.replyContainer);
      try {
        this.#onReply(record);
        observed?.();
      } catch (error) {
        observed?.(error);
        this.replyLogger.error(`Handling reply ${record} failed`, error);
      }
    }
  }

  #onReply(record: ConsumerRecord): void {
    const header = record.headers.lastHeader(this.headerNames.correlation)?.value;
    if (!header || header.length === 0) {
      this.replyLogger.error(`No correlationId found in reply ${record}; the responding server must return the correlation id in the '${this.headerNames.correlation}' header`);
      return;
    }
    const correlation = new CorrelationKey(header);
    const pending = this.#pending.get(correlation.hex);
    if (!pending) {
      this.#logUnmatched(correlation, record);
      return;
    }
    this.handleReply(correlation.hex, pending, record);
  }

  /** A reply for a pending request: completes it (the aggregating template collects instead). */
  protected handleReply(key: string, pending: PendingRequest, record: ConsumerRecord): void {
    const error = this.checkForErrors(record);
    this.settle(key, error ? 'failed' : 'completed');
    if (error) {
      pending.reject(error);
      return;
    }
    try {
      pending.resolve(this.convertReply(record, pending.replyType));
    } catch (conversionError) {
      pending.reject(conversionError);
    }
  }

  /** The error a reply stands for, if any (Spring's `checkForErrors` + `replyErrorChecker`). */
  protected checkForErrors(record: ConsumerRecord): Error | undefined {
    const deserialization = deserializationErrorOf(record);
    if (deserialization) return deserialization;
    const checker = this.#replyOptions.replyErrorChecker ?? RemoteListenerError.fromReply;
    return checker(record) ?? undefined;
  }

  /** A copy of the reply with its value converted to `replyType`. */
  protected convertReply(record: ConsumerRecord, replyType: unknown): ConsumerRecord {
    const value = this.#converter.convert(record.value, rawBytesOf(record)?.value, replyType);
    const converted = new ConsumerRecord({ ...record, value });
    const raw = rawBytesOf(record);
    if (raw) attachRawBytes(converted, raw.key, raw.value);
    return converted;
  }

  /**
   * A request timed out; return true when handled (the future is then left to the hook).
   * Spring's `handleTimeout`; the aggregating template releases partial results here.
   */
  protected handleTimeout(_key: string, _pending: PendingRequest): boolean {
    return false;
  }

  /** Removes a request from the pending ones and remembers how it ended. */
  protected settle(key: string, outcome: Outcome): void {
    const pending = this.#pending.get(key);
    if (pending) clearTimeout(pending.timer);
    this.#pending.delete(key);
    this.#recent.set(key, outcome);
    if (this.#recent.size > RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
  }

  #onTimeout(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.replyLogger.warn(`Reply timed out for: ${pending.description} with correlationId: ${pending.correlation} after ${pending.timeoutMs} ms`);
    if (this.handleTimeout(key, pending)) {
      this.settle(key, 'timedOut');
      return;
    }
    this.settle(key, 'timedOut');
    pending.reject(new KafkaReplyTimeoutException(pending.correlation, pending.timeoutMs));
  }

  #logUnmatched(correlation: CorrelationKey, record: ConsumerRecord): void {
    const outcome = this.#recent.get(correlation.hex);
    if (outcome === 'timedOut') {
      this.replyLogger.warn(`Late reply ${record} for correlationId ${correlation}: the request had already timed out`);
    } else if (outcome) {
      this.replyLogger.debug(`Duplicate reply ${record} for correlationId ${correlation} (the request was already ${outcome})`);
    } else if (this.sharedReplyTopic) {
      this.replyLogger.debug(`No pending reply: ${record} with correlationId: ${correlation} (shared reply topic: another client's)`);
    } else {
      this.replyLogger.error(`No pending reply: ${record} with correlationId: ${correlation}, perhaps timed out, or using a shared reply topic`);
    }
  }

  #isAssigned(): boolean {
    const container = this.replyContainer as MessageListenerContainer & { isSettled?(): boolean };
    if (!container.isRunning()) return false;
    return container.isSettled ? container.isSettled() : container.assignments().length > 0;
  }

  /** Once per start: the reply container has its partitions, and the keeper its starting offsets. */
  #ensureReady(): Promise<void> {
    this.#ready ??= this.#becomeReady().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #becomeReady(): Promise<void> {
    const timeout = positive(this.#replyOptions.assignmentTimeout, 30_000);
    if (!(await this.waitForAssignment(timeout))) {
      throw new KafkaException(`Reply container ${this.replyContainer.listenerId} has no partitions of ${this.#replyTopic ?? 'its reply topic'} after ${timeout} ms`);
    }
    const admin = this.#replyOptions.admin;
    if (!admin || !this.#replyTopic) return;
    const topic = this.#replyTopic;
    try {
      const offsets = await admin.withAdmin((client) => client.fetchTopicOffsets(topic));
      this.#keeper.startFrom(offsets.map((o) => ({ topic, partition: o.partition, offset: Number(o.high) })));
    } catch (error) {
      this.replyLogger.warn(`Could not read the end offsets of ${topic}; a rebalance of the reply group before the first reply could skip replies`, error);
    }
  }

  #toRecord(request: unknown): ProducerRecord<K, V> {
    if (request instanceof ProducerRecord) return request as ProducerRecord<K, V>;
    if (request instanceof Message) return messageToRecord<K, V>(request as Message<V>, this.defaultTopic);
    if (typeof request === 'object' && request !== null) {
      if (typeof (request as { topic?: unknown }).topic === 'string') return ProducerRecord.of(request as RequestRecord<K, V>);
      if ('payload' in request) {
        const like = request as { payload: V; headers?: Record<string, unknown> };
        return messageToRecord<K, V>(new Message(like.payload, like.headers), this.defaultTopic);
      }
    }
    throw new KafkaException('sendAndReceive takes a ProducerRecord, { topic, key, value, headers } or a Message');
  }

  #correlationOf(record: ProducerRecord<K, V>): CorrelationKey {
    const strategy = this.#replyOptions.correlationIdStrategy;
    if (!strategy) return this.#replyOptions.textHeaders ? CorrelationKey.randomText() : CorrelationKey.random();
    const key = strategy(record);
    return key instanceof CorrelationKey ? key : new CorrelationKey(Buffer.from(key));
  }

  /** The request with the correlation id and, unless it names one, the reply topic (and partition). */
  #withReplyHeaders(record: ProducerRecord<K, V>, correlation: CorrelationKey): ProducerRecord<K, V> {
    const headers: ProducerRecordHeaders = { ...record.headers, [this.headerNames.correlation]: correlation.bytes };
    if (headers[this.headerNames.replyTopic] === undefined) {
      if (this.#replyTopic) {
        headers[this.headerNames.replyTopic] = this.#replyTopic;
        const assigned = this.replyContainer.assignments();
        if (assigned.length === 1 && assigned[0]!.topic === this.#replyTopic) headers[this.headerNames.replyPartition] = this.#replyOptions.textHeaders ? String(assigned[0]!.partition) : encodeReplyPartition(assigned[0]!.partition);
      } else {
        this.replyLogger.debug(`No reply topic header on ${record}; the responder must know where to reply`);
      }
    }
    return new ProducerRecord(record.topic, record.partition, record.timestamp, record.key, record.value, headers);
  }
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * Sends a request and resolves with its reply, as Spring's `ReplyingKafkaTemplate`: a
 * {@link KafkaTemplate} plus a reply container whose listener it is.
 *
 * Each request gets a random 16-byte `kafka_correlationId`; `kafka_replyTopic` (and
 * `kafka_replyPartition`, a 4-byte big-endian int, when the reply container holds exactly one
 * partition) are added unless the request already names a reply topic. A reply is matched by
 * its echoed correlation id; it completes the request, rejects it (an error reply, see
 * `replyErrorChecker`) or, after `timeoutMs`, the request rejects with
 * {@link KafkaReplyTimeoutException}. Replies for unknown or expired ids are logged, never
 * thrown. The first request waits until the reply container has its partitions, so its reply
 * can't be missed with `auto.offset.reset=latest`.
 */
export class ReplyingKafkaTemplate<K = unknown, V = unknown, R = unknown> extends AbstractReplyingKafkaTemplate<K, V> {
  constructor(producerFactory: ProducerFactory | KafkaTemplate<K, V>, replyContainer: MessageListenerContainer, options: ReplyingKafkaTemplateOptions<K, V> = {}) {
    super(producerFactory, replyContainer, options);
  }

  /** Sends a `Message` (routed by its `kafka_topic` header, else the default topic) and resolves with the reply as a `Message`. */
  sendAndReceive<T = R>(message: Message<V>, options?: RequestReplyOptions<T>): Promise<Message<T>>;
  /** Sends a record and resolves with the reply record, its value converted (see `replyType`). */
  sendAndReceive<T = R>(record: ProducerRecord<K, V> | RequestRecord<K, V>, options?: RequestReplyOptions<T>): Promise<ConsumerRecord<K, T>>;
  async sendAndReceive<T = R>(request: Message<V> | ProducerRecord<K, V> | RequestRecord<K, V>, options: RequestReplyOptions<T> = {}): Promise<ConsumerRecord<K, T> | Message<T>> {
    const asMessage = isMessageRequest(request);
    const reply = await this.request(request, options as RequestReplyOptions);
    if (!asMessage) return reply as ConsumerRecord<K, T>;
    return new Message(reply.value as T, recordMessageHeaders(reply));
  }

}

/** A `Message` (or `{ payload, headers }`) rather than a record. */
export function isMessageRequest(request: unknown): boolean {
  return request instanceof Message || (typeof request === 'object' && request !== null && 'payload' in request && !('topic' in request));
}
