import type { RetryableTopicBackOff } from '../annotation/retryable-topic.js';

/**
 * The retry-topic delay policies, as the spring-retry `BackOffPolicy`s that `@RetryableTopic`
 * builds from its `@Backoff` (`RetryTopicConfigurationBuilder` offers the same).
 */
export type RetryTopicBackOffPolicy =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed'; readonly period: number }
  | { readonly kind: 'exponential'; readonly initialInterval: number; readonly multiplier: number; readonly maxInterval: number; readonly random: boolean }
  | { readonly kind: 'uniform-random'; readonly min: number; readonly max: number };

/** spring-retry's ExponentialBackOffPolicy defaults. */
const EXPONENTIAL_DEFAULT_MAX_INTERVAL = 30_000;

/**
 * The policy for an annotation's back-off, as Spring's `createBackoffFromAnnotation`:
 * `multiplier > 0` → exponential (random with `random`), from `delay`, capped at `maxDelay`
 * only when it exceeds `delay` (else spring-retry's 30000 ms); else `maxDelay > delay` →
 * uniform random between them; else a fixed `delay` (default 1000 ms; 0 means no delay).
 */
export function backOffPolicyOf(backoff: RetryableTopicBackOff = {}): RetryTopicBackOffPolicy {
  const min = backoff.delay ?? 1000;
  const max = backoff.maxDelay ?? 0;
  const multiplier = backoff.multiplier ?? 0;
  if (multiplier > 0) {
    return {
      kind: 'exponential',
      // spring-retry's setters: at least 1 ms, a multiplier of at least 1.
      initialInterval: Math.max(1, min),
      multiplier: Math.max(1, multiplier),
      maxInterval: max > min ? Math.max(1, max) : EXPONENTIAL_DEFAULT_MAX_INTERVAL,
      random: backoff.random ?? false,
    };
  }
  if (max > min) return { kind: 'uniform-random', min, max };
  if (min <= 0) return { kind: 'none' };
  return { kind: 'fixed', period: min };
}

/**
 * The delays of the `maxAttempts − 1` retries, as Spring's `BackOffValuesGenerator`, which
 * runs the policy with a sleeper that records instead of sleeping. Random policies are drawn
 * once, here.
 */
export function generateBackOffValues(maxAttempts: number, policy: RetryTopicBackOffPolicy, random: () => number = Math.random): number[] {
  const count = Math.max(0, maxAttempts - 1);
  const values: number[] = [];
  switch (policy.kind) {
    case 'none':
      for (let i = 0; i < count; i++) values.push(0);
      break;
    case 'fixed':
      for (let i = 0; i < count; i++) values.push(policy.period);
      break;
    case 'uniform-random':
      for (let i = 0; i < count; i++) values.push(policy.min + Math.floor(random() * (policy.max - policy.min)));
      break;
    case 'exponential': {
      // ExponentialBackOffPolicy.getSleepAndIncrement: the interval grows until it passes the
      // cap; from then on the cap is returned.
      let interval = policy.initialInterval;
      for (let i = 0; i < count; i++) {
        let sleep = interval;
        if (sleep > policy.maxInterval) sleep = policy.maxInterval;
        else interval = Math.trunc(interval * policy.multiplier);
        // ExponentialRandomBackOffPolicy: sleep × (1 + r × (multiplier − 1)).
        if (policy.random) sleep = Math.trunc(sleep * (1 + random() * (policy.multiplier - 1)));
        values.push(sleep);
      }
      break;
    }
  }
  return values;
}
