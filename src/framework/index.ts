// The framework's public API (re-exported by the `streamwright` entry point), grouped the way
// Spring for Apache Kafka's packages are.
import 'reflect-metadata';

export { KafkaException } from './kafka-exception.js';

// annotation
export { KafkaListener } from './annotation/kafka-listener.js';
export type { KafkaListenerOptions } from './annotation/kafka-listener-options.js';
export { KafkaHandler } from './annotation/kafka-handler.js';
export { Payload, type PayloadOptions } from './annotation/payload.js';
export { Header, Headers } from './annotation/header.js';
export { RetryableTopic, type RetryableTopicOptions, type RetryableTopicBackOff } from './annotation/retryable-topic.js';
export { DltHandler } from './annotation/dlt-handler.js';
export { SendTo, type SendToOptions, type ReplyTopicFunction } from './annotation/send-to.js';

// autoconfigure (streamwright.kafka.* properties, docs/configuration.md)
export type { ConfigOptions } from './autoconfigure/streamwright-environment.js';
export { StreamwrightEnvironment } from './autoconfigure/streamwright-environment.js';
export { InvalidConfigurationException, type ConfigurationProblem } from './autoconfigure/invalid-configuration-exception.js';
export { KAFKA_PROPERTIES, type KafkaPropertyDefinition } from './autoconfigure/kafka-property-catalog.js';
export type { PropertyPlaceholder } from './autoconfigure/placeholder-resolver.js';

// config
export { TopicBuilder, NewTopicBuilder, type NewTopic } from './config/topic-builder.js';
export { ConcurrentKafkaListenerContainerFactory, type ConcurrentKafkaListenerContainerFactoryOptions } from './config/concurrent-kafka-listener-container-factory.js';
export { DEFAULT_CONTAINER_FACTORY_NAME, type KafkaListenerContainerFactory } from './config/kafka-listener-container-factory.js';
export type { KafkaListenerEndpoint, EndpointSettings, MessageListenerSettings } from './config/kafka-listener-endpoint.js';
export { MethodKafkaListenerEndpoint } from './config/method-kafka-listener-endpoint.js';
export { MultiMethodKafkaListenerEndpoint } from './config/multi-method-kafka-listener-endpoint.js';
export { KafkaListenerEndpointRegistry } from './config/kafka-listener-endpoint-registry.js';

// core
export { KafkaTemplate, type KafkaTemplateOptions } from './core/kafka-template.js';
export type { KafkaOperations, SendBytesOptions } from './core/kafka-operations.js';
export { DEFAULT_PARTITION_INFO_MAX_AGE, type PartitionInfo } from './core/partition-info.js';
export { ProducerFactory, DefaultKafkaProducerFactory, type DefaultKafkaProducerFactoryOptions, type ProducerSendOptions } from './core/producer-factory.js';
export { ConsumerFactory, DefaultKafkaConsumerFactory, type DefaultKafkaConsumerFactoryOptions, type CreatedConsumer } from './core/consumer-factory.js';
export { parseConsumerOverrides, type ConsumerSettings, type KafkaConsumerOverrides } from './core/consumer-config.js';
export { KafkaAdmin, type KafkaAdminOptions, type TopicDescription } from './core/kafka-admin.js';
export { KafkaProducerException } from './core/kafka-producer-exception.js';
export { LoggingProducerListener, type ProducerListener } from './core/producer-listener.js';
export { CompositeProducerInterceptor, type ProducerInterceptor } from './core/producer-interceptor.js';
export { RoutingKafkaTemplate, type RoutingTemplateRoutes } from './core/routing-kafka-template.js';

// listener
export { AckMode } from './listener/ack-mode.js';
export { ContainerProperties, type ContainerPropertiesInit, type OffsetCommitCallback } from './listener/container-properties.js';
export type { MessageListenerContainer } from './listener/message-listener-container.js';
export { KafkaMessageListenerContainer, type KafkaMessageListenerContainerOptions, type ListenerContainerCollaborators } from './listener/kafka-message-listener-container.js';
export { ConcurrentMessageListenerContainer, type ConcurrentMessageListenerContainerOptions } from './listener/concurrent-message-listener-container.js';
export type { MessageListener, BatchMessageListener, GenericMessageListener, MessageListenerFunction } from './listener/message-listener.js';
export type { ContainerConsumer } from './listener/container-consumer.js';
export type { CommonErrorHandler } from './listener/common-error-handler.js';
export { DefaultErrorHandler, type DefaultErrorHandlerOptions, type ConsumerRecordRecoverer } from './listener/default-error-handler.js';
export { CommonDelegatingErrorHandler } from './listener/common-delegating-error-handler.js';
export { CommonLoggingErrorHandler } from './listener/common-logging-error-handler.js';
export { CommonContainerStoppingErrorHandler } from './listener/common-container-stopping-error-handler.js';
export { CommonMixedErrorHandler } from './listener/common-mixed-error-handler.js';
export type { KafkaListenerErrorHandler, ConsumerAwareListenerErrorHandler, ManualAckListenerErrorHandler } from './listener/kafka-listener-error-handler.js';
export { AbstractConsumerSeekAware, type ConsumerSeekAware, type ConsumerSeekCallback } from './listener/consumer-seek-aware.js';
export type { TopicPartitionOffset, TopicPartitionsOption, PartitionOffsetOption, SeekPosition } from './listener/topic-partition-offset.js';
export { MethodArgumentNotValidException, type PayloadConstraintViolation } from './support/converter/method-argument-not-valid-exception.js';
export { ExceptionClassifier, defaultFatalExceptions, type ErrorClass } from './listener/exception-classifier.js';
export { FailedRecordTracker } from './listener/failed-record-tracker.js';
export type { RetryListener } from './listener/retry-listener.js';
export { ContainerPausingBackOffHandler, DefaultBackOffHandler, type BackOffHandler, type PartitionBackOffContainer } from './listener/back-off-handler.js';
export {
  DeadLetterPublishingRecoverer,
  HeadersToAdd,
  DLT_HEADER_NAMES,
  RETRY_TOPIC_HEADER_NAMES,
  type DeadLetterPublishingRecovererOptions,
  type DestinationResolver,
  type HeadersFunction,
  type HeaderNames,
  type DeadLetterHeader,
  type DeadLetterRecord,
  type ExceptionHeadersCreator,
  type PayloadType,
  type TemplatesByPayloadType,
} from './listener/dead-letter-publishing-recoverer.js';
export { KafkaBackoffException } from './listener/kafka-backoff-exception.js';
export { TimestampedException } from './listener/timestamped-exception.js';
export {
  ListenerCircuitBreaker,
  CircuitBreakerOpenException,
  ListenerCircuitBreakerOpenedEvent,
  ListenerCircuitBreakerHalfOpenEvent,
  ListenerCircuitBreakerClosedEvent,
  type CircuitBreakerOptions,
  type CircuitBreakerState,
  type CircuitBreakerStats,
} from './listener/listener-circuit-breaker.js';
export { findRootCause, bigIntegerBytes, readBigInteger } from './listener/error-handling-utils.js';
export { ListenerExecutionFailedException } from './listener/listener-execution-failed-exception.js';
export { BatchListenerFailedException } from './listener/batch-listener-failed-exception.js';
export { CompositeRecordInterceptor, type RecordInterceptor, type BatchInterceptor } from './listener/record-interceptor.js';
export type { ConsumerAwareRebalanceListener } from './listener/consumer-aware-rebalance-listener.js';
export type { RecordFilterStrategy } from './listener/adapter/record-filter-strategy.js';

// requestreply
export { ReplyingKafkaTemplate, AbstractReplyingKafkaTemplate, DEFAULT_REPLY_TIMEOUT, type ReplyingKafkaTemplateOptions, type RequestReplyOptions, type RequestRecord } from './requestreply/replying-kafka-template.js';
export {
  AggregatingReplyingKafkaTemplate,
  AGGREGATED_RESULTS_TOPIC,
  PARTIAL_RESULTS_AFTER_TIMEOUT_TOPIC,
  type AggregatingReplyingKafkaTemplateOptions,
  type ReleaseStrategy,
} from './requestreply/aggregating-replying-kafka-template.js';
export { KafkaReplyTimeoutException } from './requestreply/kafka-reply-timeout-exception.js';
export { RemoteListenerError } from './requestreply/remote-listener-error.js';
export { CorrelationKey } from './requestreply/correlation-key.js';
export { encodeReplyPartition, decodeReplyPartition } from './requestreply/reply-headers.js';
export { NestTransportHeaders } from './requestreply/nest-transport-headers.js';
export { createReplyContainer, type ReplyingTemplateConfig, type AggregatingReplyingTemplateConfig } from './requestreply/replying-template-config.js';

// retrytopic
export { DltStrategy } from './retrytopic/dlt-strategy.js';
export { TopicSuffixingStrategy } from './retrytopic/topic-suffixing-strategy.js';
export { SameIntervalTopicReuseStrategy } from './retrytopic/same-interval-topic-reuse-strategy.js';
export { RetryTopicHeaders, RetryTopicConstants } from './retrytopic/retry-topic-headers.js';
export { DestinationTopic, type DestinationTopicType, type DestinationTopicProperties } from './retrytopic/destination-topic.js';
export { createDestinationTopicProperties } from './retrytopic/destination-topic-properties-factory.js';
export { DefaultDestinationTopicResolver } from './retrytopic/destination-topic-resolver.js';
export { backOffPolicyOf, generateBackOffValues, type RetryTopicBackOffPolicy } from './retrytopic/back-off-values-generator.js';
export { DeadLetterPublishingRecovererFactory, type DeadLetterPublishingRecovererFactorySettings, type RetryTopicPartitionResolver } from './retrytopic/dead-letter-publishing-recoverer-factory.js';
export { RetryTopicConfigurationSupport, BlockingRetriesConfigurer, CustomizersConfigurer } from './retrytopic/retry-topic-configuration-support.js';
export { RetryTopicConfigurer } from './retrytopic/retry-topic-configurer.js';
export { kafkaBackoffAwareListener } from './retrytopic/kafka-backoff-aware-message-listener-adapter.js';

// support
export { KafkaHeaders, type KafkaHeaderName } from './support/kafka-headers.js';
export { ConsumerRecord, type TimestampType } from './support/consumer-record.js';
export { ConsumerRecords } from './support/consumer-records.js';
export { Acknowledgment } from './support/acknowledgment.js';
export { ProducerRecord, type ProducerRecordHeaders } from './support/producer-record.js';
export type { SendResult, RecordMetadata } from './support/send-result.js';
export { Message, MessageBuilder, type MessageHeaders } from './support/message.js';
export { KafkaNull } from './support/kafka-null.js';
export { RecordHeaders, type RecordHeader } from './support/record-headers.js';
export type { TopicPartition } from './support/topic-partition.js';
export { FixedBackOff, ExponentialBackOff, ExponentialBackOffWithMaxRetries, STOP, UNLIMITED_ATTEMPTS, type BackOff, type BackOffExecution } from './support/back-off.js';
export { consoleLogger, silentLogger, setDefaultLogger, type Logger, type LogLevel } from './support/logger.js';
export { MessageConversionException } from './support/converter/message-conversion-exception.js';
export { MethodArgumentResolutionException } from './support/converter/method-argument-resolution-exception.js';
export { PayloadConverter } from './support/converter/payload-converter.js';
export type { Serializer, Deserializer } from './support/serializer/serializer.js';
export { StringSerializer, StringDeserializer } from './support/serializer/string-serializer.js';
export { BufferSerializer, BufferDeserializer } from './support/serializer/buffer-serializer.js';
export { JsonSerializer, type JsonSerializerOptions } from './support/serializer/json-serializer.js';
export { JsonDeserializer, type JsonDeserializerOptions } from './support/serializer/json-deserializer.js';
export { SerializationException } from './support/serializer/serialization-exception.js';
export { DeserializationException } from './support/serializer/deserialization-exception.js';
export {
  ErrorHandlingDeserializer,
  deserializationFailureOf,
  KEY_DESERIALIZER_EXCEPTION_HEADER,
  VALUE_DESERIALIZER_EXCEPTION_HEADER,
  type ErrorHandlingDeserializerOptions,
  type FailedDeserializationInfo,
  type DeserializationFailureInfo,
} from './support/serializer/error-handling-deserializer.js';
export { TYPE_ID_HEADER, KEY_TYPE_ID_HEADER, CONTENT_TYPE_ID_HEADER, MAP_KEY_TYPE_ID_HEADER, type ClassType } from './support/serializer/type-id-headers.js';
export {
  JsonTypeMapper,
  KEY_TYPE_HEADER_NAMES,
  VALUE_TYPE_HEADER_NAMES,
  DEFAULT_TRUSTED_PACKAGES,
  type JsonTypeMapperOptions,
  type JsonTargetType,
  type TypeHeaderNames,
  type TypeMappings,
} from './support/serializer/json-type-mapper.js';

// event
export { KafkaEvent } from './event/kafka-event.js';
export { ApplicationEventPublisher, type ApplicationListener } from './event/application-event-publisher.js';
export {
  ConsumerStartingEvent,
  ConsumerStartedEvent,
  ConsumerFailedToStartEvent,
  ConsumerStoppingEvent,
  ConsumerStoppedEvent,
  ContainerStoppedEvent,
  ConcurrentContainerStoppedEvent,
  ConsumerRetryAuthEvent,
  ConsumerRetryAuthSuccessfulEvent,
  type ConsumerRetryAuthReason,
  type ConsumerStoppedReason,
} from './event/consumer-lifecycle-events.js';
export { ConsumerPausedEvent, ConsumerResumedEvent, ConsumerPartitionsAssignedEvent, ConsumerPartitionsRevokedEvent } from './event/consumer-partition-events.js';
export {
  ListenerContainerIdleEvent,
  ListenerContainerNoLongerIdleEvent,
  ListenerContainerPartitionIdleEvent,
  ListenerContainerPartitionNoLongerIdleEvent,
} from './event/listener-container-idle-events.js';
export { NonResponsiveConsumerEvent } from './event/non-responsive-consumer-event.js';

// container (the application)
export { KafkaApplication } from './container/kafka-application.js';
export type { KafkaApplicationOptions, ContainerFactoryDefinition } from './container/kafka-application-options.js';
export { TOKENS } from './container/tokens.js';
export { inversifyBeans, type BeanSource, type BeanId } from './container/bean-source.js';

// Transactions (issue 8, docs/transactions.md)
export { KafkaTransactionManager, KafkaTransactionException, KafkaTransactionCommitException, type KafkaTransactionManagerOptions, type TransactionOptions } from './transaction/kafka-transaction-manager.js';
export { KafkaResourceHolder, TransactionSynchronizationManager, type TransactionOffset, type TransactionOrigin } from './transaction/kafka-resource-holder.js';
export { DefaultAfterRollbackProcessor, type AfterRollbackProcessor } from './transaction/default-after-rollback-processor.js';
export { TransactionalMessageListener, containerTransactionSuffix } from './transaction/transactional-message-listener.js';
export type { TransactionalProducerLease } from './core/producer-factory.js';
export type { BatchScopeOpener, ListenerObserver, ListenerWrapper, ObservationEnd, RecordScope, RecordScopeOpener } from './listener/listener-observer.js';
export type { TemplateObserver, SendObservationEnd, DeadLetterDestination } from './core/template-observer.js';
// Tracing (OpenTelemetry, docs/observability.md)
export { setUpTracing, type TracingOption, type TracingHooks } from './tracing/tracing-setup.js';
export { KafkaTracing } from './tracing/kafka-tracing.js';
export { TracingTemplateObserver } from './tracing/tracing-template-observer.js';
export { tracingBatchScopes } from './tracing/tracing-batch-scope.js';
export { isKafkaJsInstrumented } from './tracing/kafkajs-instrumentation.js';
export { combineTemplateObservers, withListenerWrapper } from './tracing/observer-composition.js';
export { KafkaMetrics } from './metrics/kafka-metrics.js';
export { MetricsServer, type MetricsServerOptions } from './metrics/metrics-server.js';
export type { ApplicationHealth, ContainerHealth, HealthStatus } from './health/kafka-health-indicator.js';
export { installShutdownHooks, type ShutdownHookOptions } from './health/shutdown-hooks.js';
