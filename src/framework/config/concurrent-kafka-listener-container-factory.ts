import { parseConsumerOverrides, type ConsumerSettings, type KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { ConsumerFactory } from '../core/consumer-factory.js';
import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { KafkaException } from '../kafka-exception.js';
import type { RecordFilterStrategy } from '../listener/adapter/record-filter-strategy.js';
import type { CommonErrorHandler } from '../listener/common-error-handler.js';
import { ConcurrentMessageListenerContainer } from '../listener/concurrent-message-listener-container.js';
import { ContainerProperties, type ContainerPropertiesInit } from '../listener/container-properties.js';
import type { BatchInterceptor, RecordInterceptor } from '../listener/record-interceptor.js';
import type { ListenerObserver, ListenerWrapper } from '../listener/listener-observer.js';
import { PayloadConverter } from '../support/converter/payload-converter.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { ReplyHeaderNames } from '../requestreply/reply-headers.js';
import type { KafkaListenerContainerFactory } from './kafka-listener-container-factory.js';
import type { KafkaListenerEndpoint } from './kafka-listener-endpoint.js';

export interface ConcurrentKafkaListenerContainerFactoryOptions {
  /** Default: the application's consumer factory. */
  consumerFactory?: ConsumerFactory;
  /** Template for every container's properties (ackMode, ackCount, ackTime, syncCommits, idleEventInterval...). */
  containerProperties?: ContainerPropertiesInit;
  /**
   * Consumer settings for this factory's containers, over the consumer factory's (kafkajs names
   * or Kafka `key=value` strings); `@KafkaListener({ properties })` overrides them in turn.
   */
  consumerConfig?: KafkaConsumerOverrides;
  /** Consumers per container (default 1); `@KafkaListener({ concurrency })` overrides. */
  concurrency?: number;
  /** Start containers with the application (default true). */
  autoStartup?: boolean;
  /** Batch listeners by default (default false). */
  batchListener?: boolean;
  /** Default: a DefaultErrorHandler per container. */
  commonErrorHandler?: CommonErrorHandler;
  recordInterceptor?: RecordInterceptor;
  batchInterceptor?: BatchInterceptor;
  recordFilterStrategy?: RecordFilterStrategy;
  /** Called with each container the factory creates, before it starts. */
  containerCustomizer?: (container: ConcurrentMessageListenerContainer) => void;
  /** Type-id aliases for class-level listener dispatch (as JsonSerializer's `typeMappings`). */
  typeMappings?: Record<string, ClassType>;
  payloadConverter?: PayloadConverter;
  applicationEventPublisher?: ApplicationEventPublisher;
  logger?: Logger;
  /**
   * The header `@SendTo` listeners read the correlation id from and echo it in (Spring's
   * factory `correlationHeaderName`; default `kafka_correlationId`). Set it to the requesters'
   * `ReplyingKafkaTemplate` `correlationHeaderName`.
   */
  correlationHeaderName?: string;
  /** The request header `@SendTo()` takes the reply topic from (default `kafka_replyTopic`), as the template's `replyTopicHeaderName`. */
  replyTopicHeaderName?: string;
  /** The request header the reply partition is taken from (default `kafka_replyPartition`), as the template's `replyPartitionHeaderName`. */
  replyPartitionHeaderName?: string;
}

/**
 * Builds {@link ConcurrentMessageListenerContainer}s, as Spring's
 * `ConcurrentKafkaListenerContainerFactory`. Settings left out are filled in by
 * KafkaApplication (consumer factory, event publisher, logger).
 */
export class ConcurrentKafkaListenerContainerFactory implements KafkaListenerContainerFactory<ConcurrentMessageListenerContainer> {
  consumerFactory: ConsumerFactory | undefined;
  readonly containerProperties: ContainerProperties;
  readonly consumerConfig: ConsumerSettings;
  concurrency: number | undefined;
  autoStartup: boolean;
  batchListener: boolean;
  commonErrorHandler: CommonErrorHandler | undefined;
  recordInterceptor: RecordInterceptor | undefined;
  batchInterceptor: BatchInterceptor | undefined;
  recordFilterStrategy: RecordFilterStrategy | undefined;
  containerCustomizer: ((container: ConcurrentMessageListenerContainer) => void) | undefined;
  typeMappings: Record<string, ClassType>;
  payloadConverter: PayloadConverter;
  applicationEventPublisher: ApplicationEventPublisher | undefined;
  /** Metrics, health and tracing; KafkaApplication sets its own. */
  listenerObserver: ListenerObserver | ListenerWrapper | undefined;
  logger: Logger | undefined;
  /** The request/reply header names its containers' `@SendTo` listeners use. */
  readonly replyHeaderNames: Partial<ReplyHeaderNames>;

  constructor(options: ConcurrentKafkaListenerContainerFactoryOptions = {}) {
    this.consumerFactory = options.consumerFactory;
    this.containerProperties = new ContainerProperties(options.containerProperties);
    this.consumerConfig = parseConsumerOverrides(options.consumerConfig, options.logger);
    this.concurrency = options.concurrency;
    this.autoStartup = options.autoStartup ?? true;
    this.batchListener = options.batchListener ?? false;
    this.commonErrorHandler = options.commonErrorHandler;
    this.recordInterceptor = options.recordInterceptor;
    this.batchInterceptor = options.batchInterceptor;
    this.recordFilterStrategy = options.recordFilterStrategy;
    this.containerCustomizer = options.containerCustomizer;
    this.typeMappings = options.typeMappings ?? {};
    this.payloadConverter = options.payloadConverter ?? new PayloadConverter();
    this.applicationEventPublisher = options.applicationEventPublisher;
    this.logger = options.logger;
    this.replyHeaderNames = { correlation: options.correlationHeaderName, replyTopic: options.replyTopicHeaderName, replyPartition: options.replyPartitionHeaderName };
  }

  /** Fills in what the application provides; values set explicitly win. */
  applyDefaults(defaults: { consumerFactory: ConsumerFactory; applicationEventPublisher: ApplicationEventPublisher; logger: Logger; listenerObserver?: ListenerObserver | ListenerWrapper }): void {
    this.listenerObserver ??= defaults.listenerObserver;
    this.consumerFactory ??= defaults.consumerFactory;
    this.applicationEventPublisher ??= defaults.applicationEventPublisher;
    this.logger ??= defaults.logger;
  }

  createListenerContainer(endpoint: KafkaListenerEndpoint): ConcurrentMessageListenerContainer {
    const consumerFactory = this.requireConsumerFactory();
    const batch = endpoint.batchListener ?? this.batchListener;
    const consumerSettings = this.consumerSettings(endpoint.consumerProperties);
    const groupId = endpoint.groupId ?? this.containerProperties.groupId ?? consumerSettings.groupId ?? consumerFactory.configurationProperties.groupId ?? endpoint.defaultGroupId;
    if (!groupId) throw new KafkaException(`No group id for listener ${endpoint.id}: set groupId (or id) on @KafkaListener, or groupId in the consumer config`);
    const listener = endpoint.createMessageListener({ batch, groupId, converter: this.payloadConverter, typeMappings: this.typeMappings });
    const properties = this.containerProperties.with({
      topics: [...endpoint.topics],
      topicPartitions: endpoint.topicPartitions,
      topicPattern: endpoint.topicPattern,
      groupId,
      clientId: endpoint.clientIdPrefix,
      kafkaConsumerProperties: consumerSettings,
      messageListener: listener,
      circuitBreaker: endpoint.circuitBreaker,
    });
    return this.build(properties, endpoint.id, endpoint.concurrency, endpoint.commonErrorHandler);
  }

  createContainer(...topics: string[]): ConcurrentMessageListenerContainer {
    this.requireConsumerFactory();
    const consumerSettings = this.consumerSettings(undefined);
    return this.build(this.containerProperties.with({ topics, groupId: this.containerProperties.groupId ?? consumerSettings.groupId, kafkaConsumerProperties: consumerSettings }), undefined, undefined);
  }

  /** Factory settings, then the container template's, then the listener's own. */
  private consumerSettings(endpointProperties: KafkaConsumerOverrides | undefined): ConsumerSettings {
    const logger = this.logger ?? defaultLogger();
    return {
      ...this.consumerConfig,
      ...parseConsumerOverrides(this.containerProperties.kafkaConsumerProperties, logger),
      ...parseConsumerOverrides(endpointProperties, logger),
    };
  }

  private build(properties: ContainerProperties, id: string | undefined, concurrency: number | undefined, commonErrorHandler?: CommonErrorHandler): ConcurrentMessageListenerContainer {
    const container = new ConcurrentMessageListenerContainer(this.consumerFactory!, properties, {
      listenerId: id,
      concurrency: concurrency ?? this.concurrency,
      commonErrorHandler: commonErrorHandler ?? this.commonErrorHandler,
      recordInterceptor: this.recordInterceptor,
      batchInterceptor: this.batchInterceptor,
      recordFilterStrategy: this.recordFilterStrategy,
      applicationEventPublisher: this.applicationEventPublisher,
      listenerObserver: this.listenerObserver,
      logger: this.logger ?? defaultLogger(),
    });
    this.containerCustomizer?.(container);
    return container;
  }

  private requireConsumerFactory(): ConsumerFactory {
    if (!this.consumerFactory) throw new KafkaException('ConcurrentKafkaListenerContainerFactory needs a consumerFactory (KafkaApplication provides one)');
    return this.consumerFactory;
  }
}
