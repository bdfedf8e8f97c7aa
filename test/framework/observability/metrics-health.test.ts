/**
 * Prometheus metrics, health and readiness of a KafkaApplication against EmbeddedKafka:
 * /metrics scraped with fetch() after successes, failures recovered to a dead-letter topic
 * and template sends; lag from a paused container; health UP, then DOWN after stop.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  FixedBackOff,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  TopicBuilder,
} from '../../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

class PaymentDeclined extends Error {}

const processed: string[] = [];
const lagged: string[] = [];

@injectable()
class PaymentListener {
  @KafkaListener({ id: 'payments', topics: ['obs-payments'], groupId: 'obs-payments', containerFactory: 'deadLettering' })
  onPayment(value: string) {
    if (value.startsWith('bad')) throw new PaymentDeclined(`declined ${value}`);
    processed.push(value);
  }
}

@injectable()
class AuditListener {
  @KafkaListener({ id: 'audit', topics: ['obs-audit'], groupId: 'obs-audit', circuitBreaker: { timeout: false, resetTimeout: 60_000, volumeThreshold: 1000 } })
  onAudit(value: string) {
    lagged.push(value);
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let stopped = false;

beforeAll(async () => {
  kafka = await startBroker();
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    config: false,
    listeners: [PaymentListener, AuditListener],
    topics: ['obs-payments', 'obs-payments-dlt', 'obs-audit'].map((t) => TopicBuilder.name(t).partitions(1).build()),
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    metrics: { port: 0, host: '127.0.0.1' },
    containerFactories: {
      deadLettering: (c) =>
        new ConcurrentKafkaListenerContainerFactory({
          commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(0, 1), { logger: testLogger }),
        }),
    },
  });
  let ready = false;
  void app.readiness.then(() => (ready = true));
  expect(app.isReady()).toBe(false);
  await app.start();
  await waitFor(() => ready, { what: 'readiness' });
});

afterAll(async () => {
  if (!stopped) await app.stop();
  await kafka.stop();
});

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series, by its exact label set in the exposition format. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('listener and template timers, counters and container state appear on /metrics with Spring Kafka labels', async () => {
  const template = app.get(KafkaTemplate);
  for (const value of ['p1', 'p2', 'bad-1', 'p3']) await template.send('obs-payments', value);
  await waitFor(() => processed.length === 3, { what: 'three payments' });
  const text = await waitFor(async () => {
    const t = await scrape();
    return sample(t, 'streamwright_kafka_listener_dead_lettered_total{name="payments",topic="obs-payments-dlt"}') === 1 ? t : undefined;
  }, { what: 'the dead-letter count' });

  expect(sample(text, 'streamwright_kafka_listener_seconds_count{name="payments-0",result="success",exception="none"}')).toBe(3);
  expect(sample(text, 'streamwright_kafka_listener_seconds_count{name="payments-0",result="failure",exception="PaymentDeclined"}')).toBe(2);
  expect(text).toContain('streamwright_kafka_listener_seconds_bucket{le="0.001",name="payments-0",result="success",exception="none"}');
  expect(sample(text, 'streamwright_kafka_records_consumed_total{name="payments-0",topic="obs-payments"}')).toBe(5);
  // FixedBackOff(0, 1): the first failure is retried once, the second is recovered.
  expect(sample(text, 'streamwright_kafka_listener_retries_total{name="payments"}')).toBe(1);
  expect(sample(text, 'streamwright_kafka_listener_recoveries_total{name="payments"}')).toBe(1);
  expect(sample(text, 'streamwright_kafka_template_seconds_count{name="kafkaTemplate",result="success",exception="none"}')).toBe(4);
  expect(sample(text, 'streamwright_kafka_records_produced_total{name="kafkaTemplate",topic="obs-payments"}')).toBe(4);
  expect(sample(text, 'streamwright_kafka_listener_container_running{name="payments-0"}')).toBe(1);
  expect(sample(text, 'streamwright_kafka_listener_assigned_partitions{name="audit-0"}')).toBe(1);
  expect(sample(text, 'kafka_consumergroup_lag{consumergroup="obs-payments",topic="obs-payments",partition="0"}')).toBe(0);
  expect(sample(text, 'streamwright_kafka_listener_circuit_breaker_state{name="audit",state="CLOSED"}')).toBe(1);
  expect(sample(text, 'streamwright_kafka_listener_circuit_breaker_state{name="audit",state="OPEN"}')).toBe(0);
  expect(text).not.toContain('circuit_breaker_state{name="payments"');

  const health = await app.health();
  const payments = health.containers.find((c) => c.name === 'payments-0')!;
  expect(payments.lastError?.message).toContain('declined bad-1');

  // A send that fails (its value cannot be serialized) is a failure of the template timer, labelled with the error's class.
  await expect(template.send('obs-audit', { toJSON: () => { throw new Error('not serializable'); } })).rejects.toThrow();
  await template.send('obs-audit', 'a0');
  await waitFor(() => lagged.includes('a0'), { what: 'a0' });
});

test('kafka_consumergroup_lag is the real lag of a paused container, and 0 once it caught up', async () => {
  const audit = app.listenerContainer('audit');
  audit.pause();
  await waitFor(() => audit.isContainerPaused(), { what: 'the pause' });
  const template = app.get(KafkaTemplate);
  for (let i = 1; i <= 5; i++) await template.send('obs-audit', `a${i}`);
  const series = 'kafka_consumergroup_lag{consumergroup="obs-audit",topic="obs-audit",partition="0"}';
  expect(sample(await scrape(), series)).toBe(5);
  const paused = (await app.health()).containers.find((c) => c.name === 'audit-0')!;
  expect(paused.lag).toBe(5);
  expect(paused.pausedPartitions).toEqual([{ topic: 'obs-audit', partition: 0 }]);
  audit.resume();
  await waitFor(() => lagged.length === 6, { what: 'the five audit records' });
  expect(sample(await scrape(), series)).toBe(0);
});

test('health is UP with assigned partitions and recent polls, /health and /ready answer, DOWN after stop', async () => {
  const health = await app.health();
  expect(health.status).toBe('UP');
  const audit = health.containers.find((c) => c.name === 'audit-0')!;
  expect(audit).toMatchObject({ listenerId: 'audit', groupId: 'obs-audit', running: true, assignedPartitions: [{ topic: 'obs-audit', partition: 0 }], pausedPartitions: [], lag: 0, circuitState: 'CLOSED' });
  expect(audit.msSinceLastPoll).toBeGreaterThanOrEqual(0);
  const overHttp = await fetch(`http://127.0.0.1:${app.metricsPort}/health`);
  expect(overHttp.status).toBe(200);
  expect(((await overHttp.json()) as { status: string }).status).toBe('UP');
  expect((await fetch(`http://127.0.0.1:${app.metricsPort}/ready`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${app.metricsPort}/nothing`)).status).toBe(404);

  const text = await scrape();
  expect(text).toMatch(/streamwright_kafka_template_seconds_count\{name="kafkaTemplate",result="failure",exception="KafkaProducerException"\} 1/);

  await app.stop();
  stopped = true;
  const down = await app.health();
  expect(down.status).toBe('DOWN');
  expect(down.containers.every((c) => !c.running && c.assignedPartitions.length === 0)).toBe(true);
  expect(app.metricsPort).toBeUndefined();
  expect(app.isReady()).toBe(false);
});

test('app.metrics is a prom-client Registry an application adds its own metrics to', async () => {
  const { Counter } = await import('prom-client');
  const own = new Counter({ name: 'orders_total', help: 'orders', registers: [app.metrics] });
  own.inc(2);
  expect(await app.metrics.getSingleMetricAsString('orders_total')).toContain('orders_total 2');
  expect(await app.metrics.getSingleMetricAsString('streamwright_kafka_listener_seconds')).toContain('streamwright_kafka_listener_seconds_count');
});
