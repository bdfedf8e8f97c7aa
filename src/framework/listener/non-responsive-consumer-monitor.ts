import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { NonResponsiveConsumerEvent } from '../event/non-responsive-consumer-event.js';
import type { TopicPartition } from '../support/topic-partition.js';
import type { ContainerProperties } from './container-properties.js';

/**
 * Spring's consumer monitor: every `monitorInterval` ms, a consumer whose last fetch is older
 * than `noPollThreshold × pollTimeout` ms gets a {@link NonResponsiveConsumerEvent}. kafkajs
 * fetches again only once the batch in hand is done, so a listener stuck in a record shows up
 * here.
 */
export class NonResponsiveConsumerMonitor {
  private timer: NodeJS.Timeout | undefined;
  private since = Date.now();

  constructor(
    private readonly properties: ContainerProperties,
    private readonly publisher: ApplicationEventPublisher | undefined,
    private readonly source: unknown,
    private readonly container: unknown,
    private readonly listenerId: string,
    private readonly lastPoll: () => number | undefined,
    private readonly assignments: () => TopicPartition[],
    /** Every partition paused (pause(), a nack sleep, an open circuit): kafkajs may not fetch then, which is not a hang. */
    private readonly isPaused: () => boolean = () => false,
  ) {}

  start(): void {
    this.stop();
    if (!this.publisher) return;
    this.since = Date.now();
    const threshold = this.properties.noPollThreshold * this.properties.pollTimeout;
    this.timer = setInterval(() => {
      const quietFor = Date.now() - (this.lastPoll() ?? this.since);
      if (quietFor > threshold && !this.isPaused()) this.publisher!.publishEvent(new NonResponsiveConsumerEvent(this.source, this.container, quietFor, this.listenerId, this.assignments()));
    }, this.properties.monitorInterval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
