import type { ProducerFactory } from '../core/producer-factory.js';
import type { KafkaTemplate } from '../core/kafka-template.js';
import { KafkaException } from '../kafka-exception.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import { ConsumerRecord } from '../support/consumer-record.js';
import { recordMessageHeaders } from '../support/converter/messaging-message-converter.js';
import { Message } from '../support/message.js';
import type { ProducerRecord } from '../support/producer-record.js';
import { RecordHeaders } from '../support/record-headers.js';
import { AbstractReplyingKafkaTemplate, isMessageRequest, type PendingRequest, type ReplyingKafkaTemplateOptions, type RequestRecord, type RequestReplyOptions } from './replying-kafka-template.js';

/** The topic of the record an aggregated result arrives in (Spring's `AGGREGATED_RESULTS_TOPIC`). */
export const AGGREGATED_RESULTS_TOPIC = 'aggregatedResults';
/** The same, for partial results released by a timeout. */
export const PARTIAL_RESULTS_AFTER_TIMEOUT_TOPIC = 'partialResultsAfterTimeout';

/**
 * Decides when the replies gathered so far are complete, as Spring's release strategy
 * `BiPredicate<List<ConsumerRecord>, Boolean>`: called after each reply with `timedOut`
 * false and, with `returnPartialOnTimeout`, once more at the timeout with `timedOut` true.
 */
export type ReleaseStrategy<K = unknown, R = unknown> = (replies: readonly ConsumerRecord<K, R>[], timedOut: boolean) => boolean;

export interface AggregatingReplyingKafkaTemplateOptions<K, V, R> extends ReplyingKafkaTemplateOptions<K, V> {
  /**
   * A {@link ReleaseStrategy}, or a count: release once that many replies arrived (and, at a
   * timeout with `returnPartialOnTimeout`, release whatever arrived if anything did).
   */
  releaseStrategy: ReleaseStrategy<K, R> | number;
  /** At the timeout, ask the strategy again (`timedOut` true) and resolve with what arrived if it agrees (default false). */
  returnPartialOnTimeout?: boolean;
}

/**
 * Scatter-gather, as Spring's `AggregatingReplyingKafkaTemplate`: one request, read by
 * several listener groups, each replying with the same correlation id; the replies are
 * gathered (de-duplicated by topic/partition/offset) until the release strategy says so. The
 * request then resolves with a synthetic record on topic `aggregatedResults` (or
 * `partialResultsAfterTimeout`) whose value is the list of reply records, each converted as
 * `replyType` says.
 *
 * Unlike `ReplyingKafkaTemplate`, an error reply does not fail the request: it is gathered like
 * any other (check each with `RemoteListenerError.fromReply(reply)`), since one failing
 * responder shouldn't sink the others' answers.
 */
export class AggregatingReplyingKafkaTemplate<K = unknown, V = unknown, R = unknown> extends AbstractReplyingKafkaTemplate<K, V> {
  readonly returnPartialOnTimeout: boolean;
  readonly #releaseStrategy: ReleaseStrategy<K, R>;
  readonly #seen = new Map<string, Set<string>>();

  constructor(producerFactory: ProducerFactory | KafkaTemplate<K, V>, replyContainer: MessageListenerContainer, options: AggregatingReplyingKafkaTemplateOptions<K, V, R>) {
    super(producerFactory, replyContainer, options);
    const strategy = options?.releaseStrategy;
    if (typeof strategy === 'number') {
      if (!Number.isInteger(strategy) || strategy < 1) throw new KafkaException(`releaseStrategy: a count must be a positive integer, got ${strategy}`);
      this.#releaseStrategy = (replies, timedOut) => (timedOut ? replies.length > 0 : replies.length >= strategy);
    } else if (typeof strategy === 'function') {
      this.#releaseStrategy = strategy;
    } else {
      throw new KafkaException('AggregatingReplyingKafkaTemplate needs a releaseStrategy (a count or a function)');
    }
    this.returnPartialOnTimeout = options.returnPartialOnTimeout ?? false;
  }

  /** Sends a `Message` and resolves with a `Message` whose payload is the list of replies, each converted to `replyType`. */
  sendAndReceive<T = R>(message: Message<V>, options?: RequestReplyOptions<T>): Promise<Message<ConsumerRecord<K, T>[]>>;
  /** Sends a record and resolves with a record (topic `aggregatedResults`) whose value is the list of replies, each converted to `replyType`. */
  sendAndReceive<T = R>(record: ProducerRecord<K, V> | RequestRecord<K, V>, options?: RequestReplyOptions<T>): Promise<ConsumerRecord<null, ConsumerRecord<K, T>[]>>;
  async sendAndReceive<T = R>(request: Message<V> | ProducerRecord<K, V> | RequestRecord<K, V>, options: RequestReplyOptions<T> = {}): Promise<unknown> {
    const aggregated = await this.request(request, options as RequestReplyOptions);
    return isMessageRequest(request) ? new Message(aggregated.value, recordMessageHeaders(aggregated)) : aggregated;
  }

  protected override handleReply(key: string, pending: PendingRequest, record: ConsumerRecord): void {
    const id = `${record.topic}-${record.partition}@${record.offset}`;
    const seen = this.#seen.get(key) ?? new Set<string>();
    this.#seen.set(key, seen);
    if (seen.has(id)) {
      this.replyLogger.debug(`Duplicate reply ${record} for ${pending.description} ignored`);
      return;
    }
    seen.add(id);
    let converted: ConsumerRecord;
    try {
      converted = this.convertReply(record, pending.replyType);
    } catch (error) {
      this.#finish(key);
      pending.reject(error);
      return;
    }
    pending.replies.push(converted);
    if (this.#release(pending, false)) {
      this.#finish(key);
      pending.resolve(this.#aggregate(AGGREGATED_RESULTS_TOPIC, pending));
    }
  }

  protected override handleTimeout(key: string, pending: PendingRequest): boolean {
    this.#seen.delete(key);
    if (!this.returnPartialOnTimeout || !this.#release(pending, true)) return false;
    pending.resolve(this.#aggregate(PARTIAL_RESULTS_AFTER_TIMEOUT_TOPIC, pending));
    return true;
  }

  #release(pending: PendingRequest, timedOut: boolean): boolean {
    try {
      return this.#releaseStrategy(pending.replies as ConsumerRecord<K, R>[], timedOut);
    } catch (error) {
      this.replyLogger.error(`Release strategy failed for ${pending.description}`, error);
      return false;
    }
  }

  #finish(key: string): void {
    this.#seen.delete(key);
    this.settle(key, 'completed');
  }

  #aggregate(topic: string, pending: PendingRequest): ConsumerRecord {
    return new ConsumerRecord({
      topic,
      partition: 0,
      offset: 0,
      key: null,
      value: [...pending.replies],
      headers: new RecordHeaders([{ key: this.headerNames.correlation, value: pending.correlation.bytes }]),
    });
  }
}
