import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { ListenerContainerIdleEvent, ListenerContainerNoLongerIdleEvent } from '../event/listener-container-idle-events.js';
import type { TopicPartition } from '../support/topic-partition.js';

/**
 * Publishes Spring's idle events for one consumer: `ListenerContainerIdleEvent` once no record
 * arrived for `interval` ms (`interval × idleBeforeDataMultiplier` before the first record),
 * repeated every interval while idle, then `ListenerContainerNoLongerIdleEvent` when records
 * arrive again. Checked on every fetch, which is the consumer's poll.
 */
export class IdleEventMonitor {
  private lastReceive = Date.now();
  private receivedAny = false;
  private lastIdleEvent = 0;
  private idle = false;
  /** Called after each idle event (the container's ConsumerSeekAware `onIdleContainer`). */
  onIdle: (() => void) | undefined;

  constructor(
    private readonly interval: number | undefined,
    private readonly multiplier: number,
    private readonly publisher: ApplicationEventPublisher | undefined,
    private readonly source: unknown,
    private readonly container: unknown,
    private readonly listenerId: string,
  ) {}

  restart(): void {
    this.lastReceive = Date.now();
    this.receivedAny = false;
    this.lastIdleEvent = 0;
    this.idle = false;
  }

  recordsReceived(partitions: () => TopicPartition[]): void {
    const now = Date.now();
    if (this.idle) {
      this.idle = false;
      this.publisher?.publishEvent(new ListenerContainerNoLongerIdleEvent(this.source, this.container, now - this.lastReceive, this.listenerId, partitions()));
    }
    this.lastReceive = now;
    this.receivedAny = true;
  }

  poll(partitions: () => TopicPartition[], paused: boolean): void {
    if (this.interval === undefined || !this.publisher) return;
    const now = Date.now();
    const idleFor = now - this.lastReceive;
    const threshold = this.receivedAny ? this.interval : this.interval * this.multiplier;
    if (idleFor >= threshold && now - this.lastIdleEvent >= this.interval) {
      this.lastIdleEvent = now;
      this.idle = true;
      this.publisher.publishEvent(new ListenerContainerIdleEvent(this.source, this.container, idleFor, this.listenerId, partitions(), paused));
      this.onIdle?.();
    }
  }
}
