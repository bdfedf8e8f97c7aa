import { KafkaException } from '../kafka-exception.js';
import { findRootCause } from '../listener/error-handling-utils.js';
import { ExceptionClassifier } from '../listener/exception-classifier.js';
import { DestinationTopic } from './destination-topic.js';
import { RetryTopicConstants } from './retry-topic-headers.js';

interface Holder {
  readonly source: DestinationTopic;
  readonly next: DestinationTopic;
}

/**
 * Where a failed record goes next, as Spring's `DefaultDestinationTopicResolver`:
 *
 * - from a DLT: the same DLT again with ALWAYS_RETRY_ON_ERROR and a failure that is not
 *   fatal; otherwise nowhere;
 * - otherwise the next retry topic when the attempt is below `attempts`, the
 *   `include`/`exclude` classification allows it, the failure is not fatal (the default fatal
 *   list plus `manageNonBlockingFatalExceptions`) and the `timeout` has not passed since the
 *   original timestamp; a reusable retry topic routes to itself;
 * - anything else: the DLT, or nowhere with NO_DLT.
 *
 * It is also the chain's directory at run time (`getNextDestinationTopicFor`, `getDltFor`).
 */
export class DefaultDestinationTopicResolver {
  /** The non-blocking fatal list: these failures skip the retry topics. */
  readonly fatalClassifier = new ExceptionClassifier();
  private readonly chains = new Map<string, Map<string, Holder>>();

  constructor(private readonly clock: () => number = Date.now) {}

  addDestinationTopics(mainListenerId: string, destinations: readonly DestinationTopic[]): void {
    destinations.forEach((destination, index) => {
      if (destination.isReusableRetryTopic() && !destinations.slice(index + 1).every((d) => d.isDltTopic())) {
        throw new KafkaException('In the destination topic chain, a reusable retry topic can only be the last retry topic (followed only by DLTs)');
      }
    });
    const map = this.chains.get(mainListenerId) ?? new Map<string, Holder>();
    destinations.forEach((source, index) => {
      const next = destinations[index + 1] ?? new DestinationTopic(`${source.destinationName}-noOps`, { ...source.properties, suffix: '-noOps', type: 'NO_OPS' });
      map.set(source.destinationName, { source, next });
    });
    this.chains.set(mainListenerId, map);
  }

  resolveDestinationTopic(mainListenerId: string, topic: string, attempt: number, error: unknown, originalTimestamp: number): DestinationTopic {
    const holder = this.holder(mainListenerId, topic);
    if (holder.source.isDltTopic()) {
      return holder.source.isAlwaysRetryOnDltFailure() && this.isNotFatal(error) ? holder.source : holder.next;
    }
    if (holder.source.shouldRetryOn(attempt, findRootCause(error)) && this.isNotFatal(error) && !this.isPastTimeout(originalTimestamp, holder)) {
      if (holder.source.isReusableRetryTopic()) return holder.source;
      if (holder.next.isDltTopic()) return this.dltOrNoOps(mainListenerId, holder.source.destinationName, error);
      return holder.next;
    }
    return this.dltOrNoOps(mainListenerId, topic, error);
  }

  getDestinationTopicByName(mainListenerId: string, topic: string): DestinationTopic {
    return this.holder(mainListenerId, topic).source;
  }

  getNextDestinationTopicFor(mainListenerId: string, topic: string): DestinationTopic {
    return this.holder(mainListenerId, topic).next;
  }

  /** The DLT of a chain, or undefined with NO_DLT. */
  getDltFor(mainListenerId: string, topic: string): DestinationTopic | undefined {
    const destination = this.dltOrNoOps(mainListenerId, topic);
    return destination.isNoOpsTopic() ? undefined : destination;
  }

  /** Every link of a chain, main topic first. */
  destinationsOf(mainListenerId: string): DestinationTopic[] {
    return [...(this.chains.get(mainListenerId)?.values() ?? [])].map((h) => h.source);
  }

  /** The first DLT after `topic` that takes the failure (exception-based routing; without an error, the plain DLT), or NO_OPS. */
  private dltOrNoOps(mainListenerId: string, topic: string, error?: unknown): DestinationTopic {
    const takes = (destination: DestinationTopic) => (error === undefined ? destination.isDltTopic() && (destination.properties.usedForExceptions ?? []).length === 0 : destination.isDltFor(error));
    let destination = this.getNextDestinationTopicFor(mainListenerId, topic);
    while (!takes(destination) && !destination.isNoOpsTopic()) destination = this.getNextDestinationTopicFor(mainListenerId, destination.destinationName);
    return destination;
  }

  private isNotFatal(error: unknown): boolean {
    return this.fatalClassifier.isRetryable(error);
  }

  private isPastTimeout(originalTimestamp: number, holder: Holder): boolean {
    const timeout = holder.next.timeout;
    return timeout !== RetryTopicConstants.NOT_SET && timeout >= 0 && this.clock() > originalTimestamp + timeout;
  }

  private holder(mainListenerId: string, topic: string): Holder {
    const map = this.chains.get(mainListenerId);
    if (!map) throw new KafkaException(`No destination resolution information for listener ${mainListenerId}`);
    const holder = map.get(topic);
    if (!holder) throw new KafkaException(`No destination found for topic: ${topic}`);
    return holder;
  }
}
