/**
 * Idle and health events against the embedded broker: ListenerContainerPartitionIdleEvent and
 * its no-longer-idle pair, NonResponsiveConsumerEvent for a listener stuck in a record,
 * ConsumerPausedEvent/ConsumerResumedEvent around a nack sleep, and the NO_OFFSET stop of a
 * consumer with auto.offset.reset=none; the AUTH/FENCED classification of kafkajs failures.
 */
import { injectable } from 'inversify';
import { Kafka, KafkaJSProtocolError } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AckMode,
  Acknowledgment,
  ConcurrentKafkaListenerContainerFactory,
  ConsumerPausedEvent,
  ConsumerRecord,
  ConsumerResumedEvent,
  ConsumerStoppedEvent,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  ListenerContainerPartitionIdleEvent,
  ListenerContainerPartitionNoLongerIdleEvent,
  NonResponsiveConsumerEvent,
  TopicBuilder,
  type KafkaEvent,
} from '../../src/index.js';
import { stopReasonOf } from '../../src/framework/listener/consumer-stop-reason.js';
import { FAST_CONSUMER, Gate, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startBroker();
});
afterAll(async () => {
  await kafka.stop();
});

const gate = new Gate();
const seen: Record<string, number[]> = { stuck: [], nacker: [], 'no-offset': [] };
let nacked = false;

@injectable()
class Listeners {
  @KafkaListener({ id: 'partition-idle', topics: ['ev-pidle'], containerFactory: 'partitionIdle' })
  onRecord(): void {}

  @KafkaListener({ id: 'stuck', topics: ['ev-stuck'], containerFactory: 'monitored' })
  async onStuck(record: ConsumerRecord<string, string>): Promise<void> {
    seen.stuck!.push(record.offset);
    if (record.value === 'stuck') await gate.wait();
  }

  @KafkaListener({ id: 'nacker', topics: ['ev-nack'], containerFactory: 'manual' })
  onNack(record: ConsumerRecord<string, string>, ack: Acknowledgment): void {
    seen.nacker!.push(record.offset);
    if (!nacked) {
      nacked = true;
      ack.nack(200);
      return;
    }
    ack.acknowledge();
  }

  @KafkaListener({ id: 'no-offset', topics: ['ev-no-offset'], autoStartup: false, properties: ['auto.offset.reset=none'] })
  onNoOffset(record: ConsumerRecord<string, string>): void {
    seen['no-offset']!.push(record.offset);
  }
}

describe('container events', () => {
  let app: KafkaApplication;
  let template: KafkaTemplate<string, string>;
  const events: KafkaEvent[] = [];
  const of = <E extends KafkaEvent>(type: abstract new (...args: never[]) => E) => events.filter((e): e is E => e instanceof type);

  beforeAll(async () => {
    app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [Listeners],
      topics: [TopicBuilder.name('ev-pidle').partitions(2).build(), ...['ev-stuck', 'ev-nack', 'ev-no-offset'].map((t) => TopicBuilder.name(t).partitions(1).build())],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      containerFactories: {
        partitionIdle: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { idlePartitionEventInterval: 300 } }),
        monitored: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { monitorInterval: 100, pollTimeout: 100, noPollThreshold: 3 } }),
        manual: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.MANUAL_IMMEDIATE } }),
      },
    });
    const { KafkaEvent: Base } = await import('../../src/framework/event/kafka-event.js');
    app.on(Base, (event) => void events.push(event));
    await app.start();
    template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  }, 60_000);
  afterAll(async () => {
    gate.open();
    await app?.stop();
  });

  test('a partition without records gets ListenerContainerPartitionIdleEvent, then NoLongerIdle when one arrives', async () => {
    const container = app.listenerContainer('partition-idle');
    const idle = await waitFor(() => of(ListenerContainerPartitionIdleEvent).find((e) => e.container === container && e.topicPartition.partition === 1), { what: 'partition 1 idle' });
    expect(idle.topicPartition).toEqual({ topic: 'ev-pidle', partition: 1 });
    expect(idle.idleTime).toBeGreaterThanOrEqual(300);
    expect(idle.listenerId).toBe('partition-idle-0');
    expect(idle.paused).toBe(false);
    await template.send('ev-pidle', 1, 'k', 'wake up');
    const awake = await waitFor(() => of(ListenerContainerPartitionNoLongerIdleEvent).find((e) => e.container === container && e.topicPartition.partition === 1), { what: 'partition 1 no longer idle' });
    expect(awake.idleTime).toBeGreaterThanOrEqual(300);
  });

  test('a listener stuck in a record makes its consumer non-responsive', async () => {
    const container = app.listenerContainer('stuck');
    await template.send('ev-stuck', 'k', 'stuck');
    await waitFor(() => seen.stuck!.length === 1, { what: 'the listener inside the record' });
    const stuckAt = Date.now();
    const event = await waitFor(() => of(NonResponsiveConsumerEvent).find((e) => e.container === container && e.timestamp >= stuckAt), { what: 'a NonResponsiveConsumerEvent' });
    expect(event.timeSinceLastPoll).toBeGreaterThan(300);
    expect(event.listenerId).toBe('stuck-0');
    expect(event.topicPartitions).toEqual([{ topic: 'ev-stuck', partition: 0 }]);
    gate.open();
  });

  test('a nack sleep publishes ConsumerPausedEvent, then ConsumerResumedEvent', async () => {
    const container = app.listenerContainer('nacker');
    await template.send('ev-nack', 'k', 'n');
    await waitFor(() => seen.nacker!.length === 2, { what: 'the redelivery after the sleep' });
    const paused = of(ConsumerPausedEvent).filter((e) => e.container === container);
    const resumed = of(ConsumerResumedEvent).filter((e) => e.container === container);
    expect(paused).toHaveLength(1);
    expect(resumed).toHaveLength(1);
    expect(paused[0]!.partitions).toEqual([{ topic: 'ev-nack', partition: 0 }]);
    expect(resumed[0]!.timestamp).toBeGreaterThanOrEqual(paused[0]!.timestamp);
  });

  test('auto.offset.reset=none and no committed offset: the consumer stops with NO_OFFSET; with one, it starts from it', async () => {
    const container = app.listenerContainer('no-offset');
    await template.send('ev-no-offset', 'k', 'a');
    await template.send('ev-no-offset', 'k', 'b');
    await expect(container.start()).rejects.toThrow(/No committed offset for ev-no-offset-0 in group no-offset and auto.offset.reset is none/);
    expect(container.isRunning()).toBe(false);
    const stopped = of(ConsumerStoppedEvent).filter((e) => e.container === container);
    expect(stopped.map((e) => e.reason)).toEqual(['NO_OFFSET']);
    expect(seen['no-offset']).toEqual([]);

    const admin = new Kafka(kafkaConfig(kafka)).admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'no-offset', topic: 'ev-no-offset', partitions: [{ partition: 0, offset: '1' }] });
    await admin.disconnect();
    await container.start();
    await waitFor(() => seen['no-offset']!.length === 1, { what: 'the record after the committed offset' });
    expect(seen['no-offset']).toEqual([1]);
  });
});

test('kafkajs failures map to Spring stop reasons: AUTH, FENCED, else ERROR', () => {
  const protocol = (type: string, code: number) => new KafkaJSProtocolError({ type, code, retriable: false, message: type } as never);
  expect(stopReasonOf(protocol('TOPIC_AUTHORIZATION_FAILED', 29))).toBe('AUTH');
  expect(stopReasonOf(protocol('GROUP_AUTHORIZATION_FAILED', 30))).toBe('AUTH');
  expect(stopReasonOf(Object.assign(new Error('bad password'), { name: 'KafkaJSSASLAuthenticationError' }))).toBe('AUTH');
  expect(stopReasonOf(protocol('FENCED_INSTANCE_ID', 82))).toBe('FENCED');
  expect(stopReasonOf(new Error('the transaction failed', { cause: protocol('PRODUCER_FENCED', 90) }))).toBe('FENCED');
  expect(stopReasonOf(protocol('UNKNOWN_SERVER_ERROR', -1))).toBe('ERROR');
  expect(stopReasonOf(new Error('anything'))).toBe('ERROR');
});
