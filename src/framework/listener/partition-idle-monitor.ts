import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { ListenerContainerPartitionIdleEvent, ListenerContainerPartitionNoLongerIdleEvent } from '../event/listener-container-idle-events.js';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';

interface PartitionState {
  readonly partition: TopicPartition;
  lastReceive: number;
  lastEvent: number;
  idle: boolean;
}

/**
 * Spring's partition idle events for one consumer: `ListenerContainerPartitionIdleEvent` once
 * an assigned partition delivered nothing for `interval` ms (counted from its assignment),
 * repeated every interval, then `ListenerContainerPartitionNoLongerIdleEvent` when it delivers
 * again. Checked on every fetch.
 */
export class PartitionIdleMonitor {
  private readonly partitions = new Map<string, PartitionState>();

  private constructor(
    private readonly interval: number,
    private readonly publisher: ApplicationEventPublisher,
    private readonly source: unknown,
    private readonly container: unknown,
    private readonly listenerId: string,
  ) {}

  /** A monitor when `idlePartitionEventInterval` is set, else undefined (no cost). */
  static for(interval: number | undefined, publisher: ApplicationEventPublisher | undefined, source: unknown, container: unknown, listenerId: string): PartitionIdleMonitor | undefined {
    return interval === undefined || !publisher ? undefined : new PartitionIdleMonitor(interval, publisher, source, container, listenerId);
  }

  assigned(partitions: readonly TopicPartition[]): void {
    const now = Date.now();
    const kept = new Map(this.partitions);
    this.partitions.clear();
    for (const partition of partitions) {
      const key = topicPartitionKey(partition);
      this.partitions.set(key, kept.get(key) ?? { partition: { topic: partition.topic, partition: partition.partition }, lastReceive: now, lastEvent: 0, idle: false });
    }
  }

  recordsReceived(partition: TopicPartition): void {
    const state = this.partitions.get(topicPartitionKey(partition));
    if (!state) return;
    const now = Date.now();
    if (state.idle) {
      state.idle = false;
      this.publisher.publishEvent(new ListenerContainerPartitionNoLongerIdleEvent(this.source, this.container, now - state.lastReceive, this.listenerId, state.partition));
    }
    state.lastReceive = now;
  }

  poll(isPaused: (partition: TopicPartition) => boolean): void {
    const now = Date.now();
    for (const state of this.partitions.values()) {
      const idleFor = now - state.lastReceive;
      if (idleFor >= this.interval && now - state.lastEvent >= this.interval) {
        state.lastEvent = now;
        state.idle = true;
        this.publisher.publishEvent(new ListenerContainerPartitionIdleEvent(this.source, this.container, idleFor, this.listenerId, state.partition, isPaused(state.partition)));
      }
    }
  }
}
