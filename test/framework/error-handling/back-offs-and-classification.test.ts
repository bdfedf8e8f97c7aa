/**
 * The pieces without a broker: Spring's back-off sequences and defaults, the exception
 * classification (default fatal list, most specific class wins, causes traversed), and the
 * binary header encodings Spring applications read.
 */
import { describe, expect, test } from 'vitest';
import {
  bigIntegerBytes,
  DeserializationException,
  ExceptionClassifier,
  ExponentialBackOff,
  ExponentialBackOffWithMaxRetries,
  FixedBackOff,
  ListenerExecutionFailedException,
  MessageConversionException,
  MethodArgumentResolutionException,
  readBigInteger,
  STOP,
  type BackOff,
} from '../../../src/index.js';

function take(backOff: BackOff, n: number): number[] {
  const execution = backOff.start();
  return Array.from({ length: n }, () => execution.nextBackOff());
}

describe('back-offs (Spring defaults and sequences)', () => {
  test('FixedBackOff(interval, maxAttempts) retries maxAttempts times; no-arg is 5000 ms, unlimited', () => {
    expect(take(new FixedBackOff(50, 2), 4)).toEqual([50, 50, STOP, STOP]);
    expect(take(new FixedBackOff(0, 9), 11)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, STOP, STOP]);
    expect(take(new FixedBackOff(0, 0), 1)).toEqual([STOP]);
    const unlimited = new FixedBackOff();
    expect(unlimited.interval).toBe(5000);
    expect(take(unlimited, 1000).every((d) => d === 5000)).toBe(true);
    expect(() => new FixedBackOff(-1, 1)).toThrow(RangeError);
  });

  test('ExponentialBackOff defaults: 2000 × 1.5 up to 30000, forever; the sequence of Spring Framework', () => {
    const backOff = new ExponentialBackOff();
    expect([backOff.initialInterval, backOff.multiplier, backOff.maxInterval, backOff.maxElapsedTime]).toEqual([2000, 1.5, 30_000, Number.POSITIVE_INFINITY]);
    expect(take(backOff, 10)).toEqual([2000, 3000, 4500, 6750, 10125, 15187, 22780, 30000, 30000, 30000]);
    expect(take(backOff, 500).includes(STOP)).toBe(false);
  });

  test('ExponentialBackOff stops once the delays add up to maxElapsedTime, or after maxAttempts', () => {
    expect(take(new ExponentialBackOff(100, 2, 10_000, 700), 5)).toEqual([100, 200, 400, STOP, STOP]);
    const limited = new ExponentialBackOff(100, 2);
    limited.maxAttempts = 2;
    expect(take(limited, 3)).toEqual([100, 200, STOP]);
    expect(() => new ExponentialBackOff(100, 0.5)).toThrow(RangeError);
  });

  test('ExponentialBackOffWithMaxRetries(6) with 1000 × 2 capped at 10000: 1, 2, 4, 8, 10, 10 s, then STOP', () => {
    const backOff = new ExponentialBackOffWithMaxRetries(6);
    backOff.initialInterval = 1000;
    backOff.multiplier = 2;
    backOff.maxInterval = 10_000;
    expect(take(backOff, 8)).toEqual([1000, 2000, 4000, 8000, 10000, 10000, STOP, STOP]);
    expect(backOff.maxElapsedTime).toBe(35_000);
    expect(() => (backOff.maxElapsedTime = 5)).toThrow();
    // Spring's defaults for what is not set.
    expect(take(new ExponentialBackOffWithMaxRetries(3), 4)).toEqual([2000, 3000, 4500, STOP]);
    expect(take(new ExponentialBackOffWithMaxRetries(2, { initialInterval: 10, multiplier: 3 }), 3)).toEqual([10, 30, STOP]);
  });
});

class Transient extends Error {}
class Permanent extends Error {}
class SpecialConversion extends MessageConversionException {}

describe('ExceptionClassifier', () => {
  test("the default fatal list is Spring's, mapped to TypeScript; other failures are retryable, wrapped or not", () => {
    const classifier = new ExceptionClassifier();
    expect(classifier.isRetryable(new DeserializationException('bad', Buffer.from('x'), false))).toBe(false);
    expect(classifier.isRetryable(new MessageConversionException('bad'))).toBe(false);
    expect(classifier.isRetryable(new MethodArgumentResolutionException('bad'))).toBe(false);
    expect(classifier.isRetryable(new Error('boom'))).toBe(true);
    // fetch() rejects with a TypeError on network failures: it must stay retryable.
    expect(classifier.isRetryable(new TypeError('fetch failed'))).toBe(true);
    const wrapped = new ListenerExecutionFailedException('Listener failed', 'g', { cause: new MessageConversionException('bad') });
    expect(classifier.isRetryable(wrapped)).toBe(false);
  });

  test('add, remove, the most specific class wins, defaultFalse, no traversal', () => {
    const classifier = new ExceptionClassifier();
    classifier.addNotRetryableExceptions(Permanent);
    expect(classifier.isRetryable(new Permanent())).toBe(false);
    classifier.addRetryableExceptions(SpecialConversion);
    expect(classifier.isRetryable(new SpecialConversion('x'))).toBe(true);
    expect(classifier.isRetryable(new MessageConversionException('x'))).toBe(false);
    expect(classifier.removeClassification(Permanent)).toBe(false);
    expect(classifier.isRetryable(new Permanent())).toBe(true);

    classifier.defaultFalse();
    expect(classifier.isRetryable(new Transient())).toBe(false);
    expect(classifier.isRetryable(new MessageConversionException('x'))).toBe(false);
    classifier.addRetryableExceptions(Transient);
    expect(classifier.isRetryable(new ListenerExecutionFailedException('x', 'g', { cause: new Transient() }))).toBe(true);
    classifier.traverseCauses = false;
    expect(classifier.isRetryable(new ListenerExecutionFailedException('x', 'g', { cause: new Transient() }))).toBe(false);

    const retaining = new ExceptionClassifier();
    retaining.defaultFalse(true);
    expect(retaining.getClassifications().get(DeserializationException)).toBe(false);
  });
});

describe("header encodings (Spring's binary formats)", () => {
  test('BigInteger.toByteArray(): big-endian two\'s complement, minimal length', () => {
    expect([...bigIntegerBytes(0)]).toEqual([0]);
    expect([...bigIntegerBytes(127)]).toEqual([0x7f]);
    expect([...bigIntegerBytes(128)]).toEqual([0x00, 0x80]);
    expect([...bigIntegerBytes(255)]).toEqual([0x00, 0xff]);
    expect([...bigIntegerBytes(256)]).toEqual([0x01, 0x00]);
    expect([...bigIntegerBytes(-1)]).toEqual([0xff]);
    expect([...bigIntegerBytes(-129)]).toEqual([0xff, 0x7f]);
    // A 2020s epoch-millisecond timestamp takes 6 bytes, as in Spring's headers.
    const ts = 1_700_000_000_123;
    expect(bigIntegerBytes(ts).toString('hex')).toBe(ts.toString(16).padStart(12, '0'));
    for (const n of [0, 1, -1, 127, 128, -128, -129, 65535, ts, -ts]) expect(readBigInteger(bigIntegerBytes(n))).toBe(n);
  });
});
