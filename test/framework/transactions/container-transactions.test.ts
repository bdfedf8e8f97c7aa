/**
 * Listener containers with a KafkaTransactionManager: a listener's template sends and the
 * consumed offsets commit in one transaction; a throwing listener's sends are aborted, the
 * record is retried by the DefaultAfterRollbackProcessor and then recovered (in a transaction
 * of its own, with its offset). Also the KafkaApplication wiring (`producer.transactionIdPrefix`).
 */
import 'reflect-metadata';
import { injectable } from 'inversify';
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  DefaultAfterRollbackProcessor,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  FixedBackOff,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  KafkaTransactionManager,
  type ConsumerRecord,
  type MessageListenerContainer,
} from '../../../src/index.js';
import { BrokerProbe, FAST_CONSUMER, Gate, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';
import { readTopic, values } from './tx-harness.js';
import { waitFor } from '../../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producer: Producer;
let producerFactory: DefaultKafkaProducerFactory;
let template: KafkaTemplate<string, string>;
let manager: KafkaTransactionManager;
const running: MessageListenerContainer[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  producerFactory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), transactionIdPrefix: unique('ctr-tx-'), logger: testLogger });
  template = new KafkaTemplate(producerFactory, { logger: testLogger });
  manager = new KafkaTransactionManager(producerFactory, { logger: testLogger });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await producerFactory?.close();
  await producer?.disconnect();
  await probe?.close();
  await kafka?.stop();
});

async function inputTopic(count: number): Promise<{ input: string; output: string; group: string }> {
  const input = unique('tx-in');
  const output = unique('tx-out');
  await probe.createTopic(input, 1);
  await probe.createTopic(output, 1);
  await producer.send({ topic: input, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  return { input, output, group: unique('tx-group') };
}

async function startContainer(topic: string, group: string, listener: (record: ConsumerRecord<string, string>) => unknown, afterRollbackProcessor?: DefaultAfterRollbackProcessor) {
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group, transactionManager: manager, afterRollbackProcessor },
    logger: testLogger,
  });
  const container = factory.createContainer(topic);
  container.containerProperties.messageListener = (record: ConsumerRecord) => listener(record as ConsumerRecord<string, string>);
  running.push(container);
  await container.start();
  return container;
}

describe('container transactions', () => {
  test("a listener's sends and its consumed offset commit together", async () => {
    const { input, output, group } = await inputTopic(3);
    const gate = new Gate();
    let holding = false;
    await startContainer(input, group, async (record) => {
      await template.send(output, record.key!, `out-${record.value}`);
      if (record.offset === 1) {
        holding = true;
        await gate.wait();
      }
    });
    await waitFor(() => holding, { what: 'listener held inside the second record' });
    // Inside the second transaction: its send is written but neither it nor the offset is committed.
    const uncommitted = await readTopic(kafkaConfig(kafka), output, { readUncommitted: true, done: (r) => r.length >= 2 });
    expect(values(uncommitted)).toEqual(['out-v0', 'out-v1']);
    const committed = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= 1 });
    expect(values(committed)).toEqual(['out-v0']);
    expect(await probe.committedAt(group, input)).toBe(1);

    gate.open();
    const all = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= 3 });
    expect(values(all)).toEqual(['out-v0', 'out-v1', 'out-v2']);
    await waitFor(async () => (await probe.committedAt(group, input)) === 3, { what: 'offset 3 committed' });
  });

  test("a throwing listener's sends are aborted; the record is retried, then recovered in a transaction with its offset", async () => {
    const { input, output, group } = await inputTopic(3);
    const dlt = `${output}.DLT`;
    await probe.createTopic(dlt, 1);
    const attempts = new Map<string, number>();
    const processor = new DefaultAfterRollbackProcessor({
      backOff: new FixedBackOff(0, 2),
      commitRecovered: true,
      recoverer: async (record, error) => {
        // Joins the recovery transaction, like a DeadLetterPublishingRecoverer with this template would.
        await template.send(dlt, String(record.key), `dead-${String(record.value)}: ${error.message}`);
      },
      logger: testLogger,
    });
    await startContainer(
      input,
      group,
      async (record) => {
        attempts.set(record.value!, (attempts.get(record.value!) ?? 0) + 1);
        await template.send(output, record.key!, `out-${record.value}`);
        if (record.value === 'v1') throw new Error('cannot invoice v1');
      },
      processor,
    );
    const dead = await readTopic(kafkaConfig(kafka), dlt, { done: (r) => r.length >= 1 });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.value).toMatch(/^dead-v1: .*cannot invoice v1/);
    const committed = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= 2 });
    expect(values(committed)).toEqual(['out-v0', 'out-v2']);
    // The aborted attempts were written, and are visible to read_uncommitted readers only.
    const uncommitted = await readTopic(kafkaConfig(kafka), output, { readUncommitted: true, done: (r) => r.length >= 5 });
    expect(values(uncommitted)).toEqual(['out-v0', 'out-v1', 'out-v1', 'out-v1', 'out-v2']);
    expect(attempts.get('v1')).toBe(3);
    expect(attempts.get('v2')).toBe(1);
    await waitFor(async () => (await probe.committedAt(group, input)) === 3, { what: 'offset 3 committed' });
  });
});

@injectable()
class Copier {
  constructor(private readonly template: KafkaTemplate<string, string>) {}

  @KafkaListener({ id: 'tx-copier', topics: ['app-tx-in'], groupId: 'app-tx-group', containerFactory: 'txFactory' })
  async copy(value: string) {
    await this.template.send('app-tx-out', value, `copy-${value}`);
  }
}

describe('KafkaApplication wiring', () => {
  test('producer.transactionIdPrefix makes the template transactional and binds a KafkaTransactionManager for container factories', async () => {
    const [input, output, group] = ['app-tx-in', 'app-tx-out', 'app-tx-group'];
    await probe.createTopic(input, 1);
    await probe.createTopic(output, 1);
    await producer.send({ topic: input, messages: Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      producer: { transactionIdPrefix: unique('app-tx-') },
      consumerConfig: FAST_CONSUMER,
      listeners: [Copier],
      containerFactories: {
        txFactory: (c) => new ConcurrentKafkaListenerContainerFactory({ containerProperties: { transactionManager: c.get(KafkaTransactionManager) } }),
      },
      logger: testLogger,
    });
    try {
      const appTemplate = app.get(KafkaTemplate);
      expect(appTemplate.isTransactional()).toBe(true);
      expect(app.get(KafkaTransactionManager).producerFactory).toBe(appTemplate.producerFactory);
      await app.start();
      const read = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= 4 });
      expect(values(read)).toEqual(['copy-v0', 'copy-v1', 'copy-v2', 'copy-v3']);
      await waitFor(async () => (await probe.committedAt(group, input)) === 4, { what: 'offset 4 committed' });
    } finally {
      await app.stop();
    }
  });
});
