/**
 * Which sides trace: the code option over the observation-enabled properties over the
 * default; nothing without @opentelemetry/api; and the default steps aside when the real
 * @opentelemetry/instrumentation-kafkajs has patched kafkajs.
 */
import { createRequire } from 'node:module';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { expect, test } from 'vitest';
import { ConsumerRecord, isKafkaJsInstrumented, setUpTracing, type ListenerObserver, type Logger, type MessageListenerContainer } from '../../../src/index.js';
import { withListenerWrapper } from '../../../src/framework/tracing/observer-composition.js';

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

const sides = (hooks: Awaited<ReturnType<typeof setUpTracing>>) => ({ template: hooks.templateObserver !== undefined, listener: hooks.listenerWrapper !== undefined });

test('by default both sides trace; the properties switch each side; the code option wins over them', async () => {
  const logger = capturingLogger();
  expect(sides(await setUpTracing(undefined, {}, logger))).toEqual({ template: true, listener: true });
  expect(sides(await setUpTracing(undefined, { template: false }, logger))).toEqual({ template: false, listener: true });
  expect(sides(await setUpTracing(undefined, { template: false, listener: false }, logger))).toEqual({ template: false, listener: false });
  expect(sides(await setUpTracing({ listener: false }, { template: false, listener: true }, logger))).toEqual({ template: false, listener: false });
  expect(sides(await setUpTracing(true, { template: false, listener: false }, logger))).toEqual({ template: true, listener: true });
  expect(sides(await setUpTracing(false, { template: true, listener: true }, logger))).toEqual({ template: false, listener: false });
  expect(logger.lines).toEqual([]);
});

test('without @opentelemetry/api nothing is traced, and asking for tracing says why', async () => {
  const absent = async () => undefined;
  const quiet = capturingLogger();
  expect(sides(await setUpTracing(undefined, {}, quiet, absent))).toEqual({ template: false, listener: false });
  expect(quiet.lines).toEqual([]);
  const asked = capturingLogger();
  expect(sides(await setUpTracing({ template: true }, {}, asked, absent))).toEqual({ template: false, listener: false });
  expect(asked.lines).toEqual(['Tracing is enabled but @opentelemetry/api is not installed: no spans are created']);
});

test('with @opentelemetry/instrumentation-kafkajs active the framework makes no spans of its own unless told to', async () => {
  expect(isKafkaJsInstrumented()).toBe(false);
  const instrumentation = new KafkaJsInstrumentation({ enabled: false });
  instrumentation.enable();
  try {
    // The instrumentation patches kafkajs when it is required, as it is in an application that registers it first.
    createRequire(import.meta.url)('kafkajs');
    expect(isKafkaJsInstrumented()).toBe(true);
    const logger = capturingLogger();
    expect(sides(await setUpTracing(undefined, {}, logger))).toEqual({ template: false, listener: false });
    expect(logger.lines.join('\n')).toContain('instrumentation-kafkajs is active');
    // A side switched on explicitly stays on; the other follows the detection.
    expect(sides(await setUpTracing(undefined, { listener: true }, logger))).toEqual({ template: false, listener: true });
    expect(sides(await setUpTracing(true, {}, logger))).toEqual({ template: true, listener: true });
  } finally {
    instrumentation.disable();
  }
  expect(isKafkaJsInstrumented()).toBe(false);
});

test('metrics and tracing together keep the metrics\' own record timing (no second clock reading per record)', async () => {
  const calls: string[] = [];
  const metrics: ListenerObserver = {
    listenerStarted: () => {
      calls.push('listenerStarted');
      return () => undefined;
    },
    recordObserved: (_container, record, seconds) => void calls.push(`recordObserved ${record.offset} ${seconds}`),
    failureHandled: () => undefined,
  };
  const hooks = await setUpTracing(undefined, {}, capturingLogger());
  const combined = withListenerWrapper(metrics, hooks.listenerWrapper) as ListenerObserver;
  expect(combined).not.toBe(metrics);
  // Tracing's record and batch scopes come along: the dispatcher opens each record's (and batch's) span through them.
  expect(typeof combined.recordScopes).toBe('function');
  expect(typeof combined.batchScopes).toBe('function');
  combined.recordObserved?.({} as MessageListenerContainer, new ConsumerRecord({ topic: 't', partition: 0, offset: 7 }), 0.5);
  expect(calls).toEqual(['recordObserved 7 0.5']);
  // An observer without record timing stays without it: the container then times records through listenerStarted.
  const untimed = withListenerWrapper({ listenerStarted: metrics.listenerStarted, failureHandled: metrics.failureHandled }, hooks.listenerWrapper) as ListenerObserver;
  expect(untimed.recordObserved).toBeUndefined();
});
