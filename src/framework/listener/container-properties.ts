import type { Deserializer } from '../support/serializer/serializer.js';
import { AckMode } from './ack-mode.js';
import type { ConsumerAwareRebalanceListener } from './consumer-aware-rebalance-listener.js';
import type { GenericMessageListener, MessageListenerFunction } from './message-listener.js';
import type { KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { TopicPartition } from '../support/topic-partition.js';
import type { CircuitBreakerOptions } from './listener-circuit-breaker.js';
import type { KafkaTransactionManager } from '../transaction/kafka-transaction-manager.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import type { TopicPartitionOffset } from './topic-partition-offset.js';

/** Called after each commit, as Spring's `OffsetCommitCallback` (error set on failure). */
export type OffsetCommitCallback = (offsets: ReadonlyMap<string, { partition: TopicPartition; offset: number }>, error?: unknown) => void;

export interface ContainerPropertiesInit {
  topics?: string[];
  topicPartitions?: readonly TopicPartitionOffset[];
  topicPattern?: RegExp | string;
  groupId?: string;
  clientId?: string;
  ackMode?: AckMode;
  ackCount?: number;
  ackTime?: number;
  syncCommits?: boolean;
  commitCallback?: OffsetCommitCallback;
  commitRetries?: number;
  idleEventInterval?: number;
  idleBeforeDataMultiplier?: number;
  shutdownTimeout?: number;
  consumerStartTimeout?: number;
  stopImmediate?: boolean;
  authExceptionRetryInterval?: number;
  stopContainerWhenFenced?: boolean;
  consumerRebalanceListener?: ConsumerAwareRebalanceListener;
  kafkaConsumerProperties?: KafkaConsumerOverrides;
  messageListener?: GenericMessageListener | MessageListenerFunction;
  keyDeserializer?: Deserializer;
  valueDeserializer?: Deserializer;
  circuitBreaker?: CircuitBreakerOptions;
  deliveryAttemptHeader?: boolean;
  idlePartitionEventInterval?: number;
  monitorInterval?: number;
  noPollThreshold?: number;
  pollTimeout?: number;
  // Transactions (issue 8, see docs/transactions.md)
  transactionManager?: KafkaTransactionManager;
  afterRollbackProcessor?: CommonErrorHandler;
}

/**
 * A container's settings, as Spring's `ContainerProperties`, with Spring's defaults except
 * where noted.
 */
export class ContainerProperties {
  /** Topics to subscribe to (mutually exclusive with `topicPattern`). */
  topics: string[];
  /**
   * Manual assignment (Spring's `ContainerProperties(TopicPartitionOffset...)`): exactly these
   * partitions, with their initial offsets; `topics` then lists their topics. See
   * manual-assignment.ts for how this works over kafkajs.
   */
  topicPartitions: readonly TopicPartitionOffset[] | undefined;
  /** Regex subscription; kafkajs resolves it against the topics that exist when the consumer subscribes. */
  topicPattern: RegExp | undefined;
  /** Overrides the consumer factory's group id. */
  groupId: string | undefined;
  /** Client id prefix; concurrent children append `-n`. */
  clientId: string;
  ackMode: AckMode;
  /** Records between commits for COUNT and COUNT_TIME (default 1). */
  ackCount: number;
  /** Milliseconds between commits for TIME and COUNT_TIME (default 5000). */
  ackTime: number;
  /** Wait for each commit before processing more records (default true); false commits in the background. */
  syncCommits: boolean;
  commitCallback: OffsetCommitCallback | undefined;
  /** Retries of a failed commit before it is reported (default 3). */
  commitRetries: number;
  /** Publish a ListenerContainerIdleEvent after this many ms without records (default: never). */
  idleEventInterval: number | undefined;
  /** The first idle event waits `idleEventInterval × this` if no record was ever received (default 5). */
  idleBeforeDataMultiplier: number;
  /** How long `stop()` waits for the record in hand before leaving anyway (default 10000 ms). */
  shutdownTimeout: number;
  /** How long `start()` waits for the consumers to get their partitions (default 30000 ms). */
  consumerStartTimeout: number;
  /**
   * Stop after the record in hand rather than after the rest of the batch. Spring's default
   * is false; here it is true, so `stop()` is prompt and the unprocessed rest of the batch is
   * simply redelivered to the next owner of the partition.
   */
  stopImmediate: boolean;
  /**
   * Spring's `authExceptionRetryInterval` (ms): an authentication or authorization failure does
   * not stop the consumer; it logs, publishes ConsumerRetryAuthEvent, waits this long and tries
   * again (ConsumerRetryAuthSuccessfulEvent once through). Unset (Spring's default): it stops
   * with ConsumerStoppedEvent reason AUTH.
   */
  authExceptionRetryInterval: number | undefined;
  /**
   * A transactional container whose producer was fenced (another producer initialized its
   * transactional id) stops the fenced consumer, with ConsumerStoppedEvent reason FENCED, as
   * Spring's; default false: the failed records are rolled back and redelivered.
   */
  stopContainerWhenFenced: boolean;
  consumerRebalanceListener: ConsumerAwareRebalanceListener | undefined;
  /** Consumer settings for this container only (kafkajs names, or Kafka's `key=value` strings). */
  kafkaConsumerProperties: KafkaConsumerOverrides;
  /** The listener, for containers built by hand (factories set it from `@KafkaListener`). */
  messageListener: GenericMessageListener | MessageListenerFunction | undefined;
  /** Override the consumer factory's deserializers. */
  keyDeserializer: Deserializer | undefined;
  valueDeserializer: Deserializer | undefined;
  /**
   * An opossum circuit breaker around the listener (`@KafkaListener({ circuitBreaker })` sets
   * it per listener): while it is open the consumers are paused and records wait.
   */
  circuitBreaker: CircuitBreakerOptions | undefined;
  /**
   * Add `kafka_deliveryAttempt` (4-byte int, 1 for the first delivery) to the records a record
   * listener receives, counted by the error handler (default false, as Spring).
   */
  deliveryAttemptHeader: boolean;
  /** Publish a ListenerContainerPartitionIdleEvent after this many ms without records from a partition (default: never). */
  idlePartitionEventInterval: number | undefined;
  /** How often the consumer is checked for being non-responsive, in ms (default 30000). */
  monitorInterval: number;
  /** A consumer that has not fetched for `noPollThreshold × pollTimeout` ms is non-responsive (default 3). */
  noPollThreshold: number;
  /**
   * Spring's poll timeout, in ms (default 5000). kafkajs has no poll call; here it only scales
   * the non-responsive threshold (kafkajs' own fetch wait is `maxWaitTimeInMs`).
   */
  pollTimeout: number;
  /**
   * Runs each record (or batch) in a Kafka transaction with its consumed offsets (Spring's
   * EOS V2 model, docs/transactions.md); the consumers read read_committed.
   */
  transactionManager: KafkaTransactionManager | undefined;
  /** Replaces the error handler when a transaction manager is set (default: DefaultAfterRollbackProcessor). */
  afterRollbackProcessor: CommonErrorHandler | undefined;

  constructor(init: ContainerPropertiesInit = {}) {
    this.topicPartitions = init.topicPartitions && init.topicPartitions.length > 0 ? [...init.topicPartitions] : undefined;
    this.topics = this.topicPartitions && (init.topics ?? []).length === 0 ? [...new Set(this.topicPartitions.map((tp) => tp.topic))] : [...(init.topics ?? [])];
    this.topicPattern = init.topicPattern === undefined ? undefined : new RegExp(init.topicPattern);
    this.groupId = init.groupId;
    this.clientId = init.clientId ?? '';
    this.ackMode = init.ackMode ?? AckMode.BATCH;
    this.ackCount = positive(init.ackCount, 1);
    this.ackTime = nonNegative(init.ackTime, 5000);
    this.syncCommits = init.syncCommits ?? true;
    this.commitCallback = init.commitCallback;
    this.commitRetries = nonNegative(init.commitRetries, 3);
    this.idleEventInterval = init.idleEventInterval === undefined ? undefined : positive(init.idleEventInterval, 1);
    this.idleBeforeDataMultiplier = nonNegative(init.idleBeforeDataMultiplier, 5);
    this.shutdownTimeout = nonNegative(init.shutdownTimeout, 10_000);
    this.consumerStartTimeout = positive(init.consumerStartTimeout, 30_000);
    this.stopImmediate = init.stopImmediate ?? true;
    this.authExceptionRetryInterval = init.authExceptionRetryInterval === undefined ? undefined : positive(init.authExceptionRetryInterval, 1);
    this.stopContainerWhenFenced = init.stopContainerWhenFenced ?? false;
    this.consumerRebalanceListener = init.consumerRebalanceListener;
    this.kafkaConsumerProperties = init.kafkaConsumerProperties ?? {};
    this.messageListener = init.messageListener;
    this.keyDeserializer = init.keyDeserializer;
    this.valueDeserializer = init.valueDeserializer;
    this.circuitBreaker = init.circuitBreaker;
    this.deliveryAttemptHeader = init.deliveryAttemptHeader ?? false;
    this.idlePartitionEventInterval = init.idlePartitionEventInterval === undefined ? undefined : positive(init.idlePartitionEventInterval, 1);
    this.monitorInterval = positive(init.monitorInterval, 30_000);
    this.noPollThreshold = positive(init.noPollThreshold, 3);
    this.pollTimeout = positive(init.pollTimeout, 5000);
    this.transactionManager = init.transactionManager;
    this.afterRollbackProcessor = init.afterRollbackProcessor;
    if (!Object.values(AckMode).includes(this.ackMode)) throw new TypeError(`Unknown ackMode: ${String(this.ackMode)}`);
  }

  /** A copy with some settings replaced; factories give each container its own. */
  with(overrides: ContainerPropertiesInit): ContainerProperties {
    return new ContainerProperties({ ...this.toInit(), ...stripUndefined(overrides) });
  }

  toInit(): ContainerPropertiesInit {
    return {
      topics: this.topics,
      topicPartitions: this.topicPartitions,
      topicPattern: this.topicPattern,
      groupId: this.groupId,
      clientId: this.clientId,
      ackMode: this.ackMode,
      ackCount: this.ackCount,
      ackTime: this.ackTime,
      syncCommits: this.syncCommits,
      commitCallback: this.commitCallback,
      commitRetries: this.commitRetries,
      idleEventInterval: this.idleEventInterval,
      idleBeforeDataMultiplier: this.idleBeforeDataMultiplier,
      shutdownTimeout: this.shutdownTimeout,
      consumerStartTimeout: this.consumerStartTimeout,
      stopImmediate: this.stopImmediate,
      authExceptionRetryInterval: this.authExceptionRetryInterval,
      stopContainerWhenFenced: this.stopContainerWhenFenced,
      consumerRebalanceListener: this.consumerRebalanceListener,
      kafkaConsumerProperties: this.kafkaConsumerProperties,
      messageListener: this.messageListener,
      keyDeserializer: this.keyDeserializer,
      valueDeserializer: this.valueDeserializer,
      circuitBreaker: this.circuitBreaker,
      deliveryAttemptHeader: this.deliveryAttemptHeader,
      idlePartitionEventInterval: this.idlePartitionEventInterval,
      monitorInterval: this.monitorInterval,
      noPollThreshold: this.noPollThreshold,
      pollTimeout: this.pollTimeout,
      transactionManager: this.transactionManager,
      afterRollbackProcessor: this.afterRollbackProcessor,
    };
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}
