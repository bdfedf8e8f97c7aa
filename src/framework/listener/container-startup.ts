import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { ConsumerFactory, CreatedConsumer } from '../core/consumer-factory.js';
import { describeBrokers } from '../core/kafka-clients.js';
import { messageOf } from '../core/producer-factory.js';
import {
  ConsumerFailedToStartEvent,
  ConsumerRetryAuthEvent,
  ConsumerRetryAuthSuccessfulEvent,
  ConsumerStartedEvent,
  ConsumerStartingEvent,
  type ConsumerStoppedReason,
} from '../event/consumer-lifecycle-events.js';
import { KafkaException } from '../kafka-exception.js';
import type { Logger } from '../support/logger.js';
import { ContainerTransactionSupport } from '../transaction/container-transaction-support.js';
import { resolveAllPartitions } from './all-partitions.js';
import { authFailureOf, stopReasonOf } from './consumer-stop-reason.js';
import type { ContainerProperties } from './container-properties.js';
import { manualAssignmentOverrides } from './manual-assignment.js';
import type { MessageListenerContainer } from './message-listener-container.js';
import { withTimeout } from './with-timeout.js';

export type ContainerState = 'stopped' | 'starting' | 'running' | 'stopping';

/** What the start-up needs from the container it starts. */
export interface StartingContainer {
  readonly listenerId: string;
  /** Read at each use: the container properties' client id may be set after construction. */
  clientId(): string;
  readonly containerProperties: ContainerProperties;
  /** The container itself and the one its events name as `container` (its concurrent parent, else itself). */
  readonly self: MessageListenerContainer;
  readonly parent: MessageListenerContainer;
  readonly consumerFactory: ConsumerFactory;
  readonly logger: Logger;
  state(): ContainerState;
  setState(state: ContainerState): void;
  /** Group state reset, monitors started, circuit breaker registered: before every consumer start. */
  prepareConsumerStart(): void;
  /** The consumer of this start is created: build its record loop and listen to its events. */
  consumerCreated(created: CreatedConsumer, consumer: Consumer, topicPartitions: ContainerProperties['topicPartitions']): void;
  onBatch(payload: EachBatchPayload): Promise<void>;
  shutdownConsumer(): Promise<void>;
  stopped(reason: ConsumerStoppedReason): void;
  publish(event: object): void;
}

/**
 * A container's consumer start, as Spring's `KafkaMessageListenerContainer.doStart`: creates
 * the kafkajs consumer, connects, subscribes, runs it and waits (up to `consumerStartTimeout`)
 * for its first assignment; and Spring's `authExceptionRetryInterval`, which keeps a container
 * whose consumer failed to authenticate (or was refused) starting again until it gets through.
 */
export class ContainerStartup {
  private retryingAuth = false;
  private readyWaiter: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(private readonly container: StartingContainer) {}

  /** Waiting out `authExceptionRetryInterval` after an authentication or authorization failure. */
  isRetryingAuth(): boolean {
    return this.retryingAuth;
  }

  /** The consumer has its assignment (or the offsets it needs): start() may return. */
  ready(): void {
    this.readyWaiter?.resolve();
  }

  /** The consumer cannot start (it crashed, or a partition has no offset): start() fails with `error`. */
  failed(error: unknown): void {
    this.readyWaiter?.reject(error);
  }

  /** The container stopped: no retry is pending any more. */
  stopped(): void {
    this.retryingAuth = false;
  }

  /** Starts the consumer from state `starting`; rejects when it cannot start (and is not retrying). */
  async start(): Promise<void> {
    const container = this.container;
    container.prepareConsumerStart();
    container.publish(new ConsumerStartingEvent(container.self, container.parent));
    try {
      await this.startConsumer();
      this.ensureStillStarting();
      container.setState('running');
      container.publish(new ConsumerStartedEvent(container.self, container.parent));
    } catch (error) {
      if (this.retryAfterAuthFailure(error)) return;
      container.publish(new ConsumerFailedToStartEvent(container.self, container.parent, error));
      await container.shutdownConsumer();
      container.stopped(stopReasonOf(error));
      throw error;
    }
  }

  /**
   * Spring's `authExceptionRetryInterval`: an authentication or authorization failure leaves the
   * container running (state `starting`); the consumer is closed, and after the interval a new
   * one is started, until it gets through or the container is stopped. False when not retrying.
   */
  retryAfterAuthFailure(error: unknown): boolean {
    const container = this.container;
    const interval = container.containerProperties.authExceptionRetryInterval;
    const reason = authFailureOf(error);
    const state = container.state();
    if (interval === undefined || reason === undefined || (state !== 'starting' && state !== 'running')) return false;
    container.setState('starting');
    this.retryingAuth = true;
    container.logger.error(`${reason === 'AUTHENTICATION' ? 'Authentication' : 'Authorization'} error on consumer ${container.clientId()}; retrying in ${interval} ms`, error);
    container.publish(new ConsumerRetryAuthEvent(container.self, container.parent, reason));
    void this.retryStart(interval);
    return true;
  }

  private async retryStart(interval: number): Promise<void> {
    const container = this.container;
    await container.shutdownConsumer();
    await new Promise<void>((resolve) => setTimeout(resolve, interval).unref());
    // stop() while waiting has already published the stop.
    if (container.state() !== 'starting') return;
    container.prepareConsumerStart();
    try {
      await this.startConsumer();
      this.ensureStillStarting();
      container.setState('running');
      this.retryingAuth = false;
      container.publish(new ConsumerRetryAuthSuccessfulEvent(container.self, container.parent));
      container.publish(new ConsumerStartedEvent(container.self, container.parent));
    } catch (error) {
      if (container.state() !== 'starting' || this.retryAfterAuthFailure(error)) return;
      container.publish(new ConsumerFailedToStartEvent(container.self, container.parent, error));
      await container.shutdownConsumer();
      container.stopped(stopReasonOf(error));
    }
  }

  /** stop() may be called while start() awaits kafkajs; start must not carry on then. */
  private ensureStillStarting(): void {
    if (this.container.state() !== 'starting') throw new KafkaException(`Container ${this.container.listenerId} was stopped while starting`);
  }

  private async startConsumer(): Promise<void> {
    const { containerProperties: props, consumerFactory, logger, listenerId } = this.container;
    const clientId = this.container.clientId();
    const overrides = ContainerTransactionSupport.consumerOverrides(props);
    const topicPartitions = await resolveAllPartitions(props.topicPartitions, consumerFactory, logger);
    const created = consumerFactory.createConsumer(props.groupId, clientId, topicPartitions ? manualAssignmentOverrides(overrides, topicPartitions, logger) : overrides);
    this.container.consumerCreated(created, created.consumer, topicPartitions);
    const ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    ready.catch(() => undefined);
    try {
      await created.consumer.connect();
    } catch (error) {
      const kafka = consumerFactory.kafka;
      const brokers = kafka ? describeBrokers(kafka) : 'the brokers';
      throw new KafkaException(`Listener container ${listenerId} could not connect to Kafka at ${brokers}: ${messageOf(error)}`, { cause: error });
    }
    this.ensureStillStarting();
    await created.consumer.subscribe({
      topics: props.topicPattern ? [props.topicPattern] : props.topics,
      fromBeginning: created.settings.autoOffsetReset !== 'latest',
    });
    this.ensureStillStarting();
    await created.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.container.onBatch(payload),
    });
    this.ensureStillStarting();
    const timeout = props.consumerStartTimeout;
    // A crash kafkajs won't restart from rejects `ready`; a slow group only logs and goes on.
    const timedOut = await withTimeout(ready, timeout, true);
    if (timedOut) {
      const error = new KafkaException(`Consumer ${clientId} did not get its partitions within ${timeout} ms; it keeps trying`);
      logger.warn(error.message);
      this.container.publish(new ConsumerFailedToStartEvent(this.container.self, this.container.parent, error));
    }
  }
}
