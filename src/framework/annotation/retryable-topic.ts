import 'reflect-metadata';
import type { KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import type { ErrorClass } from '../listener/exception-classifier.js';
import type { KafkaOperations } from '../core/kafka-operations.js';
import type { DltStrategy } from '../retrytopic/dlt-strategy.js';
import type { SameIntervalTopicReuseStrategy } from '../retrytopic/same-interval-topic-reuse-strategy.js';
import type { TopicSuffixingStrategy } from '../retrytopic/topic-suffixing-strategy.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';

/**
 * The delay between attempts, as spring-retry's `@Backoff` (which `@RetryableTopic` uses):
 * `multiplier > 0` gives exponential delays from `delay` (capped at `maxDelay` when it is
 * larger than `delay`, else at 30000 ms), `random` adds jitter to them; without a multiplier,
 * `maxDelay > delay` gives uniformly random delays between the two; otherwise every attempt
 * waits `delay`.
 */
export interface RetryableTopicBackOff {
  /** First (or every) delay in ms (default 1000). 0 means no delay. */
  delay?: number;
  /** Growth factor of the delays (default 0: fixed delays). */
  multiplier?: number;
  /** Upper bound of the delays (default 0: 30000 ms for exponential delays). */
  maxDelay?: number;
  /** Jitter for exponential delays (default false). Drawn once at start-up, as in Spring, so retry-topic names change between runs unless they are suffixed with indexes. */
  random?: boolean;
}

/** The attributes of `@RetryableTopic`, with Spring 3.3's names and defaults. */
export interface RetryableTopicOptions {
  /** Deliveries in total, the first included (default 3). */
  attempts?: number;
  /** Default: a fixed 1000 ms. */
  backoff?: RetryableTopicBackOff;
  /** Ms since the record's original timestamp after which a failure goes to the DLT rather than the next retry topic (default: none). */
  timeout?: number;
  /** The template retried records are published with: a bean name or one (default: the application's KafkaTemplate). */
  kafkaTemplate?: string | KafkaOperations;
  /** The container factory of the retry and DLT containers (default: the `@KafkaListener`'s). */
  listenerContainerFactory?: string | KafkaListenerContainerFactory;
  /** Create the main, retry and DLT topics on start (default true). */
  autoCreateTopics?: boolean;
  /** Partitions of the topics created (default 1). */
  numPartitions?: number;
  /** Replication factor of the topics created (default -1: the broker's default). */
  replicationFactor?: number;
  /** Only these failures go to the retry topics (the others straight to the DLT). */
  include?: ErrorClass[];
  /** These failures go straight to the DLT. */
  exclude?: ErrorClass[];
  /** As `include`, by class name. */
  includeNames?: string[];
  /** As `exclude`, by class name. */
  excludeNames?: string[];
  /** Look for `include`/`exclude` classes among the causes too (default false, which is what Spring's code does whatever its javadoc says). */
  traversingCauses?: boolean;
  /** Default `-retry`. */
  retryTopicSuffix?: string;
  /** Default `-dlt`. */
  dltTopicSuffix?: string;
  /**
   * Spring's `exceptionBasedDltRouting` (`@ExceptionBasedDltDestination`): a record that fails
   * with one of `exceptions` (the error itself or its cause) goes to `<topic><suffix><dltTopicSuffix>`
   * (`orders-invalid-dlt`) instead of the DLT. Each such topic is created and consumed like the
   * DLT (by the `@DltHandler`). Rules are tried in order; the plain DLT takes the rest.
   */
  exceptionBasedDltRouting?: { suffix: string; exceptions: ErrorClass[] }[];
  /** Default SUFFIX_WITH_DELAY_VALUE. */
  topicSuffixingStrategy?: TopicSuffixingStrategy;
  /** Default SINGLE_TOPIC. */
  sameIntervalTopicReuseStrategy?: SameIntervalTopicReuseStrategy;
  /** Default ALWAYS_RETRY_ON_ERROR. */
  dltStrategy?: DltStrategy;
  /** Overrides autoStartup for the DLT container only. */
  autoStartDltHandler?: boolean;
  /** Consumers of the retry and DLT containers (default: the main container's). */
  concurrency?: number;
}

const RETRYABLE_TOPIC = Symbol.for('streamwright:retryableTopic');

/**
 * Non-blocking retries for a `@KafkaListener`, as Spring's `@RetryableTopic`: a failed record
 * is published to a retry topic and consumed again when its delay has passed (by pausing only
 * the partition that holds it), while the main topic moves on; after the last attempt it goes
 * to the dead-letter topic, handled by the class's `@DltHandler` method. Topic names and
 * defaults are Spring 3.3's: `orders`, `orders-retry`, `orders-dlt` by default;
 * `orders-retry-1000`, `orders-retry-2000`, ... with exponential delays. Works for batch
 * listeners too. Put it on the `@KafkaListener` method (or on a class-level `@KafkaListener`'s class).
 */
export function RetryableTopic(options: RetryableTopicOptions = {}): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol) => {
    if (propertyKey === undefined) Reflect.defineMetadata(RETRYABLE_TOPIC, { ...options }, target);
    else Reflect.defineMetadata(RETRYABLE_TOPIC, { ...options }, target, propertyKey);
  }) as ClassDecorator & MethodDecorator;
}

/** The `@RetryableTopic` of a listener method (or, without a method, of a class). */
export function retryableTopicOf(type: ClassType, method?: string | symbol): RetryableTopicOptions | undefined {
  return method === undefined
    ? (Reflect.getMetadata(RETRYABLE_TOPIC, type) as RetryableTopicOptions | undefined)
    : (Reflect.getMetadata(RETRYABLE_TOPIC, type.prototype, method) as RetryableTopicOptions | undefined);
}
