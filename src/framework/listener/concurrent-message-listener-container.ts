import type { ConsumerFactory } from '../core/consumer-factory.js';
import { ConcurrentContainerStoppedEvent, ContainerStoppedEvent } from '../event/consumer-lifecycle-events.js';
import { KafkaException } from '../kafka-exception.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';
import type { ContainerProperties } from './container-properties.js';
import { KafkaMessageListenerContainer, type ListenerContainerCollaborators } from './kafka-message-listener-container.js';
import { ListenerCircuitBreaker } from './listener-circuit-breaker.js';
import { hasAllPartitionsEntries, resolveAllPartitions } from './all-partitions.js';
import type { MessageListenerContainer } from './message-listener-container.js';

export interface ConcurrentMessageListenerContainerOptions extends ListenerContainerCollaborators {
  listenerId?: string;
  /** Number of consumers (default 1). More than the partitions leaves some idle. */
  concurrency?: number;
}

let anonymous = 0;

/**
 * `concurrency` consumers in one group, as Spring's `ConcurrentMessageListenerContainer`;
 * each child is a {@link KafkaMessageListenerContainer} named `<id>-<n>` with client id
 * `<clientId>-<n>`. The group's coordinator gives each partition to one child at a time.
 */
export class ConcurrentMessageListenerContainer implements MessageListenerContainer {
  readonly listenerId: string;
  readonly concurrency: number;
  private readonly logger: Logger;
  private children: KafkaMessageListenerContainer[] = [];
  private running = false;
  private pauseRequested = false;
  private readonly pausedPartitions = new Map<string, TopicPartition>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly consumerFactory: ConsumerFactory,
    readonly containerProperties: ContainerProperties,
    private readonly options: ConcurrentMessageListenerContainerOptions = {},
  ) {
    this.listenerId = options.listenerId ?? `streamwright.ConcurrentMessageListenerContainer#${anonymous++}`;
    const concurrency = options.concurrency ?? 1;
    this.concurrency = Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 1;
    this.logger = options.logger ?? defaultLogger();
  }

  get groupId(): string {
    return this.containerProperties.groupId ?? this.consumerFactory.configurationProperties.groupId ?? '';
  }

  /** The single-consumer containers, for inspection. */
  get containers(): readonly KafkaMessageListenerContainer[] {
    return this.children;
  }

  isRunning(): boolean {
    return this.running;
  }

  /** The circuit breaker its consumers share (`containerProperties.circuitBreaker`), once started. */
  get circuitBreaker(): ListenerCircuitBreaker | undefined {
    return ListenerCircuitBreaker.of(this);
  }

  /**
   * Starts every child and resolves once the group has settled: each child has joined the
   * latest generation and fetched, and no partition is claimed twice.
   */
  async start(): Promise<void> {
    if (this.running) return;
    const prefix = this.containerProperties.clientId || this.listenerId;
    // Manually assigned partitions are split across the children (never more children than partitions), as in Spring.
    const requested = this.containerProperties.topicPartitions;
    const assigned = hasAllPartitionsEntries(requested) ? await resolveAllPartitions(requested, this.consumerFactory, this.logger) : requested;
    const count = assigned ? Math.min(this.concurrency, assigned.length) : this.concurrency;
    const share = (n: number) => (assigned ? { topicPartitions: assigned.filter((_, i) => i % count === n) } : {});
    this.children = Array.from({ length: count }, (_, n) =>
      new KafkaMessageListenerContainer(this.consumerFactory, this.containerProperties.with({ clientId: `${prefix}-${n}`, ...share(n) }), {
        ...this.options,
        listenerId: `${this.listenerId}-${n}`,
        parent: this,
      }),
    );
    this.unsubscribe?.();
    this.unsubscribe = this.options.applicationEventPublisher?.addListener(ContainerStoppedEvent, (event) => this.onChildStopped(event));
    this.running = true;
    const results = await Promise.allSettled(this.children.map((child) => child.start()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await this.stop();
      throw failure.reason instanceof Error ? failure.reason : new KafkaException(String(failure.reason));
    }
    if (this.pauseRequested) this.children.forEach((child) => child.pause());
    for (const partition of this.pausedPartitions.values()) this.children.forEach((child) => child.pausePartition(partition));
    await this.waitUntilSettled();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.all(this.children.map((child) => child.stop()));
  }

  pause(): void {
    this.pauseRequested = true;
    this.children.forEach((child) => child.pause());
  }

  resume(): void {
    this.pauseRequested = false;
    this.children.forEach((child) => child.resume());
  }

  isPauseRequested(): boolean {
    return this.pauseRequested;
  }

  isContainerPaused(): boolean {
    return this.pauseRequested && this.children.every((child) => child.isContainerPaused());
  }

  pausePartition(partition: TopicPartition): void {
    this.pausedPartitions.set(topicPartitionKey(partition), partition);
    this.children.forEach((child) => child.pausePartition(partition));
  }

  resumePartition(partition: TopicPartition): void {
    this.pausedPartitions.delete(topicPartitionKey(partition));
    this.children.forEach((child) => child.resumePartition(partition));
  }

  isPartitionPauseRequested(partition: TopicPartition): boolean {
    return this.pausedPartitions.has(topicPartitionKey(partition));
  }

  assignments(): TopicPartition[] {
    return this.children.flatMap((child) => child.assignments());
  }

  /** True when every child's assignment is current and no partition appears twice. */
  isSettled(): boolean {
    if (!this.children.every((child) => child.isSettled())) return false;
    const keys = this.assignments().map(topicPartitionKey);
    return new Set(keys).size === keys.length;
  }

  private async waitUntilSettled(): Promise<void> {
    const deadline = Date.now() + this.containerProperties.consumerStartTimeout;
    // A consumer waiting out authExceptionRetryInterval starts on its own time, as Spring's does.
    while (this.running && !this.isSettled() && !this.children.some((child) => child.isRetryingAuth())) {
      if (Date.now() >= deadline) {
        this.logger.warn(`Container ${this.listenerId}: the group had not settled after ${this.containerProperties.consumerStartTimeout} ms; continuing`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private onChildStopped(event: ContainerStoppedEvent): void {
    if (!this.children.includes(event.source as KafkaMessageListenerContainer)) return;
    if (this.children.every((child) => !child.isRunning())) {
      this.running = false;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.options.applicationEventPublisher?.publishEvent(new ContainerStoppedEvent(this, this));
      this.options.applicationEventPublisher?.publishEvent(new ConcurrentContainerStoppedEvent(this, this));
    }
  }
}
