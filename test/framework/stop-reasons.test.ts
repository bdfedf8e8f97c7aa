/**
 * ConsumerStoppedEvent reasons AUTH and FENCED, caused for real on a SASL embedded broker: a
 * listener whose consumer authenticates with a wrong password fails to start and stops with
 * AUTH; a transactional container whose producer is fenced (another producer initializes the
 * same transactional id while a transaction is open) stops with FENCED when
 * `stopContainerWhenFenced` is set, and by default keeps running, the record rolled back and
 * processed again.
 */
import { Kafka, type Admin, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { consoleLogger as brokerLogger } from '../../src/broker/logger.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  ConsumerFailedToStartEvent,
  ConsumerStoppedEvent,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  KafkaTemplate,
  KafkaTransactionManager,
  ApplicationEventPublisher,
  containerTransactionSuffix,
  type ConsumerRecord,
} from '../../src/index.js';
import { FAST_CONSUMER, Gate, kafkaConfig, testLogger, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let config: KafkaConfig;
let admin: Admin;

/** Checks from outside the framework, with the application's credentials. */
const probe = {
  createTopic: async (topic: string, partitions: number) => void (await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })),
  committedAt: async (groupId: string, topic: string) => {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(result?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  },
};

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ port: 0, sasl: { mechanisms: ['PLAIN'], users: [{ username: 'app', password: 'app-secret' }] }, logger: brokerLogger('silent', 'stop-reasons') });
  config = kafkaConfig(kafka, { sasl: { mechanism: 'plain', username: 'app', password: 'app-secret' } });
  admin = new Kafka({ ...config, clientId: 'probe' }).admin();
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.disconnect();
  await kafka?.stop();
});

function eventsOf(publisher: ApplicationEventPublisher) {
  const stopped: ConsumerStoppedEvent[] = [];
  const failedToStart: ConsumerFailedToStartEvent[] = [];
  publisher.addListener(ConsumerStoppedEvent, (event) => void stopped.push(event));
  publisher.addListener(ConsumerFailedToStartEvent, (event) => void failedToStart.push(event));
  return { stopped, failedToStart };
}

test('a consumer with a wrong password fails to start and stops with reason AUTH', async () => {
  const publisher = new ApplicationEventPublisher();
  const { stopped, failedToStart } = eventsOf(publisher);
  const wrong = { ...config, sasl: { mechanism: 'plain' as const, username: 'app', password: 'wrong' } };
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: wrong, consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: unique('auth-group') },
    applicationEventPublisher: publisher,
    logger: testLogger,
  });
  const container = factory.createContainer('auth-topic');
  container.containerProperties.messageListener = () => undefined;
  await expect(container.start()).rejects.toThrow(/SASL PLAIN authentication failed|Authentication failed|SASL/i);
  expect(container.isRunning()).toBe(false);
  expect(failedToStart).toHaveLength(1);
  expect(stopped.map((e) => e.reason)).toEqual(['AUTH']);
});

describe('a transactional container whose producer is fenced', () => {
  /** A copier container in a transaction per record; its listener waits at `gate` inside the transaction of `hold`. */
  async function fencedRun(stopContainerWhenFenced: boolean | undefined) {
    const input = unique('fence-in');
    const output = unique('fence-out');
    const group = unique('fence-group');
    const prefix = unique('fence-tx-');
    await probe.createTopic(input, 1);
    await probe.createTopic(output, 1);
    const publisher = new ApplicationEventPublisher();
    const events = eventsOf(publisher);
    const producerFactory = new DefaultKafkaProducerFactory({ kafka: config, transactionIdPrefix: prefix, logger: testLogger });
    const template = new KafkaTemplate<string, string>(producerFactory, { logger: testLogger });
    const factory = new ConcurrentKafkaListenerContainerFactory({
      consumerFactory: new DefaultKafkaConsumerFactory({ kafka: config, consumerConfig: FAST_CONSUMER, logger: testLogger }),
      containerProperties: { groupId: group, transactionManager: new KafkaTransactionManager(producerFactory, { logger: testLogger }), ...(stopContainerWhenFenced === undefined ? {} : { stopContainerWhenFenced }) },
      applicationEventPublisher: publisher,
      logger: testLogger,
    });
    const container = factory.createContainer(input);
    const gate = new Gate();
    const seen: string[] = [];
    let holding = false;
    container.containerProperties.messageListener = async (record: ConsumerRecord) => {
      seen.push(String(record.value));
      await template.send(output, String(record.key), `out-${String(record.value)}`);
      if (record.value === 'hold' && seen.filter((v) => v === 'hold').length === 1) {
        holding = true;
        await gate.wait();
      }
    };
    await container.start();
    const raw = new Kafka(config).producer();
    await raw.connect();
    await raw.send({ topic: input, messages: [{ key: 'k', value: 'hold' }] });
    await waitFor(() => holding, { what: 'the listener holding its transaction open' });

    // Another producer initializes the container's transactional id: the open transaction is aborted, its producer fenced.
    const intruder = new Kafka(config).producer({ transactionalId: prefix + containerTransactionSuffix(group, { topic: input, partition: 0 }), maxInFlightRequests: 1, idempotent: true });
    await intruder.connect();
    const transaction = await intruder.transaction();
    await transaction.abort();
    await intruder.disconnect();
    gate.open();
    return { container, events, seen, raw, input, group, producerFactory };
  }

  test('stopContainerWhenFenced: the consumer stops with reason FENCED and the record is not committed', async () => {
    const run = await fencedRun(true);
    try {
      await waitFor(() => run.events.stopped.length > 0, { what: 'the consumer to stop', timeoutMs: 20_000 });
      expect(run.events.stopped.map((e) => e.reason)).toEqual(['FENCED']);
      expect(run.container.isRunning()).toBe(false);
      expect(await probe.committedAt(run.group, run.input)).toBe(-1);
      expect(run.seen).toEqual(['hold']);
    } finally {
      await run.raw.disconnect();
      await run.container.stop();
      await run.producerFactory.close();
    }
  });

  test('by default (stopContainerWhenFenced false) the container keeps running: the record is processed again and committed', async () => {
    const run = await fencedRun(undefined);
    try {
      await waitFor(() => run.seen.length === 2, { what: 'the record processed again after the rollback', timeoutMs: 20_000 });
      await run.raw.send({ topic: run.input, messages: [{ key: 'k', value: 'next' }] });
      await waitFor(async () => (await probe.committedAt(run.group, run.input)) === 2, { what: 'both records committed', timeoutMs: 20_000 });
      expect(run.seen).toEqual(['hold', 'hold', 'next']);
      expect(run.container.isRunning()).toBe(true);
      expect(run.events.stopped).toEqual([]);
    } finally {
      await run.raw.disconnect();
      await run.container.stop();
      await run.producerFactory.close();
    }
  });
});
