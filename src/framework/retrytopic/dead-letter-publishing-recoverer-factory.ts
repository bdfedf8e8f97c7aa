import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import type { KafkaOperations } from '../core/kafka-operations.js';
import { DeadLetterPublishingRecoverer, RETRY_TOPIC_HEADER_NAMES, type DeadLetterHeader, type HeadersFunction } from '../listener/dead-letter-publishing-recoverer.js';
import { bigIntegerBytes, describeError, findInCauses, int32Bytes } from '../listener/error-handling-utils.js';
import { TimestampedException } from '../listener/timestamped-exception.js';
import type { DestinationTopic } from './destination-topic.js';
import type { DefaultDestinationTopicResolver } from './destination-topic-resolver.js';
import { attemptsOf, originalTimestampOf, RetryTopicHeaders } from './retry-topic-headers.js';

/** Chooses the partition of the next topic; undefined or negative lets the producer choose. Default: the record's partition. */
export type RetryTopicPartitionResolver = (record: ConsumerRecord, nextTopic: string) => number | undefined;

/** Global settings of the recoverers that forward records along retry-topic chains. */
export interface DeadLetterPublishingRecovererFactorySettings {
  partitionResolver?: RetryTopicPartitionResolver;
  /** Keep every value of the `retry_topic-*` headers (default true); false keeps only the last. */
  retainAllRetryHeaderValues?: boolean;
  /** More headers for every forwarded record. */
  headersFunction?: HeadersFunction;
  /** Called with each recoverer created. */
  recovererCustomizer?: (recoverer: DeadLetterPublishingRecoverer) => void;
  /** When to log the listener's failure: after the retries are exhausted (default), at each attempt, or never. */
  listenerExceptionLogging?: 'AFTER_RETRIES_EXHAUSTED' | 'EACH_ATTEMPT' | 'NEVER';
}

/**
 * Builds the recoverer that forwards a failed record along its retry-topic chain, as Spring's
 * `DeadLetterPublishingRecovererFactory`: the destination comes from the
 * {@link DefaultDestinationTopicResolver} (nowhere ends the chain), and each forwarded record
 * gets the `retry_topic-*` headers (original timestamp, attempts + 1, due time = failure time +
 * the next topic's delay) and the `kafka_original-*` / `kafka_exception-*` headers
 * (the first "original" set is kept, the last exception wins). Publication failures throw, so
 * the record is redelivered rather than lost.
 */
export class DeadLetterPublishingRecovererFactory {
  readonly settings: DeadLetterPublishingRecovererFactorySettings;
  private readonly logger: Logger;
  /** The destination chosen for a failure, so that the headers and the route agree. */
  private readonly chosen = new WeakMap<object, DestinationTopic>();

  constructor(
    private readonly resolver: DefaultDestinationTopicResolver,
    settings: DeadLetterPublishingRecovererFactorySettings = {},
    logger?: Logger,
  ) {
    this.settings = settings;
    this.logger = logger ?? defaultLogger();
  }

  create(mainListenerId: string, template: KafkaOperations): DeadLetterPublishingRecoverer {
    const partitionResolver = this.settings.partitionResolver ?? ((record: ConsumerRecord) => record.partition);
    const recoverer = new DeadLetterPublishingRecoverer(
      template,
      (record, error) => {
        const next = this.destination(mainListenerId, record, error);
        this.logFailure(record, error, next);
        if (next.isNoOpsTopic()) return null;
        const partition = partitionResolver(record, next.destinationName);
        return { topic: next.destinationName, partition: partition === undefined || partition < 0 ? undefined : partition };
      },
      {
        headerNames: RETRY_TOPIC_HEADER_NAMES,
        appendOriginalHeaders: false,
        stripPreviousExceptionHeaders: true,
        failIfSendResultIsError: true,
        throwIfNoDestinationReturned: false,
        skipSameTopicFatalExceptions: false,
        headersFunction: (record, error) => this.retryHeaders(mainListenerId, record, error),
        logger: this.logger,
      },
    );
    if (this.settings.headersFunction) recoverer.addHeadersFunction(this.settings.headersFunction);
    this.settings.recovererCustomizer?.(recoverer);
    return recoverer;
  }

  private destination(mainListenerId: string, record: ConsumerRecord, error: Error): DestinationTopic {
    const cached = this.chosen.get(error);
    if (cached) return cached;
    const next = this.resolver.resolveDestinationTopic(mainListenerId, record.topic, attemptsOf(record.headers), error, originalTimestamp(record));
    this.chosen.set(error, next);
    return next;
  }

  private retryHeaders(mainListenerId: string, record: ConsumerRecord, error: Error): DeadLetterHeader[] {
    const next = this.destination(mainListenerId, record, error);
    const single = this.settings.retainAllRetryHeaderValues === false;
    const original = record.headers.lastHeader(RetryTopicHeaders.DEFAULT_HEADER_ORIGINAL_TIMESTAMP)?.value ?? bigIntegerBytes(Math.max(0, record.timestamp));
    const failedAt = findInCauses(error, TimestampedException)?.timestamp ?? Date.now();
    return [
      { key: RetryTopicHeaders.DEFAULT_HEADER_ORIGINAL_TIMESTAMP, value: original, single },
      { key: RetryTopicHeaders.DEFAULT_HEADER_ATTEMPTS, value: int32Bytes(Math.min(attemptsOf(record.headers) + 1, 32767)), single },
      { key: RetryTopicHeaders.DEFAULT_HEADER_BACKOFF_TIMESTAMP, value: bigIntegerBytes(failedAt + next.delay), single },
    ];
  }

  private logFailure(record: ConsumerRecord, error: Error, next: DestinationTopic): void {
    const logging = this.settings.listenerExceptionLogging ?? 'AFTER_RETRIES_EXHAUSTED';
    if (logging === 'NEVER') return;
    const where = `${record} threw an error at topic ${record.topic}: ${describeError(error)}`;
    if (next.isDltTopic() && next.destinationName !== record.topic) this.logger.error(`${where}; it won't be retried. Sending it to the DLT ${next.destinationName}.`);
    else if (next.isNoOpsTopic()) this.logger.error(`${where}; it won't be retried. No further action will be taken with this record.`);
    else if (logging === 'EACH_ATTEMPT') this.logger.error(`${where}. Sending it to ${next.destinationName}.`);
    else this.logger.debug(`${where}. Sending it to ${next.destinationName}.`);
  }
}

function originalTimestamp(record: ConsumerRecord): number {
  return originalTimestampOf(record.headers) ?? record.timestamp;
}
