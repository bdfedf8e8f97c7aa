import type { CreatedConsumer } from '../core/consumer-factory.js';
import type { Logger } from '../support/logger.js';
import type { Deserializer } from '../support/serializer/serializer.js';
import type { PartitionFence } from '../transaction/partition-fence.js';
import { ContainerTransactionSupport } from '../transaction/container-transaction-support.js';
import type { RecordFilterStrategy } from './adapter/record-filter-strategy.js';
import { AckHandler, type Committer } from './ack-handler.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { ConsumerSeekManager } from './consumer-seek-manager.js';
import type { ContainerProperties } from './container-properties.js';
import { DeliveryAttemptRecordFactory } from './delivery-attempt-header.js';
import type { KafkajsContainerConsumer } from './kafkajs-container-consumer.js';
import type { CircuitBreakerPausable, ListenerCircuitBreaker } from './listener-circuit-breaker.js';
import { ListenerDispatcher } from './listener-dispatcher.js';
import { recordObserverOf, type ListenerObserver, type ListenerWrapper } from './listener-observer.js';
import type { MessageListenerContainer } from './message-listener-container.js';
import { isBatchListener, seekAwareOf, type GenericMessageListener } from './message-listener.js';
import type { BatchInterceptor, RecordInterceptor } from './record-interceptor.js';
import type { TopicPartition } from '../support/topic-partition.js';

/** What a container brings to the record loop of one consumer start. */
export interface RecordLoopParts {
  readonly container: MessageListenerContainer & CircuitBreakerPausable;
  readonly properties: ContainerProperties;
  readonly created: CreatedConsumer;
  /** The manual assignment with `'*'` resolved to the topic's partitions, when there is one. */
  readonly topicPartitions: ContainerProperties['topicPartitions'];
  readonly consumer: KafkajsContainerConsumer;
  /** The validated listener, before tracing, circuit breaker and transaction wrap it. */
  readonly listener: GenericMessageListener;
  readonly breaker: ListenerCircuitBreaker | undefined;
  readonly errorHandler: CommonErrorHandler;
  readonly keyDeserializer: Deserializer;
  readonly valueDeserializer: Deserializer;
  readonly observer: ListenerObserver | ListenerWrapper | undefined;
  readonly recordInterceptor: RecordInterceptor | undefined;
  readonly batchInterceptor: BatchInterceptor | undefined;
  readonly recordFilterStrategy: RecordFilterStrategy | undefined;
  readonly logger: Logger;
  /** Sends offsets to the group (the container's commit path). */
  commitOffsets: Committer;
  assignments(): TopicPartition[];
  isStopping(): boolean;
  isNackPaused(): boolean;
  pauseForNack(sleep: number): void;
  onRebalance(): Promise<void>;
}

/** The record loop of one consumer start, and the collaborators the container talks to. */
export interface ContainerRecordLoop {
  readonly dispatcher: ListenerDispatcher;
  readonly ackHandler: AckHandler;
  /** Transactional containers: partitions fenced and verified since their assignment. */
  readonly fence: PartitionFence | undefined;
  /** Initial offsets and ConsumerSeekAware callbacks, when there are any. */
  readonly seeks: ConsumerSeekManager | undefined;
}

/**
 * Assembles a container's record loop for one consumer start, as Spring's `ListenerConsumer`
 * sets itself up: seeks, commit bookkeeping (through the transaction fence when there is one),
 * the listener wrapped in tracing, circuit breaker and transaction, and the record factory.
 */
export function createRecordLoop(parts: RecordLoopParts): ContainerRecordLoop {
  const { properties, created, consumer, listener, logger } = parts;
  const seeks = ConsumerSeekManager.for(
    { groupId: created.groupId, consumer, autoOffsetReset: created.settings.autoOffsetReset === 'latest' ? 'latest' : 'earliest', admin: () => consumer.adminClient(), assignments: () => parts.assignments() },
    seekAwareOf(properties.messageListener),
    parts.topicPartitions,
    logger,
  );
  const fence = ContainerTransactionSupport.fence(properties);
  // A transactional container's own commits never move the group's offset below what its transactions (or the partition's previous owner) committed.
  const ackHandler = new AckHandler(properties, (offsets) => parts.commitOffsets(fence ? fence.committable(offsets) : offsets), logger);
  // Tracing's spans are opened by the dispatcher (record and batch scopes), around interceptor, listener and error handler.
  const wrapped = parts.observer?.wrapListener?.(listener, parts.container) ?? listener;
  const guarded = parts.breaker ? parts.breaker.wrap(wrapped, parts.container) : wrapped;
  const dispatcher = new ListenerDispatcher({
    container: parts.container,
    properties,
    listener: ContainerTransactionSupport.listener(properties, guarded, fence),
    ackHandler,
    errorHandler: parts.errorHandler,
    recordFactory: DeliveryAttemptRecordFactory.for(
      { enabled: properties.deliveryAttemptHeader, batchListener: isBatchListener(listener), errorHandler: parts.errorHandler, groupId: created.groupId },
      properties.keyDeserializer ?? parts.keyDeserializer,
      properties.valueDeserializer ?? parts.valueDeserializer,
    ),
    consumer,
    groupId: created.groupId,
    logger,
    recordInterceptor: parts.recordInterceptor,
    batchInterceptor: parts.batchInterceptor,
    recordFilterStrategy: parts.recordFilterStrategy,
    listenerTakesUndeserializable: (listener as { acceptsUndeserializableRecords?: boolean }).acceptsUndeserializableRecords === true,
    observer: recordObserverOf(parts.observer),
    recordScopes: isBatchListener(listener) ? undefined : parts.observer?.recordScopes?.(parts.container),
    batchScopes: isBatchListener(listener) ? parts.observer?.batchScopes?.(parts.container) : undefined,
    isStopping: () => parts.isStopping(),
    isNackPaused: () => parts.isNackPaused(),
    pauseForNack: (sleep) => parts.pauseForNack(sleep),
    onRebalance: () => parts.onRebalance(),
    positionChanges: () => consumer.positionChanges,
  });
  return { dispatcher, ackHandler, fence, seeks };
}
