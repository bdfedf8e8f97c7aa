import type { KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import type { CircuitBreakerOptions } from '../listener/listener-circuit-breaker.js';
import type { KafkaListenerErrorHandler } from '../listener/kafka-listener-error-handler.js';
import type { TopicPartitionsOption } from '../listener/topic-partition-offset.js';
import type { PropertyPlaceholder } from '../autoconfigure/placeholder-resolver.js';

/**
 * The attributes of `@KafkaListener`, with Spring's names and meanings. `id`, `topics`,
 * `topicPattern`, `groupId`, `concurrency`, `autoStartup`, `containerFactory`, `clientIdPrefix`
 * and `properties` may hold `${name}`/`${name:default}` placeholders, resolved from the
 * application's properties when it is created (docs/configuration.md).
 */
export interface KafkaListenerOptions {
  /** Container id, for `app.listenerContainer(id)`; also the group id unless `groupId` is set (or `idIsGroup: false`). */
  id?: string;
  /** Topics to subscribe to. */
  topics?: string[];
  /**
   * Manual assignment, as Spring's `@TopicPartition`/`@PartitionOffset`:
   * `[{ topic, partitions: ['0', '2-4'], partitionOffsets: [{ partition: '1', initialOffset: -2, relativeToCurrent }] }]`.
   * Exclusive with `topics` and `topicPattern`; see docs/listeners.md for how it maps onto kafkajs.
   */
  topicPartitions?: TopicPartitionsOption[];
  /** Regex subscription, resolved against the topics that exist when the consumer starts. */
  topicPattern?: RegExp | string;
  /** Consumer group; defaults to `id`, then the consumer factory's, then `<Class>.<method>`. */
  groupId?: string;
  /** Use `id` as the group id when `groupId` is not set (default true). */
  idIsGroup?: boolean;
  /** Number of consumers; overrides the factory's. */
  concurrency?: number | PropertyPlaceholder;
  /** Start with the application (default: the factory's, true). */
  autoStartup?: boolean | PropertyPlaceholder;
  /** Deliver batches (one partition's share of a fetch) instead of records; overrides the factory's. */
  batch?: boolean;
  /** A container factory by name (default `kafkaListenerContainerFactory`), or a factory. */
  containerFactory?: string | KafkaListenerContainerFactory;
  /** Consumer settings for this listener: kafkajs names, or Kafka's `'key=value'` strings. */
  properties?: KafkaConsumerOverrides;
  /** Client id prefix; `-n` is appended per consumer. */
  clientIdPrefix?: string;
  /** Static value for the `kafka_listenerInfo` header. */
  info?: string;
  /**
   * An opossum circuit breaker around the listener: while it is open the consumers are paused
   * and records wait (none is skipped or dead-lettered); see docs/error-handling.md.
   */
  circuitBreaker?: CircuitBreakerOptions;
  /**
   * A `KafkaListenerErrorHandler` called when the listener fails, before the container's error
   * handler: by bean name (resolved from the application's container, as Spring's bean name),
   * by class, or an instance. Its return value becomes the `@SendTo` reply; throwing passes the
   * failure on to the container's error handler (docs/error-handling.md).
   */
  errorHandler?: string | KafkaListenerErrorHandler | (abstract new (...args: never[]) => KafkaListenerErrorHandler);
  /**
   * With `@SendTo`, an array result is sent as one reply per element (default true, as Spring's
   * `splitIterables`); false sends one reply holding the array. Arrays of `Message`s are always split.
   */
  splitIterables?: boolean;
}
