import type { Message as KafkaJsMessage, Producer, RecordMetadata as KafkaJsRecordMetadata } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import { KafkaNull } from '../support/kafka-null.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { Message } from '../support/message.js';
import { ProducerRecord, type ProducerRecordHeaders } from '../support/producer-record.js';
import { RecordHeaders, toKafkaJsHeaders } from '../support/record-headers.js';
import type { SendResult } from '../support/send-result.js';
import type { KafkaOperations, SendBytesOptions } from './kafka-operations.js';
import { KafkaProducerException } from './kafka-producer-exception.js';
import { messageToRecord } from './message-to-record.js';
import { messageOf, type ProducerFactory } from './producer-factory.js';
import { LoggingProducerListener, type ProducerListener } from './producer-listener.js';
import { CompositeProducerInterceptor, type ProducerInterceptor } from './producer-interceptor.js';
import { sendBytesObserved, sendIntercepted } from './template-send-hooks.js';
import { RecordAccumulator } from './record-accumulator.js';
import { BytesSend, TemplateSend } from './template-send.js';
import { wireValue } from './wire-value.js';
import { TransactionSynchronizationManager, type KafkaResourceHolder, type TransactionOffset } from '../transaction/kafka-resource-holder.js';
import type { PartitionInfo } from './partition-info.js';
import { runInTransaction } from '../transaction/kafka-transaction-manager.js';
import type { SendObservationEnd, TemplateObserver } from './template-observer.js';
import type { ConsumerFactory } from './consumer-factory.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { DEFAULT_RECEIVE_TIMEOUT, receiveRecord } from './template-receive.js';

export interface KafkaTemplateOptions<K, V> {
  /** Topic for `sendDefault(...)` and for messages without a `kafka_topic` header. */
  defaultTopic?: string;
  /** Default: {@link LoggingProducerListener}. */
  producerListener?: ProducerListener<K, V>;
  /** Sees every send, after the producer factory's interceptors (Spring's `setProducerInterceptor`; several: {@link CompositeProducerInterceptor}). */
  producerInterceptor?: ProducerInterceptor<K, V>;
  /** Wait for every send to be acknowledged before the next `flush()`-free call returns (default false). */
  autoFlush?: boolean;
  /**
   * With a transactional producer factory, sends outside a transaction are refused (Spring's
   * default); true sends them with a plain (non-transactional) producer instead.
   */
  allowNonTransactional?: boolean;
  /**
   * Kafka's `linger.ms`: how long non-transactional sends wait to share a produce request
   * (one per partition). 0 (the default) still groups the sends started in the same event-loop turn.
   */
  lingerMs?: number;
  /**
   * Kafka's `batch.size`: a partition's queued records go at once when they reach this many
   * bytes (default 16384); 0 sends every record in its own request.
   */
  batchSize?: number;
  logger?: Logger;
}

/**
 * Sends records, as Spring's `KafkaTemplate`. Overloads are chosen by argument count, exactly
 * like Spring's: 2 = (topic, value), 3 = (topic, key, value), 4 = (topic, partition, key,
 * value), 5 = (topic, partition, timestamp, key, value); one argument is a `ProducerRecord`
 * or a `Message`. Every send resolves to a {@link SendResult} or rejects with a
 * {@link KafkaProducerException} carrying the record; nothing throws synchronously.
 */
export class KafkaTemplate<K = unknown, V = unknown> implements KafkaOperations<K, V> {
  defaultTopic: string | undefined;
  private readonly producerListener: ProducerListener<K, V>;
  private readonly autoFlush: boolean;
  private readonly logger: Logger;
  readonly allowNonTransactional: boolean;
  private readonly lingerMs: number | undefined;
  private readonly batchSize: number | undefined;
  private accumulator: RecordAccumulator | undefined;
  /** Metrics and tracing (docs/observability.md); KafkaApplication sets it on its templates. */
  observer: TemplateObserver | undefined;
  /** What `receive` reads with, as Spring's `setConsumerFactory`; KafkaApplication sets its own. */
  consumerFactory: ConsumerFactory | undefined;
  /** The producer factory's interceptors and the template's own, in that order; undefined when there are none. */
  producerInterceptor: ProducerInterceptor<K, V> | undefined;

  constructor(
    readonly producerFactory: ProducerFactory,
    options: KafkaTemplateOptions<K, V> = {},
  ) {
    const logger = options.logger ?? defaultLogger();
    this.logger = logger;
    this.allowNonTransactional = options.allowNonTransactional ?? false;
    this.defaultTopic = options.defaultTopic;
    this.producerListener = options.producerListener ?? (new LoggingProducerListener(logger) as ProducerListener<K, V>);
    this.autoFlush = options.autoFlush ?? false;
    this.lingerMs = options.lingerMs;
    this.batchSize = options.batchSize;
    this.producerInterceptor = combinedInterceptor(producerFactory.producerInterceptors as ProducerInterceptor<K, V>[], options.producerInterceptor, logger);
  }

  send(record: ProducerRecord<K, V>): Promise<SendResult<K, V>>;
  send(message: Message<V>): Promise<SendResult<K, V>>;
  send(topic: string, value: V): Promise<SendResult<K, V>>;
  send(topic: string, key: K, value: V): Promise<SendResult<K, V>>;
  send(topic: string, partition: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  send(topic: string, partition: number | undefined, timestamp: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  send(...args: unknown[]): Promise<SendResult<K, V>> {
    let record: ProducerRecord<K, V>;
    try {
      record = this.recordFromArguments(args);
    } catch (error) {
      const unknownRecord = new ProducerRecord<K, V>(String(args[0] ?? ''), undefined, undefined, undefined, undefined);
      return Promise.reject(new KafkaProducerException(unknownRecord, messageOf(error), { cause: error }));
    }
    return this.producerInterceptor ? sendIntercepted(this.producerInterceptor, record, (intercepted) => this.doSend(intercepted)) : this.doSend(record);
  }

  sendDefault(value: V): Promise<SendResult<K, V>>;
  sendDefault(key: K, value: V): Promise<SendResult<K, V>>;
  sendDefault(partition: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  sendDefault(partition: number | undefined, timestamp: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  sendDefault(...args: unknown[]): Promise<SendResult<K, V>> {
    if (!this.defaultTopic) {
      const record = new ProducerRecord<K, V>('', undefined, undefined, undefined, args.at(-1) as V);
      return Promise.reject(new KafkaProducerException(record, 'sendDefault() needs a defaultTopic'));
    }
    return (this.send as (...a: unknown[]) => Promise<SendResult<K, V>>)(this.defaultTopic, ...args);
  }

  /** Resolves once every send started so far (in the current transaction, if any) has been acknowledged (or failed). */
  async flush(): Promise<void> {
    await this.accumulator?.flush();
    if (this.isTransactional()) await TransactionSynchronizationManager.currentTransaction(this.producerFactory)?.flush();
  }

  /** The producer factory has a `transactionIdPrefix`: sends need a transaction (Spring's `isTransactional()`). */
  isTransactional(): boolean {
    return this.producerFactory.isTransactional();
  }

  /** A transaction of this template's producer factory is running in the current async context. */
  inTransaction(): boolean {
    return TransactionSynchronizationManager.currentTransaction(this.producerFactory) !== undefined;
  }

  /**
   * Runs `callback` in a local transaction, as Spring's `executeInTransaction`: the template's
   * sends inside it (awaited or not) are committed together when the callback resolves, or
   * aborted when it throws (the error is rethrown). Calls may run concurrently, each on its own
   * pooled transactional producer; nesting one in another of the same template is refused.
   */
  executeInTransaction<T>(callback: (template: this) => T | Promise<T>): Promise<T> {
    if (!this.isTransactional()) return Promise.reject(new KafkaException('executeInTransaction needs a transactional producer factory (transactionIdPrefix)'));
    const current = TransactionSynchronizationManager.currentTransaction(this.producerFactory);
    if (current?.origin === 'template' && current.owner === this) {
      return Promise.reject(new KafkaException('Nested calls to executeInTransaction are not allowed'));
    }
    return runInTransaction(this.producerFactory, 'template', this, {}, () => callback(this), this.logger);
  }

  /**
   * Adds consumed offsets (the next offset to read, per partition) to the current transaction,
   * as Spring's `sendOffsetsToTransaction`; they are committed for `groupId` with it.
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], groupId: string): Promise<void> {
    const holder = TransactionSynchronizationManager.currentTransaction(this.producerFactory);
    if (!holder) throw new KafkaException('sendOffsetsToTransaction: no transaction is in process');
    await holder.sendOffsets(groupId, offsets);
  }

  /**
   * Sends a record whose key, value and headers are already bytes, without the serializers (the
   * dead-letter recoverer republishes records as they arrived); interceptors and the producer
   * listener see a record whose key and value are those bytes. Transactions as `send`: it joins the current transaction of this
   * template's producer factory; a transactional template outside one refuses it unless
   * `allowNonTransactional`. Observed as `send` (a `send <topic>` span whose context goes into
   * the record's headers, the template's metrics) unless `options.observe` is false: the
   * dead-letter recoverer observes its publications itself. Resolves to kafkajs' answer for
   * the record's partition, at the record's own offset.
   */
  sendBytes(topic: string, message: KafkaJsMessage, options: SendBytesOptions = {}): Promise<KafkaJsRecordMetadata[]> {
    return sendBytesObserved(this.producerInterceptor, this.producerListener, topic, message, (to, bytes) => this.sendRawBytes(to, bytes, options));
  }

  private sendRawBytes(topic: string, message: KafkaJsMessage, options: SendBytesOptions): Promise<KafkaJsRecordMetadata[]> {
    const outgoing = { ...message };
    let observed: SendObservationEnd | undefined;
    if (this.observer && options.observe !== false) {
      const headers = RecordHeaders.fromKafkaJs(message.headers);
      const timestamp = message.timestamp === undefined ? undefined : Number(message.timestamp);
      const record = new ProducerRecord<unknown, unknown>(topic, message.partition ?? undefined, timestamp, message.key, message.value, message.headers);
      observed = this.observer.sendStarted(record, headers);
      // Tracing added its context to the headers.
      outgoing.headers = headers.size === 0 ? undefined : toKafkaJsHeaders(headers);
    }
    const completion = new BytesSend(observed);
    try {
      const transaction = this.transactionFor(new ProducerRecord<K, V>(topic, message.partition, undefined, undefined, undefined));
      if (transaction) transaction.append(topic, outgoing, completion);
      else this.batching().append(topic, outgoing, completion);
    } catch (error) {
      completion.failed(error);
    }
    return completion.promise;
  }

  /**
   * The topic's partitions as the cluster describes them, as Spring's `partitionsFor`; empty for
   * a topic the cluster does not have. Asked through the producer factory, which keeps the answer
   * for a few seconds (`partitionInfoMaxAge`).
   */
  partitionsFor(topic: string): Promise<PartitionInfo[]> {
    return this.producerFactory.partitionsFor(topic);
  }

  /** Runs a callback with the underlying kafkajs producer, as Spring's `execute`. */
  async execute<T>(callback: (producer: Producer) => T | Promise<T>): Promise<T> {
    return callback(await this.producerFactory.createProducer());
  }

  /**
   * The record at `topic`/`partition`/`offset`, or null when it does not arrive within
   * `pollTimeoutMs` (default 5000), as Spring's `receive`. Needs `consumerFactory`.
   */
  receive(topic: string, partition: number, offset: number, pollTimeoutMs = DEFAULT_RECEIVE_TIMEOUT): Promise<ConsumerRecord<K, V> | null> {
    return receiveRecord<K, V>(this.consumerFactory, topic, partition, offset, pollTimeoutMs);
  }

  private recordFromArguments(args: unknown[]): ProducerRecord<K, V> {
    const [first, second, third, fourth, fifth] = args;
    switch (args.length) {
      case 1:
        if (first instanceof ProducerRecord) return first as ProducerRecord<K, V>;
        if (first instanceof Message) return messageToRecord<K, V>(first as Message<V>, this.defaultTopic);
        if (isRecordLike(first)) return ProducerRecord.of(first as { topic: string; key?: K; value?: V });
        if (isMessageLike(first)) return messageToRecord<K, V>(new Message(first.payload as V, first.headers), this.defaultTopic);
        throw new KafkaException('send(x) takes a ProducerRecord or a Message');
      case 2:
        return new ProducerRecord<K, V>(topicOf(first), undefined, undefined, undefined, second as V);
      case 3:
        return new ProducerRecord(topicOf(first), undefined, undefined, second as K, third as V);
      case 4:
        return new ProducerRecord(topicOf(first), partitionOf(second), undefined, third as K, fourth as V);
      case 5:
        return new ProducerRecord(topicOf(first), partitionOf(second), timestampOf(third), fourth as K, fifth as V);
      default:
        throw new KafkaException(`send() takes 1 to 5 arguments, got ${args.length}`);
    }
  }

  private doSend(record: ProducerRecord<K, V>): Promise<SendResult<K, V>> {
    let headers: RecordHeaders;
    try {
      headers = RecordHeaders.fromKafkaJs(record.headers);
    } catch (error) {
      return Promise.reject(new KafkaProducerException(record, `Invalid headers in ${record}: ${messageOf(error)}`, { cause: error }));
    }
    // The create time is set here so that RecordMetadata can report it, as the Java client does.
    const timestamp = record.timestamp ?? Date.now();
    const send = new TemplateSend(record, timestamp, this.producerListener, this.observer?.sendStarted(record, headers));
    let message: KafkaJsMessage;
    let transaction: KafkaResourceHolder | undefined;
    try {
      message = this.serialize(record, headers, timestamp);
      transaction = this.transactionFor(record);
    } catch (error) {
      send.failed(error);
      return send.promise;
    }
    if (transaction) transaction.append(record.topic, message, send);
    else this.batching().append(record.topic, message, send);
    return this.autoFlush ? this.flush().then(() => send.promise) : send.promise;
  }

  /** The record as kafkajs sends it: key and value serialized, headers only when there are some. */
  private serialize(record: ProducerRecord<K, V>, headers: RecordHeaders, timestamp: number): KafkaJsMessage {
    let key: Buffer | string | null;
    let value: Buffer | string | null;
    try {
      key = wireValue(this.producerFactory.keySerializer, record.topic, record.key, headers);
      // KafkaNull is accepted in every overload, not only in messages: it means a tombstone.
      const data = record.value instanceof KafkaNull ? null : record.value;
      value = wireValue(this.producerFactory.valueSerializer, record.topic, data, headers);
    } catch (error) {
      throw new KafkaProducerException(record, `Failed to serialize ${record}: ${messageOf(error)}`, { cause: error });
    }
    // Few properties: kafkajs copies each message into its record once more.
    const message: KafkaJsMessage = { value, partition: record.partition, timestamp: wireTimestamp(timestamp) };
    if (key !== null) message.key = key;
    if (headers.size > 0) message.headers = toKafkaJsHeaders(headers);
    return message;
  }

  /** The accumulator of non-transactional sends, created on the first one. */
  private batching(): RecordAccumulator {
    this.accumulator ??= new RecordAccumulator(this.producerFactory, {
      lingerMs: this.lingerMs,
      batchSize: this.batchSize,
      acksNone: this.producerFactory.sendOptions.acks === 0,
    });
    return this.accumulator;
  }

  /** The transaction a send joins; none for a non-transactional template (or an allowed non-transactional send). */
  private transactionFor(record: ProducerRecord<K, V>): KafkaResourceHolder | undefined {
    if (!this.producerFactory.isTransactional()) return undefined;
    const holder = TransactionSynchronizationManager.currentTransaction(this.producerFactory);
    if (holder || this.allowNonTransactional) return holder;
    throw new KafkaProducerException(
      record,
      'No transaction is in process; run the send inside template.executeInTransaction(), in a listener container with a transactionManager, ' +
        'or set allowNonTransactional on the template',
    );
  }
}

function combinedInterceptor<K, V>(fromFactory: readonly ProducerInterceptor<K, V>[], own: ProducerInterceptor<K, V> | undefined, logger: Logger): ProducerInterceptor<K, V> | undefined {
  const all = own ? [...fromFactory, own] : fromFactory;
  // Always a composite, which logs an interceptor's failures (the send goes on regardless).
  return all.length === 0 ? undefined : new CompositeProducerInterceptor(all, logger);
}

/**
 * The create time as kafkajs gets it: a number, although its typings say text. kafkajs 2.2.4
 * sorts a batch's timestamps and subtracts the first from each record's, which for text means
 * two text-to-number conversions per record (about half a microsecond); for numbers, none.
 * Its encoder takes either (`Long.fromValue`).
 */
function wireTimestamp(timestamp: number): string {
  return timestamp as unknown as string;
}

function topicOf(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new KafkaException(`Invalid topic: ${String(value)}`);
  return value;
}

function partitionOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new KafkaException(`Invalid partition: ${String(value)}`);
  return value;
}

function timestampOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new KafkaException(`Invalid timestamp: ${String(value)}`);
  return Math.trunc(value);
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { topic?: unknown }).topic === 'string';
}

function isMessageLike(value: unknown): value is { payload: unknown; headers?: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && 'payload' in value;
}

export type { ProducerRecordHeaders };
