import type { SendToMetadata } from '../../annotation/send-to.js';
import type { KafkaTemplate } from '../../core/kafka-template.js';
import { messageToRecord } from '../../core/message-to-record.js';
import { KafkaException } from '../../kafka-exception.js';
import { DEFAULT_REPLY_HEADER_NAMES, replyAddressOf, type ReplyAddress, type ReplyHeaderNames } from '../../requestreply/reply-headers.js';
import { isNestRequest, nestDisposedFlag, nestErrorValue, NestTransportHeaders } from '../../requestreply/nest-transport-headers.js';
import { rawBytesOf, type ConsumerRecord } from '../../support/consumer-record.js';
import { KafkaHeaders } from '../../support/kafka-headers.js';
import { defaultLogger, type Logger } from '../../support/logger.js';
import { Message, type MessageHeaders } from '../../support/message.js';
import { ProducerRecord, type ProducerRecordHeaders } from '../../support/producer-record.js';
import type { MessageListenerContainer } from '../message-listener-container.js';

/**
 * Builds and sends the replies of `@SendTo` listeners, as Spring's
 * `MessagingMessageListenerAdapter.handleResult`/`sendResponse`:
 *
 * - topic: the `@SendTo` topic (or the one its function returns), else the request's `kafka_replyTopic`;
 * - partition: the request's `kafka_replyPartition` when replying to its reply topic;
 * - key: the request's key (its bytes as received);
 * - headers: the request's `kafka_correlationId`.
 *
 * The three header names can be changed (`ReplyHeaderNames`, Spring's factory
 * `correlationHeaderName` and the template's `replyTopicHeaderName`/`replyPartitionHeaderName`);
 * a responder must use the names its requesters write.
 *
 * A request from a NestJS client (its `kafka_replyPartition` is a decimal string) also gets
 * Nest's `kafka_nest-is-disposed` on the reply, a null-valued reply when the listener returns
 * nothing, and `kafka_nest-err` on error replies, so the client's `send()` completes or fails.
 *
 * A returned `Message` keeps its own `kafka_topic`/`kafka_partitionId`/`kafka_messageKey`/
 * correlation headers and gets the defaults above only where it has none. An array is one
 * reply per element with `splitIterables` (Spring's default), each with the correlation id and
 * key; without it, one reply holding the array.
 * The reply is sent before the listener call counts as done: if it can't be sent, the record
 * fails like any listener failure.
 */
export class ListenerReplySender {
  private template: KafkaTemplate | undefined;
  private logger: Logger = defaultLogger();
  /** Resolves `${…}` in a `@SendTo` topic (KafkaApplication sets it from its properties). */
  private resolveTopic: (topic: string) => string = (topic) => topic;
  private headerNames: ReplyHeaderNames = DEFAULT_REPLY_HEADER_NAMES;

  constructor(
    private readonly description: () => string,
    /** `@KafkaListener({ splitIterables })`: an array result is one reply per element (default true). */
    private readonly splitIterables = true,
  ) {}

  setReplyTemplate(template: KafkaTemplate, logger?: Logger, resolveTopic?: (topic: string) => string, headerNames?: Partial<ReplyHeaderNames>): void {
    this.template = template;
    if (logger) this.logger = logger;
    if (resolveTopic) this.resolveTopic = resolveTopic;
    if (headerNames) this.headerNames = { ...DEFAULT_REPLY_HEADER_NAMES, ...definedOnly(headerNames) };
  }

  /** The `@SendTo` destination: its topic, or what its function returns; `null` when the function chose none. */
  private declaredTopic(sendTo: SendToMetadata, result: unknown, request: ConsumerRecord): string | null | undefined {
    if (sendTo.topic === undefined) return undefined;
    if (typeof sendTo.topic === 'string') return this.resolveTopic(sendTo.topic);
    const chosen = sendTo.topic(result, request);
    if (chosen === undefined || chosen === null) return null;
    if (typeof chosen !== 'string' || chosen.length === 0) throw new KafkaException(`@SendTo function of ${this.description()} returned ${String(chosen)}, not a topic name`);
    return chosen;
  }

  /** Where a reply goes: the declared topic, else (only when none is declared) the request's reply topic. */
  private replyTopic(sendTo: SendToMetadata, result: unknown, request: ConsumerRecord, address: ReplyAddress): string | undefined {
    const declared = this.declaredTopic(sendTo, result, request);
    if (declared === null) return undefined;
    return declared ?? address.replyTopic;
  }

  hasReplyTemplate(): boolean {
    return this.template !== undefined;
  }

  /**
   * Sends the listener's result as the reply; nothing for undefined/null, except a null reply
   * to a Nest request. An array is split into one reply per element with `splitIterables`.
   */
  async sendResult(result: unknown, request: ConsumerRecord, sendTo: SendToMetadata): Promise<void> {
    const nest = isNestRequest(request.headers);
    // A Nest client waits for a reply even when there is no value (Nest's server sends a null one).
    if ((result === undefined || result === null) && !(nest && sendTo.topic === undefined)) return;
    const address = replyAddressOf(request.headers, this.headerNames);
    const topic = this.replyTopic(sendTo, result, request, address);
    const elements = Array.isArray(result) && (this.splitIterables || result.some((element) => element instanceof Message)) ? result : [result];
    const records: ProducerRecord[] = [];
    for (const element of elements) {
      const record = element instanceof Message ? this.fromMessage(element, request, address, topic) : this.fromValue(element ?? null, request, address, topic);
      if (!record) {
        this.logger.debug(`No replyTopic to handle the reply of ${this.description()} for ${request}`);
        return;
      }
      if (nest && address.correlationId) record.headers[NestTransportHeaders.IS_DISPOSED] = nestDisposedFlag();
      records.push(record);
    }
    const template = this.requireTemplate();
    for (const record of records) await template.send(record);
  }

  /**
   * For a failed request (a record with a correlation id) of a listener with `errorReplies`:
   * sends an error reply and returns true (the failure is handled). False otherwise, or when
   * the error reply can't be sent; the failure then goes to the container's error handler.
   */
  async sendErrorReply(error: unknown, request: ConsumerRecord, sendTo: SendToMetadata): Promise<boolean> {
    if (!sendTo.errorReplies || !this.template) return false;
    const address = replyAddressOf(request.headers, this.headerNames);
    if (!address.correlationId) return false;
    let topic: string | undefined;
    try {
      topic = this.replyTopic(sendTo, undefined, request, address);
    } catch (topicError) {
      this.logger.error(`${this.description()} failed for ${request} and no reply topic could be chosen for its error reply`, topicError);
      return false;
    }
    if (!topic) return false;
    const failure = describeError(error);
    const headers: ProducerRecordHeaders = {
      [this.headerNames.correlation]: address.correlationId,
      [KafkaHeaders.EXCEPTION_FQCN]: failure.className,
      [KafkaHeaders.EXCEPTION_MESSAGE]: failure.message,
    };
    if (failure.causeClassName) headers[KafkaHeaders.EXCEPTION_CAUSE_FQCN] = failure.causeClassName;
    if (isNestRequest(request.headers)) headers[NestTransportHeaders.ERR] = nestErrorValue(failure.className, failure.message);
    const partition = topic === address.replyTopic ? address.replyPartition : undefined;
    try {
      await this.template.send(new ProducerRecord(topic, partition, undefined, keyOf(request), null, headers));
    } catch (sendError) {
      this.logger.error(`${this.description()} failed for ${request} and its error reply to ${topic} could not be sent`, sendError);
      return false;
    }
    this.logger.warn(`${this.description()} failed for request ${request}; sent an error reply to ${topic}: ${failure.className}: ${failure.message}`);
    return true;
  }

  private fromValue(value: unknown, request: ConsumerRecord, address: ReplyAddress, topic: string | undefined): ProducerRecord | undefined {
    if (!topic) return undefined;
    const headers: ProducerRecordHeaders = {};
    if (address.correlationId) headers[this.headerNames.correlation] = address.correlationId;
    const partition = topic === address.replyTopic ? address.replyPartition : undefined;
    return new ProducerRecord(topic, partition, undefined, keyOf(request), value, headers);
  }

  private fromMessage(message: Message, request: ConsumerRecord, address: ReplyAddress, replyTopic: string | undefined): ProducerRecord | undefined {
    const own = message.headers ?? {};
    const topic = text(own[KafkaHeaders.TOPIC]) ?? replyTopic;
    if (!topic) return undefined;
    const defaults: MessageHeaders = { [KafkaHeaders.TOPIC]: topic };
    if (address.correlationId) defaults[this.headerNames.correlation] = address.correlationId;
    if (topic === address.replyTopic && address.replyPartition !== undefined) defaults[KafkaHeaders.PARTITION] = address.replyPartition;
    const key = keyOf(request);
    if (key !== null) defaults[KafkaHeaders.KEY] = key;
    const headers = { ...defaults };
    for (const [name, value] of Object.entries(own)) if (value !== undefined && value !== null) headers[name] = value;
    return messageToRecord(new Message(message.payload, headers), undefined);
  }

  private requireTemplate(): KafkaTemplate {
    if (!this.template) throw new KafkaException(`${this.description()} has @SendTo but no reply template: a KafkaTemplate is required to support replies`);
    return this.template;
  }
}

/**
 * Gives the `@SendTo` listeners of a container the template their replies are sent with
 * (what Spring's container factory does with its `replyTemplate`); KafkaApplication passes
 * its KafkaTemplate. Returns whether the container's listener takes replies.
 */
export function configureReplyTemplate(container: MessageListenerContainer, template: KafkaTemplate, logger?: Logger, resolveTopic?: (topic: string) => string, headerNames?: Partial<ReplyHeaderNames>): boolean {
  const listener = container.containerProperties.messageListener as
    | { setReplyTemplate?: (t: KafkaTemplate, l?: Logger, r?: (topic: string) => string, n?: Partial<ReplyHeaderNames>) => void }
    | undefined;
  if (typeof listener?.setReplyTemplate !== 'function') return false;
  listener.setReplyTemplate(template, logger, resolveTopic, headerNames);
  return true;
}

function definedOnly(names: Partial<ReplyHeaderNames>): Partial<ReplyHeaderNames> {
  return Object.fromEntries(Object.entries(names).filter(([, value]) => typeof value === 'string' && value.length > 0));
}

/** The request's key as it arrived (bytes), so the reply lands on the same key whatever the deserializer did. */
function keyOf(request: ConsumerRecord): unknown {
  const raw = rawBytesOf(request)?.key;
  if (raw !== undefined && raw !== null) return raw;
  return request.key ?? null;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (Buffer.isBuffer(value) && value.length > 0) return value.toString('utf8');
  return undefined;
}

function describeError(error: unknown): { className: string; message: string; causeClassName: string | undefined } {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return { className: classNameOf(error), message: error.message, causeClassName: cause instanceof Error ? classNameOf(cause) : undefined };
  }
  return { className: 'Error', message: String(error), causeClassName: undefined };
}

function classNameOf(error: Error): string {
  const ctor = (error as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name.length > 0 ? ctor.name : error.name || 'Error';
}
