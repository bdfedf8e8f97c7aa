import CircuitBreaker from 'opossum';
import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { KafkaEvent } from '../event/kafka-event.js';
import { KafkaException } from '../kafka-exception.js';
import type { Acknowledgment } from '../support/acknowledgment.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ConsumerRecords } from '../support/consumer-records.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { ExceptionClassifier } from './exception-classifier.js';
import type { ContainerConsumer } from './container-consumer.js';
import { isBatchListener, type GenericMessageListener } from './message-listener.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * `@KafkaListener({ circuitBreaker })` / `containerProperties.circuitBreaker`: an
 * [opossum](https://nodeshift.dev/opossum/) breaker around the listener. Unset values keep
 * opossum's defaults.
 */
export interface CircuitBreakerOptions {
  /** A call slower than this many ms counts as a failure (opossum default 10000; `false`: never). The record's own outcome still stands. */
  timeout?: number | false;
  /** Open when this percentage of calls in the rolling window failed (default 50). */
  errorThresholdPercentage?: number;
  /** Stay open this many ms, then let one trial call through (default 30000). */
  resetTimeout?: number;
  /** Calls in the window before the breaker may open (default 0). */
  volumeThreshold?: number;
  /** Length of the rolling statistics window (default 10000 ms) and its buckets (default 10). */
  rollingCountTimeout?: number;
  rollingCountBuckets?: number;
  /**
   * Failures for which this returns true do not count against the breaker. Default: failures
   * that are not retryable (deserialization, conversion: a bad record, not a failing
   * dependency).
   */
  errorFilter?: (error: unknown) => boolean;
}

export type CircuitBreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/**
 * The breaker's rolling-window counters (opossum's stats). Declared here so the public
 * declarations never name opossum's types: a user project type-checks without @types/opossum.
 */
export interface CircuitBreakerStats {
  failures: number;
  fallbacks: number;
  successes: number;
  rejects: number;
  fires: number;
  timeouts: number;
  cacheHits: number;
  cacheMisses: number;
  semaphoreRejections: number;
  percentiles: { [percentile: number]: number };
  latencyTimes: number[];
  latencyMean: number;
}

/**
 * The listener was not called because the circuit breaker is open (or a half-open trial is in
 * progress), or it failed and its failure opened the breaker. The record is not a failed
 * delivery: it waits, and is delivered again once the breaker lets calls through.
 */
export class CircuitBreakerOpenException extends KafkaException {}

/** The breaker of a listener container opened: its consumers stopped fetching. */
export class ListenerCircuitBreakerOpenedEvent extends KafkaEvent {}
/** `resetTimeout` passed: the consumers fetch again and the next call is the trial. */
export class ListenerCircuitBreakerHalfOpenEvent extends KafkaEvent {}
/** The trial succeeded: the breaker closed. */
export class ListenerCircuitBreakerClosedEvent extends KafkaEvent {}

/** What the breaker needs from each consumer container it governs. */
export interface CircuitBreakerPausable {
  /** Pause (held) or resume (released) for the breaker, apart from the application's pause(). */
  setPauseHold(reason: string, held: boolean): void;
}

const HOLD = 'circuit-breaker';
const breakers = new WeakMap<object, ListenerCircuitBreaker>();

/**
 * A circuit breaker shared by the consumers of one listener container. While it is open the
 * consumers are paused (they stay in their group): records wait on the broker, and none is
 * skipped, retried or dead-lettered. After `resetTimeout` the breaker is half-open and the
 * consumers fetch again; the first call is the trial (the others wait until it is decided): a
 * success closes the breaker, a failure opens it again.
 *
 * Observe it with `container.circuitBreaker` (`state`, `stats`, `on('open' | 'halfOpen' |
 * 'close' | 'failure' | ..., fn)`) or through the application's events
 * ({@link ListenerCircuitBreakerOpenedEvent}, {@link ListenerCircuitBreakerHalfOpenEvent},
 * {@link ListenerCircuitBreakerClosedEvent}).
 */
export class ListenerCircuitBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly members = new Set<CircuitBreakerPausable>();
  private readonly resetTimeout: number;

  constructor(
    readonly container: MessageListenerContainer,
    options: CircuitBreakerOptions,
    private readonly publisher?: ApplicationEventPublisher,
    private readonly logger: Logger = defaultLogger(),
  ) {
    const classifier = new ExceptionClassifier();
    this.resetTimeout = options.resetTimeout ?? 30_000;
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      name: container.listenerId,
      timeout: options.timeout,
      errorThresholdPercentage: options.errorThresholdPercentage,
      resetTimeout: options.resetTimeout,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingCountTimeout,
      rollingCountBuckets: options.rollingCountBuckets,
      errorFilter: options.errorFilter ?? ((error: unknown) => !classifier.isRetryable(error)),
    });
    this.breaker.on('open', () => {
      this.logger.warn(`Circuit breaker of ${container.listenerId} opened; its consumers are paused for ${this.resetTimeout} ms`);
      for (const member of this.members) member.setPauseHold(HOLD, true);
      this.publish(ListenerCircuitBreakerOpenedEvent);
    });
    this.breaker.on('halfOpen', () => {
      this.logger.info(`Circuit breaker of ${container.listenerId} is half-open; trying one call`);
      for (const member of this.members) member.setPauseHold(HOLD, false);
      this.publish(ListenerCircuitBreakerHalfOpenEvent);
    });
    this.breaker.on('close', () => {
      this.logger.info(`Circuit breaker of ${container.listenerId} closed`);
      for (const member of this.members) member.setPauseHold(HOLD, false);
      this.publish(ListenerCircuitBreakerClosedEvent);
    });
  }

  /** The breaker of a (parent) container, created on first use. */
  static forContainer(container: MessageListenerContainer, options: CircuitBreakerOptions, publisher?: ApplicationEventPublisher, logger?: Logger): ListenerCircuitBreaker {
    let breaker = breakers.get(container);
    if (!breaker) {
      breaker = new ListenerCircuitBreaker(container, options, publisher, logger);
      breakers.set(container, breaker);
    }
    return breaker;
  }

  /** The breaker of a container, if it has one. */
  static of(container: MessageListenerContainer): ListenerCircuitBreaker | undefined {
    return breakers.get(container);
  }

  get state(): CircuitBreakerState {
    if (this.breaker.opened) return 'OPEN';
    if (this.breaker.halfOpen) return 'HALF_OPEN';
    return 'CLOSED';
  }

  get stats(): CircuitBreakerStats {
    return this.breaker.stats;
  }

  /** Subscribes to opossum's events (`open`, `halfOpen`, `close`, `failure`, `success`, `timeout`, `reject`, ...). */
  on(event: string, listener: (...args: unknown[]) => void): () => void {
    const emitter = this.breaker as unknown as NodeJS.EventEmitter;
    emitter.on(event, listener);
    return () => emitter.off(event, listener);
  }

  /** A consumer container joins (on start): it is paused at once if the breaker is open. */
  register(member: CircuitBreakerPausable): void {
    this.members.add(member);
    if (this.breaker.opened) member.setPauseHold(HOLD, true);
  }

  unregister(member: CircuitBreakerPausable): void {
    this.members.delete(member);
  }

  /** The listener, with each call going through the breaker. */
  wrap(listener: GenericMessageListener, member: CircuitBreakerPausable): GenericMessageListener {
    if (isBatchListener(listener)) {
      return {
        batch: true,
        onMessage: (records: ConsumerRecords, ack: Acknowledgment, consumer: ContainerConsumer) => this.call(() => listener.onMessage(records, ack, consumer), member, `${records[0] ?? 'a batch'}`),
      };
    }
    return {
      onMessage: (record: ConsumerRecord, ack: Acknowledgment, consumer: ContainerConsumer) => this.call(() => listener.onMessage(record, ack, consumer), member, String(record)),
    };
  }

  /**
   * Calls the listener through the breaker. A call the breaker rejects never reaches the
   * listener and fails with {@link CircuitBreakerOpenException}. A call that runs is waited
   * for to the end even when the breaker times it out, and its own outcome decides the record;
   * a failure that leaves the breaker open is turned into a CircuitBreakerOpenException so
   * that the record waits instead of being retried or recovered.
   */
  private async call(invoke: () => unknown, member: CircuitBreakerPausable, what: string): Promise<void> {
    let outcome: Promise<unknown> | undefined;
    const fired = this.breaker.fire(() => (outcome = Promise.resolve().then(invoke)));
    try {
      await fired;
      return;
    } catch (breakerError) {
      if (!outcome) {
        if (this.breaker.halfOpen || this.breaker.pendingClose) {
          // A trial is under way elsewhere: this consumer waits for its verdict.
          member.setPauseHold(HOLD, true);
        }
        throw new CircuitBreakerOpenException(`Circuit breaker of ${this.container.listenerId} is open; ${what} waits`, { cause: breakerError });
      }
    }
    try {
      await outcome;
    } catch (listenerError) {
      if (this.breaker.opened) throw new CircuitBreakerOpenException(`Circuit breaker of ${this.container.listenerId} opened; ${what} waits`, { cause: listenerError });
      throw listenerError;
    }
    // The listener succeeded although the breaker timed the call out: the record is processed.
  }

  private publish(type: new (source: unknown, container: unknown) => KafkaEvent): void {
    this.publisher?.publishEvent(new type(this, this.container));
  }
}
