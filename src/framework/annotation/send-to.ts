import 'reflect-metadata';
import { KafkaException } from '../kafka-exception.js';
import type { ConsumerRecord } from '../support/consumer-record.js';

/**
 * Chooses the reply topic at run time from the listener's result and the request, what
 * Spring's `@SendTo("!{...}")` expressions do (root `result`, `request`). Returning
 * `undefined` or `null` sends no reply, as a Spring expression that evaluates to null.
 */
export type ReplyTopicFunction = (result: unknown, request: ConsumerRecord) => string | null | undefined;

const SEND_TO = Symbol.for('streamwright:sendTo');

export interface SendToOptions {
  /**
   * When the listener fails for a request (a record carrying `kafka_correlationId`), send an
   * error reply with `kafka_exception-fqcn` and `kafka_exception-message`, so the requester's
   * `sendAndReceive` rejects at once with a `RemoteListenerError`; the record then counts as
   * handled (it is not retried: the requester already has its answer). Default true. With
   * false, the failure goes to the container's error handler like any listener's, and the
   * requester times out. Records without a correlation id always go to the error handler.
   */
  errorReplies?: boolean;
}

/** What `@SendTo` declared. */
export interface SendToMetadata {
  /** The static reply topic or a function choosing one; undefined replies to the request's reply-topic header. */
  readonly topic: string | ReplyTopicFunction | undefined;
  readonly errorReplies: boolean;
}

/**
 * Sends the listener's return value (or resolved promise) as a reply, as Spring's `@SendTo`:
 *
 * - `@SendTo()`: to the request's `kafka_replyTopic` (and `kafka_replyPartition`, a 4-byte
 *   big-endian int or, as NestJS writes it, a decimal string); no reply topic, no reply.
 * - `@SendTo('topic')`: to that topic.
 * - `@SendTo((result, request) => topic)`: to the topic the function returns for this result
 *   and request (Spring's `!{...}` expressions); `undefined`/`null` sends nothing.
 *
 * The reply carries the request's `kafka_correlationId` and key. Returning `undefined` or
 * `null` sends nothing; returning a `Message` lets its headers (`kafka_topic`,
 * `kafka_partitionId`, `kafka_messageKey`, others) override those defaults. On a class-level
 * `@KafkaListener`, it applies to every `@KafkaHandler` without its own. Record listeners only.
 */
export function SendTo(topic?: string | ReplyTopicFunction, options?: SendToOptions): ClassDecorator & MethodDecorator;
export function SendTo(options: SendToOptions): ClassDecorator & MethodDecorator;
export function SendTo(topicOrOptions?: string | ReplyTopicFunction | SendToOptions, maybeOptions: SendToOptions = {}): ClassDecorator & MethodDecorator {
  const topic = typeof topicOrOptions === 'string' || typeof topicOrOptions === 'function' ? topicOrOptions : undefined;
  const options = typeof topicOrOptions === 'object' && topicOrOptions !== null ? topicOrOptions : maybeOptions;
  if (topicOrOptions !== undefined && typeof topicOrOptions === 'string' && topicOrOptions.trim() === '') {
    throw new KafkaException('@SendTo(topic): the topic must not be empty (use @SendTo() to reply to the request\'s reply topic)');
  }
  const metadata: SendToMetadata = { topic, errorReplies: options.errorReplies ?? true };
  return ((target: object, propertyKey?: string | symbol) => {
    if (propertyKey === undefined) Reflect.defineMetadata(SEND_TO, metadata, target);
    else Reflect.defineMetadata(SEND_TO, metadata, target, propertyKey);
  }) as ClassDecorator & MethodDecorator;
}

/** The `@SendTo` of a listener method: the method's own, else its class's (along the prototype chain). */
export function sendToOf(bean: object, method: string | symbol): SendToMetadata | undefined {
  const prototype = Object.getPrototypeOf(bean) as object;
  return (Reflect.getMetadata(SEND_TO, prototype, method) as SendToMetadata | undefined) ?? (Reflect.getMetadata(SEND_TO, prototype.constructor) as SendToMetadata | undefined);
}
