import type { RecordMetadata as KafkaJsRecordMetadata } from 'kafkajs';
import type { KafkaOperations } from '../core/kafka-operations.js';
import type { PartitionInfo } from '../core/partition-info.js';
import { KafkaException } from '../kafka-exception.js';
import { rawBytesOf, type ConsumerRecord, type TimestampType } from '../support/consumer-record.js';
import { KafkaHeaders } from '../support/kafka-headers.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { RecordHeaders, toKafkaJsHeaders, type RecordHeader } from '../support/record-headers.js';
import { KEY_DESERIALIZER_EXCEPTION_HEADER, VALUE_DESERIALIZER_EXCEPTION_HEADER } from '../support/serializer/error-handling-deserializer.js';
import { removedTypeHeadersOf } from '../support/serializer/json-type-mapper.js';
import { deserializationErrorOf } from './consumer-record-factory.js';
import { describeError, errorClassName, errorMessage, findRootCause, int32Bytes, int64Bytes, stackTraceOf } from './error-handling-utils.js';
import { ExceptionClassifier, type ErrorClass } from './exception-classifier.js';
import { ListenerExecutionFailedException } from './listener-execution-failed-exception.js';

/**
 * Where a failed record goes: a topic and partition. A negative or missing partition lets the
 * producer choose; `null`/`undefined` means "nowhere" (the record is skipped with a warning).
 */
export type DestinationResolver = (record: ConsumerRecord, error: Error) => { topic: string; partition?: number } | null | undefined;

/** A header from a headers function; `single` replaces any existing values (Spring's `SingleRecordHeader`). */
export interface DeadLetterHeader extends RecordHeader {
  readonly single?: boolean;
}

/** Extra headers for the published record, as Spring's `headersFunction`. */
export type HeadersFunction = (record: ConsumerRecord, error: Error) => Iterable<DeadLetterHeader> | undefined | null;

/** The header names the recoverer writes, as Spring's `DeadLetterPublishingRecoverer.HeaderNames`. */
export interface HeaderNames {
  readonly original: {
    readonly topic: string;
    readonly partition: string;
    readonly offset: string;
    readonly timestamp: string;
    readonly timestampType: string;
    readonly consumerGroup: string;
  };
  readonly exception: {
    readonly keyExceptionFqcn: string;
    readonly exceptionFqcn: string;
    readonly exceptionCauseFqcn: string;
    readonly keyExceptionMessage: string;
    readonly exceptionMessage: string;
    readonly keyExceptionStacktrace: string;
    readonly exceptionStacktrace: string;
  };
}

/** The `kafka_dlt-*` names: the default. */
export const DLT_HEADER_NAMES: HeaderNames = {
  original: {
    topic: KafkaHeaders.DLT_ORIGINAL_TOPIC,
    partition: KafkaHeaders.DLT_ORIGINAL_PARTITION,
    offset: KafkaHeaders.DLT_ORIGINAL_OFFSET,
    timestamp: KafkaHeaders.DLT_ORIGINAL_TIMESTAMP,
    timestampType: KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE,
    consumerGroup: KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP,
  },
  exception: {
    keyExceptionFqcn: KafkaHeaders.DLT_KEY_EXCEPTION_FQCN,
    exceptionFqcn: KafkaHeaders.DLT_EXCEPTION_FQCN,
    exceptionCauseFqcn: KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN,
    keyExceptionMessage: KafkaHeaders.DLT_KEY_EXCEPTION_MESSAGE,
    exceptionMessage: KafkaHeaders.DLT_EXCEPTION_MESSAGE,
    keyExceptionStacktrace: KafkaHeaders.DLT_KEY_EXCEPTION_STACKTRACE,
    exceptionStacktrace: KafkaHeaders.DLT_EXCEPTION_STACKTRACE,
  },
};

/**
 * The `kafka_original-*` / `kafka_exception-*` names that retry topics use (Spring's
 * `DeadLetterPublishingRecovererFactory`), including Spring's quirk of writing the group to
 * `kafka_dlt-original-consumer-group`.
 */
export const RETRY_TOPIC_HEADER_NAMES: HeaderNames = {
  original: {
    topic: KafkaHeaders.ORIGINAL_TOPIC,
    partition: KafkaHeaders.ORIGINAL_PARTITION,
    offset: KafkaHeaders.ORIGINAL_OFFSET,
    timestamp: KafkaHeaders.ORIGINAL_TIMESTAMP,
    timestampType: KafkaHeaders.ORIGINAL_TIMESTAMP_TYPE,
    consumerGroup: KafkaHeaders.ORIGINAL_CONSUMER_GROUP,
  },
  exception: {
    keyExceptionFqcn: KafkaHeaders.KEY_EXCEPTION_FQCN,
    exceptionFqcn: KafkaHeaders.EXCEPTION_FQCN,
    exceptionCauseFqcn: KafkaHeaders.EXCEPTION_CAUSE_FQCN,
    keyExceptionMessage: KafkaHeaders.KEY_EXCEPTION_MESSAGE,
    exceptionMessage: KafkaHeaders.EXCEPTION_MESSAGE,
    keyExceptionStacktrace: KafkaHeaders.KEY_EXCEPTION_STACKTRACE,
    exceptionStacktrace: KafkaHeaders.EXCEPTION_STACKTRACE,
  },
};

/** The standard headers, to switch off one by one (Spring's `HeadersToAdd`). */
export enum HeadersToAdd {
  TOPIC = 'TOPIC',
  PARTITION = 'PARTITION',
  OFFSET = 'OFFSET',
  TS = 'TS',
  TS_TYPE = 'TS_TYPE',
  GROUP = 'GROUP',
  EXCEPTION = 'EXCEPTION',
  EX_CAUSE = 'EX_CAUSE',
  EX_MSG = 'EX_MSG',
  EX_STACKTRACE = 'EX_STACKTRACE',
}

/** Writes the exception headers; replaces the standard ones entirely (Spring's `ExceptionHeadersCreator`). */
export type ExceptionHeadersCreator = (headers: RecordHeaders, error: unknown, isKey: boolean, names: HeaderNames) => void;

/** The record about to be published; `createProducerRecord` may change it. */
export interface DeadLetterRecord {
  topic: string;
  partition: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
}

export interface DeadLetterPublishingRecovererOptions {
  /** Default: `<topic>-dlt`, same partition. */
  destinationResolver?: DestinationResolver;
  /** Add the `-original-*` headers even when the record already has them (default true); false keeps the first set. */
  appendOriginalHeaders?: boolean;
  /** Remove existing exception headers before adding the new ones (default true). */
  stripPreviousExceptionHeaders?: boolean;
  /** Wait for the send and throw when it fails, so that the record is redelivered (default true). */
  failIfSendResultIsError?: boolean;
  /** How long to wait for the send (default 30000 ms). */
  waitForSendResultTimeout?: number;
  /** Throw when the resolver returns no destination (default false: warn and treat the record as recovered). */
  throwIfNoDestinationReturned?: boolean;
  /** Don't publish a not-retryable failure back to its own topic (default true): that would loop. */
  skipSameTopicFatalExceptions?: boolean;
  /**
   * Check that the destination partition exists (the template's `partitionsFor`) and, when it
   * does not, let the producer choose one, with a warning (default true). false sends to the
   * partition as resolved, so a missing one fails the publication.
   */
  verifyPartition?: boolean;
  /** How long `verifyPartition` waits for the topic's partitions (default 5000 ms); without an answer the partition is used as resolved. */
  partitionInfoTimeout?: number;
  headerNames?: HeaderNames;
  headersFunction?: HeadersFunction;
  exceptionHeadersCreator?: ExceptionHeadersCreator;
  /** Log each published record at INFO (default false). */
  logRecoveryRecord?: boolean;
  /** Keep the `springDeserializerExceptionKey`/`...Value` headers an ErrorHandlingDeserializer wrote (default false: the `kafka_dlt-*` headers describe the failure). */
  retainExceptionHeader?: boolean;
  logger?: Logger;
}

/**
 * Publishes a failed record to a dead-letter topic, as Spring's `DeadLetterPublishingRecoverer`:
 * the original key and value **bytes** (as they arrived, so a record that could not be
 * deserialized keeps its raw bytes), the original headers, and Spring's headers describing
 * where it came from and why it failed:
 *
 * | header | value |
 * |---|---|
 * | `kafka_dlt-original-topic` | UTF-8 |
 * | `kafka_dlt-original-partition` | 4-byte big-endian int |
 * | `kafka_dlt-original-offset` | 8-byte big-endian long |
 * | `kafka_dlt-original-timestamp` | 8-byte big-endian long |
 * | `kafka_dlt-original-timestamp-type` | `CreateTime` / `LogAppendTime` |
 * | `kafka_dlt-original-consumer-group` | the group (when the failure names it) |
 * | `kafka_dlt-exception-fqcn` | the class of the error handed over (usually `ListenerExecutionFailedException`) |
 * | `kafka_dlt-exception-cause-fqcn` | the class of the root cause |
 * | `kafka_dlt-exception-message` | the message; `"<message>; <root cause message>"` when they differ |
 * | `kafka_dlt-exception-stacktrace` | the stack, with its causes |
 *
 * A key that failed to deserialize is described in the `kafka_dlt-key-exception-*` headers.
 * Publication is raw (the template's `sendBytes`, not its serializers), so the dead-letter
 * topic never fails on a serializer that can't take the bytes. If the publication fails the
 * recoverer throws, and the error handler redelivers the record: it is never skipped.
 *
 * With a transactional template the dead letter joins the running transaction (in a
 * transactional container: the after-rollback processor's recovery transaction, which with
 * `commitRecovered` also carries the record's offset), or else gets a transaction of its own.
 */
export class DeadLetterPublishingRecoverer {
  readonly classifier = new ExceptionClassifier();
  appendOriginalHeaders: boolean;
  stripPreviousExceptionHeaders: boolean;
  failIfSendResultIsError: boolean;
  waitForSendResultTimeout: number;
  throwIfNoDestinationReturned: boolean;
  skipSameTopicFatalExceptions: boolean;
  verifyPartition: boolean;
  partitionInfoTimeout: number;
  logRecoveryRecord: boolean;
  retainExceptionHeader: boolean;
  headerNames: HeaderNames;
  private readonly destinationResolver: DestinationResolver;
  private readonly headersFunctions: HeadersFunction[] = [];
  private exceptionHeadersCreator: ExceptionHeadersCreator;
  private readonly excluded = new Set<HeadersToAdd>();
  private readonly logger: Logger;

  /** The template (the first of a map of templates: Spring's `getTemplates().get(0)`-like default). */
  private readonly template: KafkaOperations;
  /** Templates by payload type, in order (Spring's `Map<Class<?>, KafkaOperations>` constructor). */
  private readonly templatesByType: TemplatesByPayloadType | undefined;

  constructor(
    template: KafkaOperations | TemplatesByPayloadType,
    destinationResolver?: DestinationResolver | DeadLetterPublishingRecovererOptions,
    options?: DeadLetterPublishingRecovererOptions,
  );
  constructor(
    templates: KafkaOperations | TemplatesByPayloadType,
    resolverOrOptions?: DestinationResolver | DeadLetterPublishingRecovererOptions,
    maybeOptions: DeadLetterPublishingRecovererOptions = {},
  ) {
    if (templates instanceof Map) {
      if (templates.size === 0) throw new KafkaException('DeadLetterPublishingRecoverer needs at least one template');
      for (const candidate of templates.values()) if (typeof candidate?.sendBytes !== 'function') throw new KafkaException('DeadLetterPublishingRecoverer needs KafkaTemplates');
      this.templatesByType = templates;
      this.template = templates.values().next().value as KafkaOperations;
    } else {
      this.template = templates as KafkaOperations;
    }
    const template = this.template;
    if (typeof template?.sendBytes !== 'function') throw new KafkaException('DeadLetterPublishingRecoverer needs a KafkaTemplate');
    const options = typeof resolverOrOptions === 'function' ? { ...maybeOptions, destinationResolver: resolverOrOptions } : { ...resolverOrOptions, ...maybeOptions };
    this.destinationResolver = options.destinationResolver ?? ((record) => ({ topic: `${record.topic}-dlt`, partition: record.partition }));
    this.appendOriginalHeaders = options.appendOriginalHeaders ?? true;
    this.stripPreviousExceptionHeaders = options.stripPreviousExceptionHeaders ?? true;
    this.failIfSendResultIsError = options.failIfSendResultIsError ?? true;
    this.waitForSendResultTimeout = options.waitForSendResultTimeout ?? 30_000;
    this.throwIfNoDestinationReturned = options.throwIfNoDestinationReturned ?? false;
    this.skipSameTopicFatalExceptions = options.skipSameTopicFatalExceptions ?? true;
    this.verifyPartition = options.verifyPartition ?? true;
    this.partitionInfoTimeout = options.partitionInfoTimeout ?? 5_000;
    this.logRecoveryRecord = options.logRecoveryRecord ?? false;
    this.retainExceptionHeader = options.retainExceptionHeader ?? false;
    this.headerNames = options.headerNames ?? DLT_HEADER_NAMES;
    if (options.headersFunction) this.headersFunctions.push(options.headersFunction);
    this.exceptionHeadersCreator = options.exceptionHeadersCreator ?? ((headers, error, isKey, names) => this.addExceptionInfoHeaders(headers, error, isKey, names));
    this.logger = options.logger ?? defaultLogger();
  }

  /** Replaces the extra-headers functions with this one. */
  setHeadersFunction(fn: HeadersFunction): this {
    this.headersFunctions.splice(0, this.headersFunctions.length, fn);
    return this;
  }

  /** Adds an extra-headers function; each one's headers are added in turn. */
  addHeadersFunction(fn: HeadersFunction): this {
    this.headersFunctions.push(fn);
    return this;
  }

  setExceptionHeadersCreator(creator: ExceptionHeadersCreator): this {
    this.exceptionHeadersCreator = creator;
    return this;
  }

  /** Leaves some standard headers out. */
  excludeHeader(...headers: HeadersToAdd[]): this {
    for (const header of headers) this.excluded.add(header);
    return this;
  }

  includeHeader(...headers: HeadersToAdd[]): this {
    for (const header of headers) this.excluded.delete(header);
    return this;
  }

  /** For `skipSameTopicFatalExceptions`: more failures that must not be routed back to their own topic. */
  addNotRetryableExceptions(...types: ErrorClass[]): this {
    this.classifier.addNotRetryableExceptions(...types);
    return this;
  }

  removeClassification(type: ErrorClass): boolean | undefined {
    return this.classifier.removeClassification(type);
  }

  /** The recoverer: resolves the destination and publishes; throws when that fails. */
  async accept(record: ConsumerRecord, error: Error): Promise<void> {
    const destination = this.destinationResolver(record, error);
    if (!destination) {
      const message = `No destination returned for ${record}; the record is not published: ${describeError(error)}`;
      if (this.throwIfNoDestinationReturned) throw new KafkaException(message, { cause: error });
      this.logger.warn(message);
      return;
    }
    if (this.skipSameTopicFatalExceptions && destination.topic === record.topic && !this.classifier.isRetryable(error)) {
      this.logger.error(`Recovery of ${record} skipped: the failure is not retryable and the destination resolver routed it back to its own topic: ${describeError(error)}`, error);
      return;
    }
    const template = this.templatesByType ? this.templateFor(record.value, this.templatesByType) : this.template;
    const resolved = destination.partition !== undefined && destination.partition >= 0 ? destination.partition : undefined;
    const partition = this.verifyPartition ? await this.checkPartition(template, destination.topic, resolved) : resolved;
    // The bytes the record arrived with; a record built by hand has none, so its key and value are encoded.
    const raw = rawBytesOf(record) ?? { key: toBytes(record.key), value: toBytes(record.value) };
    const headers = this.headersFor(record, error);
    const outgoing = this.createProducerRecord(record, { topic: destination.topic, partition }, headers, raw.key, raw.value);
    // Tracing starts the publication's span here and adds its context to the outgoing headers.
    const observed = template.observer?.deadLetterStarted?.(record, outgoing);
    const sending = this.publish(template, outgoing, record);
    sending.then(
      (result) => {
        observed?.(undefined, { topic: result.topicName, partition: result.partition, offset: Number(result.baseOffset ?? result.offset ?? -1), timestamp: -1 });
        template.observer?.deadLettered?.(record, error, outgoing.topic);
      },
      (sendError: unknown) => observed?.(sendError),
    );
    if (!this.failIfSendResultIsError) {
      sending.catch((sendError) => this.logger.error(`Dead-letter publication to ${outgoing.topic} failed for ${record}`, sendError));
      return;
    }
    try {
      await withTimeout(sending, this.waitForSendResultTimeout, `no result within ${this.waitForSendResultTimeout} ms`);
    } catch (sendError) {
      throw new KafkaException(`Dead-letter publication to ${outgoing.topic} failed for: ${record}: ${errorMessage(sendError)}`, { cause: sendError });
    }
  }

  /**
   * The partition to publish to, as Spring's `checkPartition`: undefined (the producer chooses)
   * when the topic has no such partition; as resolved when the partitions can't be had in time.
   */
  private async checkPartition(template: KafkaOperations, topic: string, partition: number | undefined): Promise<number | undefined> {
    if (partition === undefined) return undefined;
    let partitions: readonly PartitionInfo[];
    try {
      partitions = await withTimeout(template.partitionsFor(topic), this.partitionInfoTimeout, `no partition info within ${this.partitionInfoTimeout} ms`);
    } catch (lookupError) {
      this.logger.debug(`Could not obtain partition info for ${topic}: ${errorMessage(lookupError)}`);
      return partition;
    }
    if (partitions.some((info) => info.partition === partition)) return partition;
    this.logger.warn(`Destination resolver returned non-existent partition ${topic}-${partition}; the producer will choose the partition`);
    return undefined;
  }

  /** The record to publish; override to change it (Spring's `createProducerRecord`). */
  protected createProducerRecord(_record: ConsumerRecord, destination: { topic: string; partition: number | undefined }, headers: RecordHeaders, key: Buffer | null, value: Buffer | null): DeadLetterRecord {
    return { topic: destination.topic, partition: destination.partition, key, value, headers };
  }

  /** The headers of the published record: the original ones, the exception's, the original-*'s, then the functions'. */
  headersFor(record: ConsumerRecord, error: Error): RecordHeaders {
    const headers = new RecordHeaders(record.headers);
    const deserialization = deserializationErrorOf(record);
    // A value that was read: its type headers go with it, as Spring's JsonSerializer writes them again.
    if (!deserialization) for (const header of removedTypeHeadersOf(record.headers)) headers.add(header.key, header.value);
    if (!this.retainExceptionHeader) headers.remove(KEY_DESERIALIZER_EXCEPTION_HEADER).remove(VALUE_DESERIALIZER_EXCEPTION_HEADER);
    if (deserialization) this.exceptionHeadersCreator(headers, deserialization, deserialization.isKey, this.headerNames);
    else this.exceptionHeadersCreator(headers, error, false, this.headerNames);
    this.addOriginalHeaders(headers, record, error);
    for (const fn of this.headersFunctions) {
      const extra = fn(record, error);
      if (!extra) continue;
      for (const header of extra) {
        if (header.single) headers.remove(header.key);
        headers.add(header.key, header.value);
      }
    }
    return headers;
  }

  private addOriginalHeaders(headers: RecordHeaders, record: ConsumerRecord, error: Error): void {
    const names = this.headerNames.original;
    this.maybeAdd(headers, names.topic, () => Buffer.from(record.topic, 'utf8'), HeadersToAdd.TOPIC);
    this.maybeAdd(headers, names.partition, () => int32Bytes(record.partition), HeadersToAdd.PARTITION);
    this.maybeAdd(headers, names.offset, () => int64Bytes(record.offset), HeadersToAdd.OFFSET);
    this.maybeAdd(headers, names.timestamp, () => int64Bytes(record.timestamp), HeadersToAdd.TS);
    this.maybeAdd(headers, names.timestampType, () => Buffer.from(javaTimestampType(record.timestampType), 'utf8'), HeadersToAdd.TS_TYPE);
    const group = error instanceof ListenerExecutionFailedException ? error.groupId : undefined;
    if (group) this.maybeAdd(headers, names.consumerGroup, () => Buffer.from(group, 'utf8'), HeadersToAdd.GROUP);
  }

  private maybeAdd(headers: RecordHeaders, name: string, value: () => Buffer, which: HeadersToAdd): void {
    if (this.excluded.has(which)) return;
    if (this.appendOriginalHeaders || headers.lastHeader(name) === undefined) headers.add(name, value());
  }

  private addExceptionInfoHeaders(headers: RecordHeaders, error: unknown, isKey: boolean, names: HeaderNames): void {
    const n = names.exception;
    this.appendOrReplace(headers, isKey ? n.keyExceptionFqcn : n.exceptionFqcn, errorClassName(error), HeadersToAdd.EXCEPTION);
    const cause = findRootCause(error);
    this.appendOrReplace(headers, n.exceptionCauseFqcn, errorClassName(cause), HeadersToAdd.EX_CAUSE);
    this.appendOrReplace(headers, isKey ? n.keyExceptionMessage : n.exceptionMessage, exceptionMessage(error, cause), HeadersToAdd.EX_MSG);
    this.appendOrReplace(headers, isKey ? n.keyExceptionStacktrace : n.exceptionStacktrace, stackTraceOf(error), HeadersToAdd.EX_STACKTRACE);
  }

  private appendOrReplace(headers: RecordHeaders, name: string, value: string, which: HeadersToAdd): void {
    if (this.excluded.has(which)) return;
    if (this.stripPreviousExceptionHeaders) headers.remove(name);
    headers.add(name, Buffer.from(value, 'utf8'));
  }

  /**
   * Publishes in the current transaction of the template's producer factory (a container's, or
   * the after-rollback processor's recovery transaction, which also carries the record's
   * offset), so the dead letter commits or aborts with it. A transactional template outside a
   * transaction publishes in a transaction of its own, as Spring's recoverer does.
   */
  private publish(template: KafkaOperations, outgoing: DeadLetterRecord, original: ConsumerRecord): Promise<KafkaJsRecordMetadata> {
    if (template.isTransactional() && !template.inTransaction() && !template.allowNonTransactional) {
      return template.executeInTransaction(() => this.send(template, outgoing, original));
    }
    return this.send(template, outgoing, original);
  }

  /**
   * The template for a failed record's value, as Spring's `findTemplateForValue`: the first
   * entry whose type the value is an instance of (`String`, `Number`, `Boolean` also match the
   * primitives; `Object` matches any value); a null value takes the `null` entry, else the
   * first; no match takes the last entry, with a warning.
   */
  private templateFor(value: unknown, templates: TemplatesByPayloadType): KafkaOperations {
    if (value === null || value === undefined) return templates.get(null) ?? this.template;
    for (const [type, template] of templates) if (type !== null && isInstance(value, type)) return template;
    const last = [...templates.values()].at(-1)!;
    this.logger.warn(`Failed to find a template for ${typeNameOf(value)}; attempting to use the last entry`);
    return last;
  }

  private async send(template: KafkaOperations, outgoing: DeadLetterRecord, original: ConsumerRecord): Promise<KafkaJsRecordMetadata> {
    const message = { key: outgoing.key, value: outgoing.value, partition: outgoing.partition, headers: toKafkaJsHeaders(outgoing.headers) };
    const [result] = await template.sendBytes(outgoing.topic, message, { observe: false });
    if (!result) throw new KafkaException(`No acknowledgement from ${outgoing.topic}`);
    if (this.logRecoveryRecord) this.logger.info(`Published ${original} to ${result.topicName}-${result.partition}@${result.baseOffset ?? result.offset ?? '?'}`);
    return result;
  }
}

/** A payload type of a template map (a class; `null` for tombstones, Java's `Void.class`). */
export type PayloadType = (abstract new (...args: never[]) => unknown) | null;

/** Templates chosen by the failed record's value type, in order; the first one is the default. */
export type TemplatesByPayloadType = ReadonlyMap<PayloadType, KafkaOperations>;

function isInstance(value: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  if (value instanceof type) return true;
  if (type === (Object as unknown)) return true;
  if (type === (String as unknown)) return typeof value === 'string';
  if (type === (Number as unknown)) return typeof value === 'number';
  if (type === (Boolean as unknown)) return typeof value === 'boolean';
  return false;
}

function typeNameOf(value: unknown): string {
  return typeof value === 'object' ? ((value as object).constructor?.name ?? 'Object') : typeof value;
}

/** Spring's message: the error's, plus the root cause's when that is a different error (GH-2671). */
function exceptionMessage(error: unknown, cause: unknown): string {
  const message = errorMessage(error);
  if (cause === error) return message;
  return `${message}; ${errorMessage(cause)}`;
}

/** Java's `TimestampType.toString()`. */
function javaTimestampType(type: TimestampType): string {
  switch (type) {
    case 'CREATE_TIME':
      return 'CreateTime';
    case 'LOG_APPEND_TIME':
      return 'LogAppendTime';
    default:
      return 'NoTimestampType';
  }
}

function toBytes(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new KafkaException(message)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
