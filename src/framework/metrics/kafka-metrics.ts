import { Counter, Gauge, Registry } from 'prom-client';
import type { TemplateObserver } from '../core/template-observer.js';
import { ListenerExecutionFailedException } from '../listener/listener-execution-failed-exception.js';
import type { ListenerObserver, ObservationEnd } from '../listener/listener-observer.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ProducerRecord } from '../support/producer-record.js';
import { ConsumerLag, type LagSource } from './consumer-lag.js';
import { containerStates, type ListenerContainers } from './listener-containers.js';
import { TimerHistogram, type TimerSeries } from './timer-histogram.js';

/** Seconds; Micrometer's default SLO-free timer buckets are too many, these cover 1 ms to 10 s. */
const TIMER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A listener's figures for one topic, written on the listener path without any hashing of labels. */
interface TopicMeters {
  readonly topic: string;
  /** Records handed to the listener; copied into the counter on scrape. */
  consumed: number;
  /** Next offset per partition: one past the last record the listener finished with. */
  readonly positions: Map<number, number>;
}

interface ListenerMeters {
  readonly success: TimerSeries;
  readonly topics: Map<string, TopicMeters>;
  /** The topic of the previous record: consecutive records of one topic skip the map lookup. */
  last: TopicMeters | undefined;
  /** Next offset per topic and partition (the same maps as in `topics`), for consumer lag. */
  readonly positions: Map<string, Map<number, number>>;
  lastError: { message: string; at: number } | undefined;
}

/**
 * Spring Kafka's listener and template timers plus record, retry, recovery and dead-letter
 * counters, container and circuit-breaker state and consumer lag, in a prom-client
 * {@link Registry} (docs/observability.md). It observes the listener path through
 * {@link ListenerObserver} and the template through {@link TemplateObserver}.
 */
export class KafkaMetrics implements ListenerObserver {
  readonly registry: Registry;
  private readonly listenerTimer: TimerHistogram;
  private readonly templateTimer: TimerHistogram;
  private readonly consumed: Counter<'name' | 'topic'>;
  private readonly produced: Counter<'name' | 'topic'>;
  private readonly retries: Counter<'name'>;
  private readonly recoveries: Counter<'name'>;
  private readonly deadLettered: Counter<'name' | 'topic'>;
  private readonly meters = new Map<MessageListenerContainer, ListenerMeters>();
  /** The container observed last: a concurrent container's consumers take turns, a single one never changes. */
  private lastContainer: MessageListenerContainer | undefined;
  private lastMeters: ListenerMeters | undefined;
  readonly lag: ConsumerLag;

  constructor(private readonly containers: ListenerContainers, lagSource: LagSource, registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.listenerTimer = new TimerHistogram('streamwright_kafka_listener_seconds', 'Listener invocations (Spring Kafka spring.kafka.listener)', TIMER_BUCKETS, registry);
    this.templateTimer = new TimerHistogram('streamwright_kafka_template_seconds', 'KafkaTemplate sends (Spring Kafka spring.kafka.template)', TIMER_BUCKETS, registry);
    const meters = this.meters;
    this.consumed = new Counter({
      name: 'streamwright_kafka_records_consumed_total',
      help: 'Records handed to a listener',
      labelNames: ['name', 'topic'],
      registers,
      collect() {
        this.reset();
        for (const [container, { topics }] of meters) for (const { topic, consumed } of topics.values()) this.inc({ name: container.listenerId, topic }, consumed);
      },
    });
    this.produced = new Counter({ name: 'streamwright_kafka_records_produced_total', help: 'Records a KafkaTemplate sent successfully', labelNames: ['name', 'topic'], registers });
    this.retries = new Counter({ name: 'streamwright_kafka_listener_retries_total', help: 'Failed deliveries the error handler left for redelivery', labelNames: ['name'], registers });
    this.recoveries = new Counter({ name: 'streamwright_kafka_listener_recoveries_total', help: 'Failed records the error handler recovered', labelNames: ['name'], registers });
    this.deadLettered = new Counter({ name: 'streamwright_kafka_listener_dead_lettered_total', help: 'Records a DeadLetterPublishingRecoverer published', labelNames: ['name', 'topic'], registers });
    const states = containerStates(containers);
    new Gauge({
      name: 'streamwright_kafka_listener_container_running',
      help: 'Listener container consumer running (1) or not (0)',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const state of states()) this.set({ name: state.name }, state.running ? 1 : 0);
      },
    });
    new Gauge({
      name: 'streamwright_kafka_listener_assigned_partitions',
      help: 'Partitions assigned to a listener container consumer',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const state of states()) this.set({ name: state.name }, state.assigned);
      },
    });
    new Gauge({
      name: 'streamwright_kafka_listener_circuit_breaker_state',
      help: 'Listener circuit breaker: 1 for its current state',
      labelNames: ['name', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { name, breaker } of containers.breakers()) {
          for (const state of ['CLOSED', 'OPEN', 'HALF_OPEN']) this.set({ name, state }, breaker.state === state ? 1 : 0);
        }
      },
    });
    this.lag = new ConsumerLag(containers, lagSource, (container) => this.meters.get(container)?.positions);
    const lag = this.lag;
    new Gauge({
      name: 'kafka_consumergroup_lag',
      help: 'Log end offset minus the consumer position (kafka_exporter name)',
      labelNames: ['consumergroup', 'topic', 'partition'],
      registers,
      async collect() {
        this.reset();
        for (const row of await lag.current()) this.set({ consumergroup: row.group, topic: row.topic, partition: String(row.partition) }, row.lag);
      },
    });
  }

  listenerStarted(container: MessageListenerContainer, records: readonly ConsumerRecord[]): ObservationEnd {
    const meters = this.metersOf(container);
    if (records.length === 1) {
      // One record (every record listener): no loops, one closure.
      const record = records[0]!;
      const topic = topicMetersOf(meters, record.topic);
      topic.consumed++;
      const startedAt = performance.now();
      return (error?: unknown) => {
        topic.positions.set(record.partition, record.offset + 1);
        this.observed(meters, container, startedAt, error);
      };
    }
    for (const record of records) topicMetersOf(meters, record.topic).consumed++;
    const startedAt = performance.now();
    return (error?: unknown) => {
      for (const record of records) topicMetersOf(meters, record.topic).positions.set(record.partition, record.offset + 1);
      this.observed(meters, container, startedAt, error);
    };
  }

  recordObserved(container: MessageListenerContainer, record: ConsumerRecord, seconds: number, error?: unknown): void {
    const meters = this.metersOf(container);
    const topic = topicMetersOf(meters, record.topic);
    topic.consumed++;
    topic.positions.set(record.partition, record.offset + 1);
    if (error === undefined) meters.success.observe(seconds);
    else this.failed(meters, container, seconds, error);
  }

  private observed(meters: ListenerMeters, container: MessageListenerContainer, startedAt: number, error: unknown): void {
    const seconds = (performance.now() - startedAt) / 1000;
    if (error === undefined) {
      meters.success.observe(seconds);
      return;
    }
    this.failed(meters, container, seconds, error);
  }

  private failed(meters: ListenerMeters, container: MessageListenerContainer, seconds: number, error: unknown): void {
    meters.lastError = { message: error instanceof Error ? error.message : String(error), at: Date.now() };
    this.listenerTimer.labelled({ name: container.listenerId, result: 'failure', exception: exceptionName(error) }).observe(seconds);
  }

  failureHandled(container: MessageListenerContainer, _record: ConsumerRecord, recovered: boolean): void {
    (recovered ? this.recoveries : this.retries).inc({ name: this.containers.listenerIdOf(container) });
  }

  /** The observer to set on a KafkaTemplate, labelled `name` (Spring: the template's bean name). */
  templateObserver(name: string): TemplateObserver {
    return {
      sendStarted: (record: ProducerRecord<unknown, unknown>) => {
        const startedAt = performance.now();
        return (error?: unknown) => {
          const seconds = (performance.now() - startedAt) / 1000;
          if (error === undefined) {
            this.templateTimer.labelled({ name, result: 'success', exception: 'none' }).observe(seconds);
            this.produced.inc({ name, topic: record.topic });
          } else {
            this.templateTimer.labelled({ name, result: 'failure', exception: exceptionName(error) }).observe(seconds);
          }
        };
      },
      deadLettered: (record: ConsumerRecord, error: Error, topic: string) => {
        const group = error instanceof ListenerExecutionFailedException ? error.groupId : undefined;
        this.deadLettered.inc({ name: this.containers.listenerIdForGroup(group, record.topic), topic });
      },
    };
  }

  /** The last listener failure of a container's consumer, for health. */
  lastError(container: MessageListenerContainer): { message: string; at: number } | undefined {
    return this.meters.get(container)?.lastError;
  }

  async close(): Promise<void> {
    await this.lag.close();
  }

  private metersOf(container: MessageListenerContainer): ListenerMeters {
    if (container === this.lastContainer) return this.lastMeters!;
    let meters = this.meters.get(container);
    if (!meters) {
      meters = { success: this.listenerTimer.labelled({ name: container.listenerId, result: 'success', exception: 'none' }), topics: new Map(), last: undefined, positions: new Map(), lastError: undefined };
      this.meters.set(container, meters);
    }
    this.lastContainer = container;
    this.lastMeters = meters;
    return meters;
  }
}

function topicMetersOf(meters: ListenerMeters, topic: string): TopicMeters {
  const last = meters.last;
  if (last !== undefined && last.topic === topic) return last;
  let found = meters.topics.get(topic);
  if (!found) {
    found = { topic, consumed: 0, positions: new Map() };
    meters.topics.set(topic, found);
    meters.positions.set(topic, found.positions);
  }
  meters.last = found;
  return found;
}

/** Spring's `exception` tag: the simple class name (the cause's, for the framework's wrapper). */
function exceptionName(error: unknown): string {
  const cause = error instanceof ListenerExecutionFailedException && error.cause !== undefined ? error.cause : error;
  return cause instanceof Error ? cause.constructor.name || 'Error' : typeof cause;
}
