/**
 * `@KafkaListener({ circuitBreaker })`: once the failure threshold is reached the breaker opens
 * and the container stops fetching (no record is delivered while it is open, none is retried,
 * skipped or dead-lettered); after `resetTimeout` one trial call goes through; a success
 * closes the breaker and everything waiting is processed, in order.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  DefaultErrorHandler,
  FixedBackOff,
  Header,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  ListenerCircuitBreakerClosedEvent,
  ListenerCircuitBreakerHalfOpenEvent,
  ListenerCircuitBreakerOpenedEvent,
  TopicBuilder,
  type ConcurrentMessageListenerContainer,
  type ContainerConsumer,
} from '../../../src/index.js';
import { BrokerProbe, Deliveries, FAST_CONSUMER, kafkaConfig, startErrorHandlingBroker, testLogger } from './support/error-handling-harness.js';
import { waitFor } from '../../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker();
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

class DownstreamUnavailable extends Error {}

const downstream = { up: false };
const deliveries = new Deliveries();
let lastConsumer: ContainerConsumer | undefined;

@injectable()
class NotificationListener {
  @KafkaListener({
    id: 'notifications',
    topics: ['notifications'],
    groupId: 'notifier',
    circuitBreaker: { timeout: false, errorThresholdPercentage: 50, resetTimeout: 800, volumeThreshold: 2 },
  })
  notify(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.CONSUMER) consumer: ContainerConsumer) {
    deliveries.add(record);
    lastConsumer = consumer;
    if (!downstream.up) throw new DownstreamUnavailable('SMTP server down');
  }
}

test('the breaker opens after the threshold, the container stops fetching while it is open, a half-open trial, and nothing is lost', async () => {
  const events: { name: string; at: number }[] = [];
  const pausedWhenOpened: string[][] = [];
  const recovered: string[] = [];
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [NotificationListener],
    topics: [TopicBuilder.name('notifications').partitions(1).build()],
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    containerFactories: {
      kafkaListenerContainerFactory: new ConcurrentKafkaListenerContainerFactory({
        // Without the breaker these records would be dead-lettered after 3 deliveries.
        commonErrorHandler: new DefaultErrorHandler((record) => void recovered.push(String(record.value)), new FixedBackOff(0, 2), { logger: testLogger }),
      }),
    },
  });
  app.on(ListenerCircuitBreakerOpenedEvent, () => {
    events.push({ name: 'open', at: Date.now() });
    pausedWhenOpened.push(lastConsumer?.paused().map((p) => `${p.topic}-${p.partition}`) ?? []);
  });
  app.on(ListenerCircuitBreakerHalfOpenEvent, () => void events.push({ name: 'halfOpen', at: Date.now() }));
  app.on(ListenerCircuitBreakerClosedEvent, () => void events.push({ name: 'close', at: Date.now() }));
  try {
    await app.start();
    const container = app.listenerContainer('notifications') as ConcurrentMessageListenerContainer;
    const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
    for (let i = 0; i < 5; i++) await template.send('notifications', `k${i}`, `n${i}`);

    await waitFor(() => events.filter((e) => e.name === 'open').length >= 2, { what: 'the breaker opened twice', timeoutMs: 15_000 });
    expect(container.circuitBreaker?.state).toBe('OPEN');
    expect(await probe.committedAt('notifier', 'notifications')).toBeLessThanOrEqual(0);
    downstream.up = true;
    await waitFor(() => events.some((e) => e.name === 'close'), { what: 'the breaker closed', timeoutMs: 15_000 });
    await waitFor(async () => (await probe.committedAt('notifier', 'notifications')) === 5, { what: 'all committed' });

    const names = events.map((e) => e.name);
    expect(names.slice(0, 5)).toEqual(['open', 'halfOpen', 'open', 'halfOpen', 'close']);
    const [open1, half1, open2, half2, close] = events;
    // Half-open only after resetTimeout.
    expect(half1!.at - open1!.at).toBeGreaterThanOrEqual(790);
    expect(half2!.at - open2!.at).toBeGreaterThanOrEqual(790);
    const between = (from: number, to: number) => deliveries.list.filter((d) => d.at > from && d.at < to);
    // Nothing was delivered while the breaker was open...
    expect(between(open1!.at, half1!.at)).toEqual([]);
    expect(between(open2!.at, half2!.at)).toEqual([]);
    // ...and exactly one trial went through each time it was half-open.
    expect(deliveries.list.filter((d) => d.at >= half1!.at && d.at <= open2!.at).map((d) => d.value)).toEqual(['n0']);
    const afterHalf2 = deliveries.list.filter((d) => d.at >= half2!.at);
    expect(afterHalf2[0]!.value).toBe('n0');
    expect(afterHalf2[1]!.at).toBeGreaterThanOrEqual(close!.at);
    // Nothing lost, skipped or recovered; processed in order once the breaker closed.
    expect(recovered).toEqual([]);
    const successful = deliveries.list.filter((d) => d.at >= half2!.at).map((d) => d.value);
    expect(successful).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(deliveries.values().filter((v) => v !== 'n0')).toEqual(['n1', 'n2', 'n3', 'n4']);
    // Opening paused the kafkajs consumer's partitions; the state and statistics are observable.
    expect(pausedWhenOpened).toEqual([['notifications-0'], ['notifications-0']]);
    expect(lastConsumer!.paused()).toEqual([]);
    expect(container.circuitBreaker?.state).toBe('CLOSED');
    expect(container.circuitBreaker?.stats.failures).toBeGreaterThanOrEqual(3);
  } finally {
    await app.stop();
  }
});
