import { DltStrategy } from './dlt-strategy.js';
import type { DestinationTopicProperties, DestinationTopicType } from './destination-topic.js';
import { RetryTopicConstants } from './retry-topic-headers.js';
import { SameIntervalTopicReuseStrategy } from './same-interval-topic-reuse-strategy.js';
import { TopicSuffixingStrategy } from './topic-suffixing-strategy.js';

export interface DestinationTopicPropertiesFactoryOptions {
  retryTopicSuffix?: string;
  dltSuffix?: string;
  /** One delay per retry: attempts − 1 values. */
  backOffValues: readonly number[];
  /** Whether a failure should go on to a retry topic at all (include/exclude). */
  classify: (error: unknown) => boolean;
  numPartitions: number;
  dltStrategy: DltStrategy;
  topicSuffixingStrategy: TopicSuffixingStrategy;
  sameIntervalTopicReuseStrategy: SameIntervalTopicReuseStrategy;
  /** -1: none. */
  timeout: number;
  autoStartDltHandler?: boolean;
  /** Exception-based DLTs, in order: `<suffix><dltSuffix>` for failures of these classes. */
  dltRoutingRules?: readonly { suffix: string; exceptions: readonly (abstract new (...args: never[]) => unknown)[] }[];
}

/**
 * The links of a retry-topic chain and their suffixes, as Spring 3.3's
 * `DestinationTopicPropertiesFactory`, which this follows line by line:
 *
 * - n = attempts − 1 delays; `isFixedDelay` = SUFFIX_WITH_INDEX_VALUE, or n > 1 and all delays equal;
 * - with SINGLE_TOPIC, the trailing run of the last delay shares one topic:
 *   `reusable` = (occurrences of the last delay) − 1 when n > 1, and `retryTopicsAmount` = n − reusable;
 * - the i-th retry topic's suffix is `-retry` when SINGLE_TOPIC and there is one retry topic,
 *   else `-retry-<i>` when `isFixedDelay`, else `-retry-<delay>`, plus `-<i − first index of
 *   that delay>` when MULTIPLE_TOPICS and the delay repeats;
 * - then the DLT (`-dlt`), unless NO_DLT.
 *
 * E.g. for `orders`: defaults → `orders`, `orders-retry`, `orders-dlt`; exponential 1000 × 2,
 * 4 attempts → `orders-retry-1000`, `orders-retry-2000`, `orders-retry-4000`, `orders-dlt`.
 */
export function createDestinationTopicProperties(options: DestinationTopicPropertiesFactoryOptions): DestinationTopicProperties[] {
  const retrySuffix = options.retryTopicSuffix || RetryTopicConstants.DEFAULT_RETRY_SUFFIX;
  const dltSuffix = options.dltSuffix || RetryTopicConstants.DEFAULT_DLT_SUFFIX;
  const values = options.backOffValues;
  const n = values.length;
  const isSameIntervalReuse = options.sameIntervalTopicReuseStrategy === SameIntervalTopicReuseStrategy.SINGLE_TOPIC;
  const isFixedDelay = options.topicSuffixingStrategy === TopicSuffixingStrategy.SUFFIX_WITH_INDEX_VALUE || (n > 1 && new Set(values).size === 1);
  const maxAttempts = n + 1;
  const shouldRetryOn = (attempt: number, error: unknown) => attempt < maxAttempts && options.classify(error);
  const duplicates = (value: number) => values.filter((v) => v === value).length;
  const hasDuplicates = (value: number) => duplicates(value) > 1;
  const reusable = isSameIntervalReuse && n > 1 ? duplicates(values[n - 1]!) - 1 : 0;
  const retryTopicsAmount = n - reusable;

  const properties = (delay: number, suffix: string, type: DestinationTopicType, retry: (attempt: number, error: unknown) => boolean): DestinationTopicProperties => ({
    delay,
    suffix,
    type,
    maxAttempts,
    numPartitions: options.numPartitions,
    dltStrategy: options.dltStrategy,
    shouldRetryOn: retry,
    timeout: options.timeout,
    autoStartDltHandler: type === 'DLT' ? options.autoStartDltHandler : undefined,
  });

  const suffixOf = (index: number, delay: number): string => {
    if (isSameIntervalReuse && retryTopicsAmount === 1) return retrySuffix;
    if (isFixedDelay) return `${retrySuffix}-${index}`;
    const suffix = `${retrySuffix}-${delay}`;
    if (!isSameIntervalReuse && hasDuplicates(delay)) return `${suffix}-${index - values.indexOf(delay)}`;
    return suffix;
  };

  const list = [properties(0, '', 'MAIN', shouldRetryOn)];
  for (let index = 0; index < retryTopicsAmount; index++) {
    const delay = values[index]!;
    const type: DestinationTopicType = isSameIntervalReuse && hasDuplicates(delay) ? 'REUSABLE_RETRY_TOPIC' : 'RETRY';
    list.push(properties(delay, suffixOf(index, delay), type, shouldRetryOn));
  }
  if (options.dltStrategy !== DltStrategy.NO_DLT) {
    // Spring 3.2: the routed DLTs come before the plain one, which takes whatever they don't.
    for (const rule of options.dltRoutingRules ?? []) list.push({ ...properties(0, `${rule.suffix}${dltSuffix}`, 'DLT', () => false), usedForExceptions: rule.exceptions });
    list.push(properties(0, dltSuffix, 'DLT', () => false));
  }
  return list;
}
