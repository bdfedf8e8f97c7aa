import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { ConsumerFactory, CreatedConsumer } from '../core/consumer-factory.js';
import { messageOf } from '../core/producer-factory.js';
import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { ConsumerStoppedEvent, ConsumerStoppingEvent, ContainerStoppedEvent, type ConsumerStoppedReason } from '../event/consumer-lifecycle-events.js';
import { ConsumerPartitionsAssignedEvent, ConsumerPartitionsRevokedEvent, ConsumerPausedEvent, ConsumerResumedEvent } from '../event/consumer-partition-events.js';
import { KafkaException } from '../kafka-exception.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';
import type { RecordFilterStrategy } from './adapter/record-filter-strategy.js';
import { AckMode } from './ack-mode.js';
import type { PartitionBackOffContainer } from './back-off-handler.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { PartitionIdleMonitor } from './partition-idle-monitor.js';
import { NonResponsiveConsumerMonitor } from './non-responsive-consumer-monitor.js';
import { stopReasonOf } from './consumer-stop-reason.js';
import { CommittedOffsetCheck } from './committed-offset-check.js';
import { ContainerPauseState } from './container-pause-state.js';
import { createRecordLoop, type ContainerRecordLoop } from './container-record-loop.js';
import { ContainerStartup, type ContainerState } from './container-startup.js';
import type { ContainerProperties } from './container-properties.js';
import { DefaultErrorHandler } from './default-error-handler.js';
import { IdleEventMonitor } from './idle-event-monitor.js';
import { KafkajsContainerConsumer } from './kafkajs-container-consumer.js';
import { ListenerCircuitBreaker, type CircuitBreakerPausable } from './listener-circuit-breaker.js';
import { isBatchListener, toMessageListener, type GenericMessageListener } from './message-listener.js';
import type { MessageListenerContainer } from './message-listener-container.js';
import type { BatchInterceptor, RecordInterceptor } from './record-interceptor.js';
import { RecordHoldingErrorHandler } from './record-holding-error-handler.js';
import type { ListenerObserver, ListenerWrapper } from './listener-observer.js';
import { ContainerTransactionSupport } from '../transaction/container-transaction-support.js';
import { withTimeout } from './with-timeout.js';

/** Collaborators a container factory hands to the containers it builds. */
export interface ListenerContainerCollaborators {
  commonErrorHandler?: CommonErrorHandler;
  recordInterceptor?: RecordInterceptor;
  batchInterceptor?: BatchInterceptor;
  recordFilterStrategy?: RecordFilterStrategy;
  applicationEventPublisher?: ApplicationEventPublisher;
  /** Metrics, health and tracing (docs/observability.md). */
  listenerObserver?: ListenerObserver | ListenerWrapper;
  logger?: Logger;
}

export interface KafkaMessageListenerContainerOptions extends ListenerContainerCollaborators {
  /** Container id (Spring's bean name); also the default client id. */
  listenerId?: string;
  /** The concurrent container this one is a child of (events name it as `container`). */
  parent?: MessageListenerContainer;
}

let anonymous = 0;

/**
 * One kafkajs consumer driving one listener, as Spring's `KafkaMessageListenerContainer`.
 * This class is the kafkajs wiring (lifecycle, group events, pause state); the record loop
 * (ListenerDispatcher, with AckHandler's commit bookkeeping) is put together per consumer
 * start by {@link createRecordLoop}, and commits go through {@link KafkajsContainerConsumer}.
 *
 * kafkajs runs with `autoCommit: false` and `eachBatchAutoResolve: false`: the container
 * resolves (advances the position past) only records that are done with, and commits per
 * AckMode. kafkajs delivers one partition's batch at a time per consumer.
 */
export class KafkaMessageListenerContainer implements MessageListenerContainer, PartitionBackOffContainer, CircuitBreakerPausable {
  readonly listenerId: string;
  private readonly logger: Logger;
  private listener: GenericMessageListener | undefined;
  private readonly publisher: ApplicationEventPublisher | undefined;
  private readonly errorHandler: CommonErrorHandler;
  private readonly idleMonitor: IdleEventMonitor;
  private readonly containerConsumer: KafkajsContainerConsumer;
  private state: ContainerState = 'stopped';
  /** Consumer start-up and the authExceptionRetryInterval retries. */
  private readonly startup: ContainerStartup;
  private created: CreatedConsumer | undefined;
  /** The record loop of the current consumer start: dispatcher, commit bookkeeping, fence and seeks. */
  private loop: ContainerRecordLoop | undefined;
  private inFlight: Promise<void> | undefined;
  private assigned: TopicPartition[] = [];
  private joined = false;
  private fetchedSinceJoin = false;
  private rebalancing = false;
  private revoked = false;
  private readonly pauseState: ContainerPauseState;
  private breaker: ListenerCircuitBreaker | undefined;
  private readonly partitionIdle: PartitionIdleMonitor | undefined;
  private readonly responsiveness: NonResponsiveConsumerMonitor;
  /** `auto.offset.reset=none`: whether every assigned partition has a committed offset (records wait for the answer). */
  private readonly offsetCheck: CommittedOffsetCheck;
  /** Set when the consumer stops for a reason other than the one its stop path reports (NO_OFFSET). */
  private stopReason: ConsumerStoppedReason | undefined;
  private lastPoll: number | undefined;

  constructor(
    private readonly consumerFactory: ConsumerFactory,
    readonly containerProperties: ContainerProperties,
    private readonly options: KafkaMessageListenerContainerOptions = {},
  ) {
    this.listenerId = options.listenerId ?? `streamwright.KafkaMessageListenerContainer#${anonymous++}`;
    this.logger = options.logger ?? defaultLogger();
    this.publisher = options.applicationEventPublisher;
    // Retry-topic records not due yet and circuit-breaker waits never reach the error handler.
    // With a transaction manager, the after-rollback processor takes the error handler's place (issue 8).
    const errorHandler = ContainerTransactionSupport.errorHandler(containerProperties, this.logger) ?? options.commonErrorHandler ?? new DefaultErrorHandler({ logger: this.logger });
    this.errorHandler = new RecordHoldingErrorHandler(errorHandler, this.logger);
    this.idleMonitor = new IdleEventMonitor(
      containerProperties.idleEventInterval,
      containerProperties.idleBeforeDataMultiplier,
      this.publisher,
      this,
      options.parent ?? this,
      this.listenerId,
    );
    this.idleMonitor.onIdle = () => this.loop?.seeks?.idle();
    this.partitionIdle = PartitionIdleMonitor.for(containerProperties.idlePartitionEventInterval, this.publisher, this, options.parent ?? this, this.listenerId);
    this.responsiveness = new NonResponsiveConsumerMonitor(containerProperties, this.publisher, this, options.parent ?? this, this.listenerId, () => this.lastPoll, () => this.assignments(), () => this.pauseState.isPausedEntirely());
    this.containerConsumer = new KafkajsContainerConsumer(
      {
        groupId: this.groupId,
        clientId: this.clientId,
        kafkaConsumer: () => this.created?.consumer,
        assignments: () => this.assignments(),
        heartbeat: () => this.loop?.dispatcher.heartbeat() ?? Promise.resolve(),
        kafkaConfig: () => this.consumerFactory.kafka,
      },
      this.logger,
    );
    this.offsetCheck = new CommittedOffsetCheck(this, { committed: (partition) => this.containerConsumer.committed(partition), noOffset: (error) => this.noOffset(error) }, this.logger);
    this.pauseState = new ContainerPauseState({
      runningConsumer: () => (this.state === 'running' || this.state === 'starting' ? this.created?.consumer : undefined),
      topics: () => [...this.containerProperties.topics, ...this.assigned.map((tp) => tp.topic)],
      pausePartitions: (partitions) => this.containerConsumer.pause(partitions),
    });
    this.startup = new ContainerStartup({
      listenerId: this.listenerId,
      clientId: () => this.clientId,
      containerProperties,
      self: this,
      parent: this.parent,
      consumerFactory,
      logger: this.logger,
      state: () => this.state,
      setState: (state) => (this.state = state),
      prepareConsumerStart: () => {
        this.resetGroupState();
        this.responsiveness.start();
        this.breaker?.register(this);
      },
      consumerCreated: (created, consumer, topicPartitions) => this.consumerCreated(created, consumer, topicPartitions),
      onBatch: (payload) => this.onBatch(payload),
      shutdownConsumer: () => this.shutdownConsumer(),
      stopped: (reason) => this.stopped(reason),
      publish: (event) => this.publish(event),
    });
  }

  get groupId(): string {
    return this.containerProperties.groupId ?? this.consumerFactory.configurationProperties.groupId ?? '';
  }

  get clientId(): string {
    return this.containerProperties.clientId || this.listenerId;
  }

  isRunning(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  assignments(): TopicPartition[] {
    return [...this.assigned];
  }

  /** When the consumer last fetched (epoch ms), for health checks. */
  get lastPollTime(): number | undefined {
    return this.lastPoll;
  }

  /** Waiting out `authExceptionRetryInterval` after an authentication or authorization failure. */
  isRetryingAuth(): boolean {
    return this.startup.isRetryingAuth();
  }

  /** Joined, fetched since its last join and not rebalancing: its assignment is current. */
  isSettled(): boolean {
    return this.state === 'running' && this.joined && this.fetchedSinceJoin && !this.rebalancing;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.listener = this.validatedListener();
    const breakerOptions = this.containerProperties.circuitBreaker;
    this.breaker = breakerOptions ? ListenerCircuitBreaker.forContainer(this.parent, breakerOptions, this.publisher, this.logger) : undefined;
    this.state = 'starting';
    await this.startup.start();
  }

  async stop(): Promise<void> {
    if (this.state === 'starting') {
      // start() notices and cleans up. kafkajs' disconnect waits for a pending connection
      // attempt (up to its request timeout), so it is not awaited here.
      this.state = 'stopping';
      void this.shutdownConsumer();
      this.stopped('NORMAL');
      return;
    }
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.publish(new ConsumerStoppingEvent(this, this.parent));
    // Finish the record in hand (the dispatcher takes no new ones), then commit and leave.
    if (this.inFlight) await withTimeout(this.inFlight, this.containerProperties.shutdownTimeout);
    await this.loop?.ackHandler.commit().catch((error) => this.logger.warn(`Commit on stop failed for ${this.clientId}`, error));
    await this.shutdownConsumer();
    this.stopped('NORMAL');
  }

  /**
   * Stops this consumer for a reason other than a stop request (FENCED with
   * `stopContainerWhenFenced`), reported in its ConsumerStoppedEvent. Started, not awaited: the
   * stop waits for the record in hand, which is usually the caller's.
   */
  stopAbnormally(reason: ConsumerStoppedReason, cause: unknown): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    this.logger.error(`Consumer ${this.clientId} stops (${reason})`, cause);
    this.stopReason = reason;
    this.stop().catch((error: unknown) => this.logger.error(`Stopping consumer ${this.clientId} failed`, error));
  }

  pause(): void {
    this.pauseState.setPauseRequested(true);
    this.publish(new ConsumerPausedEvent(this, this.parent, this.assignments()));
  }

  resume(): void {
    this.pauseState.setPauseRequested(false);
    this.publish(new ConsumerResumedEvent(this, this.parent, this.assignments()));
  }

  isPauseRequested(): boolean {
    return this.pauseState.isPauseRequested();
  }

  isContainerPaused(): boolean {
    return this.pauseState.isPauseRequested() && this.inFlight === undefined;
  }

  pausePartition(partition: TopicPartition): void {
    this.pauseState.pausePartition(partition);
  }

  resumePartition(partition: TopicPartition): void {
    this.pauseState.resumePartition(partition);
  }

  isPartitionPauseRequested(partition: TopicPartition): boolean {
    return this.pauseState.isPartitionPauseRequested(partition);
  }

  /** Pauses a partition until `until` for a back-off; the consumer keeps heartbeating and fetching the others. */
  backOffPartition(partition: TopicPartition, until: number): void {
    this.pauseState.backOffPartition(partition, until);
  }

  isPartitionBackingOff(partition: TopicPartition): boolean {
    return this.pauseState.isPartitionBackingOff(partition);
  }

  /** Pauses (held) or resumes (released) every partition for a framework reason, such as an open circuit breaker. */
  setPauseHold(reason: string, held: boolean): void {
    this.pauseState.setHold(reason, held);
  }

  /** The listener's circuit breaker (shared with the other consumers of a concurrent container), if configured. */
  get circuitBreaker(): ListenerCircuitBreaker | undefined {
    return this.breaker;
  }

  /** Checked at start so that a container can be created first and given its listener later. */
  private validatedListener(): GenericMessageListener {
    const props = this.containerProperties;
    if (!props.messageListener) throw new KafkaException(`Container ${this.listenerId} has no message listener`);
    const listener = toMessageListener(props.messageListener);
    if (isBatchListener(listener) && props.ackMode === AckMode.RECORD) throw new KafkaException('Cannot use AckMode.RECORD with a batch listener');
    if (props.topics.length === 0 && !props.topicPattern && !props.topicPartitions) throw new KafkaException(`Container ${this.listenerId} has neither topics nor a topicPattern`);
    return listener;
  }

  private get parent(): MessageListenerContainer {
    return this.options.parent ?? this;
  }

  /** The concurrent container this consumer belongs to, else itself (what Spring hands error handlers that stop containers). */
  get thisOrParentContainer(): MessageListenerContainer {
    return this.parent;
  }

  /** A consumer start created its consumer: its record loop, and the container listening to it. */
  private consumerCreated(created: CreatedConsumer, consumer: Consumer, topicPartitions: ContainerProperties['topicPartitions']): void {
    this.created = created;
    const loop = createRecordLoop({
      container: this,
      properties: this.containerProperties,
      created,
      topicPartitions,
      consumer: this.containerConsumer,
      listener: this.listener!,
      breaker: this.breaker,
      errorHandler: this.errorHandler,
      keyDeserializer: this.consumerFactory.keyDeserializer,
      valueDeserializer: this.consumerFactory.valueDeserializer,
      observer: this.options.listenerObserver,
      recordInterceptor: this.options.recordInterceptor,
      batchInterceptor: this.options.batchInterceptor,
      recordFilterStrategy: this.options.recordFilterStrategy,
      logger: this.logger,
      commitOffsets: (offsets) => this.containerConsumer.commitOffsets(offsets),
      assignments: () => this.assignments(),
      isStopping: () => this.state === 'stopping' || this.state === 'stopped',
      isNackPaused: () => this.pauseState.isNackPaused(),
      pauseForNack: (sleep) => this.pauseForNack(sleep),
      onRebalance: () => this.onRebalance(),
    });
    this.loop = loop;
    loop.seeks?.started();
    this.listenToConsumer(consumer);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    this.containerConsumer.batchStarted(payload);
    const offsetCheck = this.offsetCheck.pending;
    if (offsetCheck && !(await offsetCheck)) return;
    if (this.loop?.seeks && (await this.loop.seeks.holdBatch(payload))) return;
    this.partitionIdle?.recordsReceived(payload.batch);
    this.idleMonitor.recordsReceived(() => this.assignments());
    const run = this.loop!.dispatcher.dispatch(payload);
    this.inFlight = run;
    try {
      await run;
    } finally {
      if (this.inFlight === run) this.inFlight = undefined;
    }
  }

  private listenToConsumer(consumer: Consumer): void {
    const { GROUP_JOIN, REBALANCING, FETCH, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    consumer.on(REBALANCING, () => {
      this.rebalancing = true;
      void this.onRebalance();
    });
    consumer.on(FETCH, () => this.onPoll());
    consumer.on(CRASH, (event) => this.onCrash(event.payload.error, event.payload.restart));
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    this.assigned = Object.entries(memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    this.joined = true;
    this.fetchedSinceJoin = false;
    this.rebalancing = false;
    this.revoked = false;
    // kafkajs restarts positions from the committed offsets after a join.
    this.loop?.ackHandler.reset();
    this.loop?.fence?.clear();
    this.pauseState.apply();
    this.loop?.seeks?.partitionsAssigned(this.assignments());
    this.partitionIdle?.assigned(this.assigned);
    this.offsetCheck.assigned(this.assignments(), this.created?.settings.autoOffsetReset);
    this.logger.info(`${this.clientId} (group ${this.groupId}) assigned ${this.assigned.map(topicPartitionKey).join(', ') || 'no partitions'}`);
    this.publish(new ConsumerPartitionsAssignedEvent(this, this.parent, this.assignments()));
    this.callRebalanceListener('onPartitionsAssigned', this.assignments());
  }

  private onPoll(): void {
    this.lastPoll = Date.now();
    if (this.joined && !this.fetchedSinceJoin) {
      this.fetchedSinceJoin = true;
      const check = this.offsetCheck.pending;
      if (check) void check.then((ok) => ok && this.startup.ready());
      else this.startup.ready();
    }
    this.partitionIdle?.poll((tp) => this.pauseState.isPauseRequested() || this.isPartitionPauseRequested(tp));
    this.idleMonitor.poll(() => this.assignments(), this.pauseState.isPauseRequested());
    this.loop?.ackHandler.onPoll().catch((error) => this.logger.debug(`Commit on poll failed for ${this.clientId}: ${messageOf(error)}`));
  }

  /** Commits and runs the revoke callbacks once per rebalance (from a heartbeat failure or kafkajs' event). */
  private async onRebalance(): Promise<void> {
    this.rebalancing = true;
    if (this.revoked) return;
    this.revoked = true;
    const partitions = this.assignments();
    await this.callRebalanceListener('onPartitionsRevokedBeforeCommit', partitions);
    await this.loop?.ackHandler.commit().catch((error) => this.logger.debug(`Commit before rebalance failed for ${this.clientId}: ${messageOf(error)}`));
    // Whatever comes back after the rebalance is fenced and verified again.
    this.loop?.fence?.clear();
    await this.callRebalanceListener('onPartitionsRevokedAfterCommit', partitions);
    this.loop?.seeks?.partitionsRevoked(partitions);
    this.publish(new ConsumerPartitionsRevokedEvent(this, this.parent, partitions));
  }

  /** `auto.offset.reset=none` and a partition without a committed offset: the consumer stops with NO_OFFSET, as Spring's. */
  private noOffset(error: KafkaException): void {
    this.stopReason = 'NO_OFFSET';
    if (this.state === 'starting') this.startup.failed(error);
    else if (this.state === 'running') void this.stop();
  }

  private onCrash(error: unknown, restart: boolean): void {
    this.containerConsumer.consumerStopped();
    if (restart) {
      this.logger.warn(`Consumer ${this.clientId} crashed; kafkajs restarts it`, error);
      return;
    }
    this.logger.error(`Consumer ${this.clientId} crashed and will not restart`, error);
    this.startup.failed(error);
    if (this.state === 'running' && !this.startup.retryAfterAuthFailure(error)) {
      void this.shutdownConsumer().then(() => this.stopped(stopReasonOf(error)));
    }
  }

  /** A nack's sleep pauses every partition; Spring publishes ConsumerPausedEvent and ConsumerResumedEvent around it. */
  private pauseForNack(sleep: number): void {
    const partitions = this.assignments();
    this.pauseState.pauseForNack(sleep, () => this.publish(new ConsumerResumedEvent(this, this.parent, partitions)));
    this.publish(new ConsumerPausedEvent(this, this.parent, partitions));
  }

  private async callRebalanceListener(method: 'onPartitionsAssigned' | 'onPartitionsRevokedBeforeCommit' | 'onPartitionsRevokedAfterCommit', partitions: TopicPartition[]): Promise<void> {
    try {
      await this.containerProperties.consumerRebalanceListener?.[method]?.(this.containerConsumer, partitions);
    } catch (error) {
      this.logger.error(`Rebalance listener ${method} failed for ${this.clientId}`, error);
    }
  }

  private async shutdownConsumer(): Promise<void> {
    this.responsiveness.stop();
    this.breaker?.unregister(this);
    this.pauseState.clear();
    await this.containerConsumer.close();
    const consumer = this.created?.consumer;
    this.containerConsumer.consumerStopped();
    if (!consumer) return;
    await consumer.disconnect().catch((error) => this.logger.warn(`Disconnect of ${this.clientId} failed`, error));
  }

  private stopped(reason: ConsumerStoppedReason): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.startup.stopped();
    this.assigned = [];
    this.created = undefined;
    this.loop?.seeks?.stopped();
    this.offsetCheck.clear();
    const why = this.stopReason ?? reason;
    this.stopReason = undefined;
    this.publish(new ConsumerStoppedEvent(this, this.parent, why));
    this.publish(new ContainerStoppedEvent(this, this.parent));
  }

  private resetGroupState(): void {
    this.assigned = [];
    this.joined = false;
    this.fetchedSinceJoin = false;
    this.rebalancing = false;
    this.revoked = false;
    this.idleMonitor.restart();
  }

  private publish(event: object): void {
    this.publisher?.publishEvent(event);
  }
}
