import type { KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { PayloadConverter } from '../support/converter/payload-converter.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { GenericMessageListener } from '../listener/message-listener.js';
import type { CommonErrorHandler } from '../listener/common-error-handler.js';
import type { CircuitBreakerOptions } from '../listener/listener-circuit-breaker.js';
import type { KafkaListenerErrorHandler } from '../listener/kafka-listener-error-handler.js';
import type { TopicPartitionOffset } from '../listener/topic-partition-offset.js';

/** What a listener endpoint needs from the factory to build its listener. */
export interface MessageListenerSettings {
  readonly batch: boolean;
  readonly groupId: string;
  readonly converter: PayloadConverter;
  readonly typeMappings: Readonly<Record<string, ClassType>>;
}

/**
 * A listener and its subscription, as Spring's `KafkaListenerEndpoint`: what a container
 * factory turns into a container. Unset values fall back to the factory's.
 */
export interface KafkaListenerEndpoint {
  readonly id: string;
  /** The group id from the annotation (`groupId`, or `id` as the group). */
  readonly groupId?: string;
  /** Used when neither the endpoint nor the consumer factory names a group. */
  readonly defaultGroupId?: string;
  readonly topics: readonly string[];
  readonly topicPattern?: RegExp;
  /** Manual assignment (`@KafkaListener({ topicPartitions })`); `topics` then lists their topics. */
  readonly topicPartitions?: readonly TopicPartitionOffset[];
  readonly concurrency?: number;
  readonly autoStartup?: boolean;
  readonly batchListener?: boolean;
  readonly consumerProperties?: KafkaConsumerOverrides;
  readonly clientIdPrefix?: string;
  readonly listenerInfo?: string;
  /** An opossum circuit breaker around the listener (`@KafkaListener({ circuitBreaker })`). */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /** Replaces the factory's error handler for this endpoint's container (retry-topic chains use it). */
  readonly commonErrorHandler?: CommonErrorHandler;
  /** `@KafkaListener({ errorHandler })`, resolved: called inside the listener call before the container's error handler. */
  readonly listenerErrorHandler?: KafkaListenerErrorHandler;
  /** `@KafkaListener({ splitIterables })`: an array returned to `@SendTo` is one reply per element (default true). */
  readonly splitIterables?: boolean;
  createMessageListener(settings: MessageListenerSettings): GenericMessageListener;
}

/** The plain-data part of an endpoint. */
export type EndpointSettings = Omit<KafkaListenerEndpoint, 'createMessageListener'>;
