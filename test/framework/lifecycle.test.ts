/**
 * Application and container lifecycle: graceful stop, start failures, events, pause/resume,
 * the rebalance listener, configuration errors.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { injectable } from 'inversify';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AckMode,
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  DefaultKafkaConsumerFactory,
  KafkaApplication,
  KafkaEvent,
  KafkaException,
  KafkaListener,
  KafkaTemplate,
  ListenerContainerIdleEvent,
  TopicBuilder,
  type ConsumerAwareRebalanceListener,
  type MessageListenerContainer,
} from '../../src/index.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

const received: string[] = [];

@injectable()
class SlowCommitListener {
  @KafkaListener({ id: 'ledger', topics: ['ledger'], containerFactory: 'hourlyCommits' })
  onEntry(record: ConsumerRecord<string, string>) {
    received.push(`ledger:${record.value}`);
  }
}

@injectable()
class EventfulListener {
  @KafkaListener({ id: 'eventful', topics: ['eventful'], concurrency: 2, containerFactory: 'idleFactory' })
  onEvent(value: string) {
    received.push(`eventful:${value}`);
  }
}

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
const apps: KafkaApplication[] = [];
const containers: MessageListenerContainer[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});
afterEach(async () => {
  await Promise.all([...apps.splice(0).map((a) => a.stop()), ...containers.splice(0).map((c) => c.stop())]);
  received.length = 0;
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

async function createApp(listeners: (new (...args: never[]) => object)[], topics: string[], extra: Partial<Parameters<typeof KafkaApplication.create>[0]> = {}) {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners,
    topics: topics.map((t) => TopicBuilder.name(t).partitions(2).build()),
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    containerFactories: {
      hourlyCommits: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.TIME, ackTime: 3_600_000 } }),
      idleFactory: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { idleEventInterval: 100, idleBeforeDataMultiplier: 1 } }),
    },
    ...extra,
  });
  apps.push(app);
  return app;
}

describe('stop', () => {
  test('graceful stop commits what was processed and leaves the group', async () => {
    const app = await createApp([SlowCommitListener], ['ledger']);
    await app.start();
    const template = app.get(KafkaTemplate);
    for (let i = 0; i < 10; i++) await template.send('ledger', `k${i}`, `e${i}`);
    await waitFor(() => received.length === 10, { what: 'ten entries' });
    // TIME with an hour: nothing committed yet.
    expect([...(await probe.committed('ledger', 'ledger')).values()].every((o) => o === -1)).toBe(true);
    await app.stop();
    const committed = await probe.committed('ledger', 'ledger');
    expect([...committed.values()].reduce((a, b) => a + b, 0)).toBe(10);
    expect(app.isRunning()).toBe(false);
    expect(app.listenerContainer('ledger').isRunning()).toBe(false);
    await app.stop(); // idempotent
  });

  test('a stopped container can be started again', async () => {
    const app = await createApp([SlowCommitListener], ['ledger']);
    await app.start();
    const container = app.listenerContainer('ledger');
    await container.stop();
    await container.start();
    expect(container.isRunning()).toBe(true);
    await app.get(KafkaTemplate).send('ledger', 'again', 'after restart');
    await waitFor(() => received.includes('ledger:after restart'), { what: 'a record after restart' });
  });
});

describe('start failures', () => {
  test('an unreachable broker fails start() with a clear error', async () => {
    const app = await KafkaApplication.create({
      kafka: { brokers: ['127.0.0.1:1'], connectionTimeout: 300, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } },
      listeners: [SlowCommitListener],
      topics: [TopicBuilder.name('ledger').build()],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      startTimeout: 20_000,
      containerFactories: { hourlyCommits: new ConcurrentKafkaListenerContainerFactory() },
    });
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaException);
    expect((error as Error).message).toMatch(/could not connect to Kafka at 127\.0\.0\.1:1/);
    expect(app.isRunning()).toBe(false);
  });

  test('a broker that never answers fails start() when startTimeout passes', async () => {
    const sockets = new Set<Socket>();
    let closing = false;
    const blackHole: Server = createServer((socket) => (closing ? socket.destroy() : sockets.add(socket)));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as { port: number }).port;
    try {
      const app = await KafkaApplication.create({
        kafka: { brokers: [`127.0.0.1:${port}`], connectionTimeout: 300, requestTimeout: 20_000, retry: { retries: 0 } },
        listeners: [SlowCommitListener],
        consumerConfig: FAST_CONSUMER,
        logger: testLogger,
        startTimeout: 1000,
        containerFactories: { hourlyCommits: new ConcurrentKafkaListenerContainerFactory() },
      });
      const error = await app.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaException);
      expect((error as Error).message).toMatch(/did not start within 1000 ms \(brokers: 127\.0\.0\.1:\d+\)/);
      expect(app.listenerContainer('ledger').isRunning()).toBe(false);
    } finally {
      // kafkajs keeps retrying in the background until its request timeout; cut it off.
      closing = true;
      sockets.forEach((s) => s.destroy());
      blackHole.close();
    }
  });

  test('configuration mistakes are reported by create()', async () => {
    @injectable()
    class UnknownFactory {
      @KafkaListener({ topics: ['x'], containerFactory: 'nope' })
      on(value: string) {
        return value;
      }
    }
    @injectable()
    class NoTopics {
      @KafkaListener({ id: 'no-topics' })
      on(value: string) {
        return value;
      }
    }
    await expect(createApp([UnknownFactory], [])).rejects.toThrow(/no container factory named 'nope'/);
    await expect(createApp([NoTopics], [])).rejects.toThrow(/needs topics or a topicPattern/);
    await expect(KafkaApplication.create({ kafka: { brokers: [] } })).rejects.toThrow(/kafka.brokers/);
    const app = await createApp([], []);
    expect(() => app.listenerContainer('missing')).toThrow(/No listener container with id 'missing'/);
  });
});

describe('events, pause and resume', () => {
  test('lifecycle, partition and idle events; pause holds records until resume', async () => {
    const app = await createApp([EventfulListener], ['eventful']);
    const events: KafkaEvent[] = [];
    app.on(KafkaEvent, (event) => void events.push(event));
    const names = () => events.map((e) => e.eventName);
    const count = (name: string) => names().filter((n) => n === name).length;
    await app.start();
    expect(count('ConsumerStartingEvent')).toBe(2);
    expect(count('ConsumerStartedEvent')).toBe(2);
    expect(count('ConsumerPartitionsAssignedEvent')).toBeGreaterThanOrEqual(2);

    await waitFor(() => count('ListenerContainerIdleEvent') > 0, { what: 'an idle event' });
    const idle = events.find((e): e is ListenerContainerIdleEvent => e instanceof ListenerContainerIdleEvent)!;
    expect(idle.listenerId).toMatch(/^eventful-\d$/);
    expect(idle.container).toBe(app.listenerContainer('eventful'));

    const container = app.listenerContainer('eventful');
    const template = app.get(KafkaTemplate);
    await template.send('eventful', 'k', 'first');
    await waitFor(() => received.includes('eventful:first'), { what: 'first record' });
    await waitFor(() => count('ListenerContainerNoLongerIdleEvent') > 0, { what: 'no longer idle' });

    container.pause();
    expect(container.isPauseRequested()).toBe(true);
    await waitFor(() => container.isContainerPaused(), { what: 'paused' });
    await template.send('eventful', 'k', 'while paused');
    // Idle events keep coming while paused: the consumers poll but deliver nothing.
    const idleBefore = count('ListenerContainerIdleEvent');
    await waitFor(() => count('ListenerContainerIdleEvent') >= idleBefore + 4, { what: 'idle events while paused' });
    expect(received).not.toContain('eventful:while paused');
    expect(events.some((e) => e instanceof ListenerContainerIdleEvent && e.paused)).toBe(true);
    container.resume();
    await waitFor(() => received.includes('eventful:while paused'), { what: 'the record after resume' });
    expect(count('ConsumerPausedEvent')).toBe(2);
    expect(count('ConsumerResumedEvent')).toBe(2);

    await app.stop();
    expect(count('ConsumerStoppingEvent')).toBe(2);
    expect(count('ConsumerStoppedEvent')).toBe(2);
    expect(count('ConcurrentContainerStoppedEvent')).toBe(1);
  });

  test('pausing one partition leaves the others flowing', async () => {
    const app = await createApp([EventfulListener], ['eventful']);
    await app.start();
    const container = app.listenerContainer('eventful');
    container.pausePartition({ topic: 'eventful', partition: 0 });
    expect(container.isPartitionPauseRequested({ topic: 'eventful', partition: 0 })).toBe(true);
    const template = app.get(KafkaTemplate);
    await template.send('eventful', 0, 'a', 'p0');
    await template.send('eventful', 1, 'b', 'p1');
    await waitFor(() => received.includes('eventful:p1'), { what: 'the record of partition 1' });
    expect(received).not.toContain('eventful:p0');
    container.resumePartition({ topic: 'eventful', partition: 0 });
    await waitFor(() => received.includes('eventful:p0'), { what: 'the record of partition 0 after resume' });
  });
});

describe('rebalance listener', () => {
  test('revoked (before and after the commit) and assigned, when a second consumer joins', async () => {
    const topic = unique('rebalance');
    const group = unique('group');
    await probe.createTopic(topic, 2);
    const calls: string[] = [];
    const tracking = (name: string): ConsumerAwareRebalanceListener => ({
      onPartitionsAssigned: (_c, partitions) => void calls.push(`${name} assigned ${partitions.map((p) => p.partition).join(',')}`),
      onPartitionsRevokedBeforeCommit: (_c, partitions) => void calls.push(`${name} revoking ${partitions.map((p) => p.partition).join(',')}`),
      onPartitionsRevokedAfterCommit: (_c, partitions) => void calls.push(`${name} revoked ${partitions.map((p) => p.partition).join(',')}`),
    });
    const factory = (name: string) =>
      new ConcurrentKafkaListenerContainerFactory({
        consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
        containerProperties: { groupId: group, consumerRebalanceListener: tracking(name) },
        logger: testLogger,
      });
    const first = factory('A').createContainer(topic);
    first.containerProperties.messageListener = () => undefined;
    containers.push(first);
    await first.start();
    expect(calls).toEqual(['A assigned 0,1']);
    const second = factory('B').createContainer(topic);
    second.containerProperties.messageListener = () => undefined;
    containers.push(second);
    await second.start();
    await waitFor(() => first.assignments().length === 1 && second.assignments().length === 1, { what: 'one partition each' });
    const ofA = calls.filter((c) => c.startsWith('A'));
    expect(ofA.slice(0, 3)).toEqual(['A assigned 0,1', 'A revoking 0,1', 'A revoked 0,1']);
    expect(ofA[3]).toMatch(/^A assigned [01]$/);
    expect(calls.some((c) => /^B assigned [01]$/.test(c))).toBe(true);
  });
});
