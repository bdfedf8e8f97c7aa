/**
 * The retry-topic naming algorithm against every worked example of the reference (Spring 3.3's
 * DestinationTopicPropertiesFactory), and the destination resolver's routing rules.
 */
import { describe, expect, test } from 'vitest';
import {
  backOffPolicyOf,
  createDestinationTopicProperties,
  DefaultDestinationTopicResolver,
  DestinationTopic,
  DltStrategy,
  generateBackOffValues,
  ListenerExecutionFailedException,
  MessageConversionException,
  SameIntervalTopicReuseStrategy,
  TimestampedException,
  TopicSuffixingStrategy,
  type RetryableTopicBackOff,
} from '../../../src/index.js';

interface Case {
  attempts?: number;
  backoff?: RetryableTopicBackOff;
  reuse?: SameIntervalTopicReuseStrategy;
  suffixing?: TopicSuffixingStrategy;
  dlt?: DltStrategy;
}

function chain({ attempts = 3, backoff, reuse = SameIntervalTopicReuseStrategy.SINGLE_TOPIC, suffixing = TopicSuffixingStrategy.SUFFIX_WITH_DELAY_VALUE, dlt = DltStrategy.ALWAYS_RETRY_ON_ERROR }: Case) {
  return createDestinationTopicProperties({
    backOffValues: generateBackOffValues(attempts, backOffPolicyOf(backoff)),
    classify: () => true,
    numPartitions: 1,
    dltStrategy: dlt,
    topicSuffixingStrategy: suffixing,
    sameIntervalTopicReuseStrategy: reuse,
    timeout: -1,
  });
}

function names(c: Case): string[] {
  return chain(c).map((p) => `orders${p.suffix}`);
}

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('topic naming (reference §6.4 worked examples)', () => {
  test('@RetryableTopic defaults (attempts=3, fixed 1000 ms, SINGLE_TOPIC): orders, orders-retry, orders-dlt', () => {
    expect(names({})).toEqual(['orders', 'orders-retry', 'orders-dlt']);
    const [main, retry, dlt] = chain({});
    expect([main!.type, retry!.type, dlt!.type]).toEqual(['MAIN', 'REUSABLE_RETRY_TOPIC', 'DLT']);
    expect(retry!.delay).toBe(1000);
  });

  test('builder defaults (MULTIPLE_TOPICS): orders-retry-0, orders-retry-1', () => {
    expect(names({ reuse: SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS })).toEqual(['orders', 'orders-retry-0', 'orders-retry-1', 'orders-dlt']);
  });

  test('attempts=2, fixed 5000: -retry with SINGLE_TOPIC, -retry-5000 with MULTIPLE_TOPICS (GH-2654)', () => {
    expect(names({ attempts: 2, backoff: { delay: 5000 } })).toEqual(['orders', 'orders-retry', 'orders-dlt']);
    expect(names({ attempts: 2, backoff: { delay: 5000 }, reuse: SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS })).toEqual(['orders', 'orders-retry-5000', 'orders-dlt']);
  });

  test('fixed 3000, attempts=5: -retry-0 … -retry-3 (MULTIPLE_TOPICS) or one -retry reused 4× (SINGLE_TOPIC)', () => {
    expect(names({ attempts: 5, backoff: { delay: 3000 }, reuse: SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS })).toEqual(['orders', ...range('orders-retry-', 0, 3), 'orders-dlt']);
    expect(names({ attempts: 5, backoff: { delay: 3000 } })).toEqual(['orders', 'orders-retry', 'orders-dlt']);
  });

  test('exponential 1000 × 2 (maxDelay unset → 30000), attempts=4: -retry-1000, -2000, -4000', () => {
    expect(names({ attempts: 4, backoff: { delay: 1000, multiplier: 2 } })).toEqual(['orders', 'orders-retry-1000', 'orders-retry-2000', 'orders-retry-4000', 'orders-dlt']);
  });

  test('exponential 1000 × 2 max 5000, attempts=5: -1000, -2000, -4000, -5000; with SUFFIX_WITH_INDEX_VALUE -0 … -3', () => {
    expect(names({ attempts: 5, backoff: { delay: 1000, multiplier: 2, maxDelay: 5000 } })).toEqual(['orders', 'orders-retry-1000', 'orders-retry-2000', 'orders-retry-4000', 'orders-retry-5000', 'orders-dlt']);
    const indexed = chain({ attempts: 5, backoff: { delay: 1000, multiplier: 2, maxDelay: 5000 }, suffixing: TopicSuffixingStrategy.SUFFIX_WITH_INDEX_VALUE });
    expect(indexed.map((p) => `orders${p.suffix}`)).toEqual(['orders', ...range('orders-retry-', 0, 3), 'orders-dlt']);
    expect(indexed.map((p) => p.delay)).toEqual([0, 1000, 2000, 4000, 5000, 0]);
  });

  test('exponential 1000 × 2 max 16000, attempts=8: the 16000 topic is reused (SINGLE_TOPIC) or numbered (MULTIPLE_TOPICS)', () => {
    const single = chain({ attempts: 8, backoff: { delay: 1000, multiplier: 2, maxDelay: 16000 } });
    expect(single.map((p) => `orders${p.suffix}`)).toEqual(['orders', 'orders-retry-1000', 'orders-retry-2000', 'orders-retry-4000', 'orders-retry-8000', 'orders-retry-16000', 'orders-dlt']);
    expect(single.at(-2)!.type).toBe('REUSABLE_RETRY_TOPIC');
    expect(names({ attempts: 8, backoff: { delay: 1000, multiplier: 2, maxDelay: 16000 }, reuse: SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS })).toEqual([
      'orders',
      'orders-retry-1000',
      'orders-retry-2000',
      'orders-retry-4000',
      'orders-retry-8000',
      'orders-retry-16000-0',
      'orders-retry-16000-1',
      'orders-retry-16000-2',
      'orders-dlt',
    ]);
  });

  // The reference quotes the docs as "-retry-16000-0 … -224"; the algorithm (228 delays: 4 below
  // the cap, 224 at it) gives indexes 0 … 223, i.e. 224 topics at 16000 ms.
  test("the docs' 229 attempts: 5 topics with SINGLE_TOPIC, -retry-16000-0 … -223 with MULTIPLE_TOPICS", () => {
    const backoff = { delay: 1000, multiplier: 2, maxDelay: 16000 };
    expect(names({ attempts: 229, backoff })).toEqual(['orders', 'orders-retry-1000', 'orders-retry-2000', 'orders-retry-4000', 'orders-retry-8000', 'orders-retry-16000', 'orders-dlt']);
    const multiple = names({ attempts: 229, backoff, reuse: SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS });
    expect(multiple).toHaveLength(1 + 228 + 1);
    expect(multiple.slice(5, 7)).toEqual(['orders-retry-16000-0', 'orders-retry-16000-1']);
    expect(multiple.at(-2)).toBe('orders-retry-16000-223');
  });

  test('NO_DLT leaves the DLT out; custom suffixes are used as given', () => {
    expect(names({ dlt: DltStrategy.NO_DLT })).toEqual(['orders', 'orders-retry']);
    const custom = createDestinationTopicProperties({
      retryTopicSuffix: '.retry',
      dltSuffix: '.DLT',
      backOffValues: [100, 200],
      classify: () => true,
      numPartitions: 1,
      dltStrategy: DltStrategy.FAIL_ON_ERROR,
      topicSuffixingStrategy: TopicSuffixingStrategy.SUFFIX_WITH_DELAY_VALUE,
      sameIntervalTopicReuseStrategy: SameIntervalTopicReuseStrategy.SINGLE_TOPIC,
      timeout: -1,
    });
    expect(custom.map((p) => `orders${p.suffix}`)).toEqual(['orders', 'orders.retry-100', 'orders.retry-200', 'orders.DLT']);
  });

  test('back-off policies from @Backoff: fixed 1000 by default, uniform random between delay and maxDelay', () => {
    expect(backOffPolicyOf()).toEqual({ kind: 'fixed', period: 1000 });
    expect(backOffPolicyOf({ delay: 100, maxDelay: 300 })).toEqual({ kind: 'uniform-random', min: 100, max: 300 });
    const values = generateBackOffValues(20, backOffPolicyOf({ delay: 100, maxDelay: 300 }));
    expect(values.every((v) => v >= 100 && v < 300)).toBe(true);
    expect(generateBackOffValues(4, backOffPolicyOf({ delay: 0 }))).toEqual([0, 0, 0]);
  });
});

describe('DefaultDestinationTopicResolver', () => {
  function resolver(c: Case, timeout = -1, classify: (e: unknown) => boolean = () => true) {
    const props = createDestinationTopicProperties({
      backOffValues: generateBackOffValues(c.attempts ?? 3, backOffPolicyOf(c.backoff)),
      classify,
      numPartitions: 1,
      dltStrategy: c.dlt ?? DltStrategy.ALWAYS_RETRY_ON_ERROR,
      topicSuffixingStrategy: TopicSuffixingStrategy.SUFFIX_WITH_DELAY_VALUE,
      sameIntervalTopicReuseStrategy: c.reuse ?? SameIntervalTopicReuseStrategy.SINGLE_TOPIC,
      timeout,
    });
    const r = new DefaultDestinationTopicResolver();
    r.addDestinationTopics('main', props.map((p) => new DestinationTopic(`orders${p.suffix}`, p)));
    return r;
  }
  const failure = (cause: unknown) => new ListenerExecutionFailedException('Listener failed', 'g', { cause: new TimestampedException(cause) });
  const route = (r: DefaultDestinationTopicResolver, topic: string, attempt: number, error: unknown, original = Date.now()) => r.resolveDestinationTopic('main', topic, attempt, error, original).destinationName;

  test('walks the chain by attempt; a reusable topic routes to itself; the last attempt goes to the DLT', () => {
    const r = resolver({});
    expect(route(r, 'orders', 1, failure(new Error('x')))).toBe('orders-retry');
    expect(route(r, 'orders-retry', 2, failure(new Error('x')))).toBe('orders-retry');
    expect(route(r, 'orders-retry', 3, failure(new Error('x')))).toBe('orders-dlt');
    const exp = resolver({ attempts: 4, backoff: { delay: 10, multiplier: 2 } });
    expect(route(exp, 'orders', 1, failure(new Error('x')))).toBe('orders-retry-10');
    expect(route(exp, 'orders-retry-10', 2, failure(new Error('x')))).toBe('orders-retry-20');
    expect(route(exp, 'orders-retry-20', 3, failure(new Error('x')))).toBe('orders-retry-40');
    expect(route(exp, 'orders-retry-40', 4, failure(new Error('x')))).toBe('orders-dlt');
  });

  test('fatal, excluded and timed-out failures go straight to the DLT; DLT failures per dltStrategy', () => {
    const r = resolver({ attempts: 4, backoff: { delay: 10, multiplier: 2 } }, 1000, (e) => !(e instanceof RangeError));
    expect(route(r, 'orders', 1, failure(new MessageConversionException('bad')))).toBe('orders-dlt');
    expect(route(r, 'orders', 1, failure(new RangeError('excluded')))).toBe('orders-dlt');
    expect(route(r, 'orders-retry-10', 2, failure(new Error('late')), Date.now() - 5000)).toBe('orders-dlt');
    expect(route(r, 'orders-dlt', 5, failure(new Error('dlt handler failed')))).toBe('orders-dlt');
    expect(r.resolveDestinationTopic('main', 'orders-dlt', 5, failure(new MessageConversionException('x')), Date.now()).isNoOpsTopic()).toBe(true);
    const failOnError = resolver({ dlt: DltStrategy.FAIL_ON_ERROR });
    expect(failOnError.resolveDestinationTopic('main', 'orders-dlt', 4, failure(new Error('x')), Date.now()).isNoOpsTopic()).toBe(true);
    const noDlt = resolver({ dlt: DltStrategy.NO_DLT });
    expect(noDlt.resolveDestinationTopic('main', 'orders-retry', 3, failure(new Error('x')), Date.now()).isNoOpsTopic()).toBe(true);
    expect(noDlt.getDltFor('main', 'orders')).toBeUndefined();
  });
});
