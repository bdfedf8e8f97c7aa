/**
 * DeadLetterPublishingRecoverer with templates chosen by payload type (Spring's
 * `Map<Class<?>, KafkaOperations>` constructor), end to end: typed JSON records (`__TypeId__`
 * mapped to classes by the JsonDeserializer) fail in a listener and reach the DLT through the
 * template of the first matching type; a tombstone without a `null` entry takes the first
 * template, an unmatched value the last one (with a warning). Each template's interceptor
 * stamps the dead letter, so the consumed DLT record tells which template published it.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  DefaultKafkaProducerFactory,
  FixedBackOff,
  JsonDeserializer,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  ProducerRecord,
  TopicBuilder,
  type PayloadType,
  type ProducerInterceptor,
} from '../../../src/index.js';
import { KafkaTestUtils } from '../../../src/testing/index.js';
import { consoleLogger, type Logger } from '../../../src/framework/support/logger.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';

class Order {
  constructor(readonly id = '') {}
}
class Payment {
  constructor(readonly amount = 0) {}
}

const failed: unknown[] = [];

@injectable()
class AlwaysFails {
  @KafkaListener({ id: 'typed-dl', topics: ['typed-dl'], containerFactory: 'deadLettering' })
  onRecord(record: ConsumerRecord): void {
    failed.push(record.value);
    throw new Error(`cannot process ${JSON.stringify(record.value)}`);
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let factory: DefaultKafkaProducerFactory;
const warnings: string[] = [];

/** A template whose interceptor marks what it publishes with `x-via: <name>`. */
const stamping = (name: string) => {
  const stamp: ProducerInterceptor = {
    onSend: (r) => new ProducerRecord(r.topic, r.partition, r.timestamp, r.key, r.value, { ...r.headers, 'x-via': name }),
    onAcknowledgement: () => undefined,
  };
  return new KafkaTemplate(factory, { producerInterceptor: stamp, logger: testLogger });
};

beforeAll(async () => {
  kafka = await startBroker();
  factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  const base = consoleLogger('error', 'dlpr');
  const logger: Logger = { ...base, warn: (message: string) => void warnings.push(message) };
  const recoverer = new DeadLetterPublishingRecoverer(
    new Map<PayloadType, KafkaTemplate>([
      [Order, stamping('orders')],
      [Payment, stamping('payments')],
      [Number, stamping('numbers')],
    ]),
    { logger },
  );
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [AlwaysFails],
    topics: ['typed-dl', 'typed-dl-dlt'].map((t) => TopicBuilder.name(t).partitions(1).build()),
    valueDeserializer: new JsonDeserializer({ typeMappings: { Order, Payment } }),
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    containerFactories: {
      deadLettering: new ConcurrentKafkaListenerContainerFactory({ commonErrorHandler: new DefaultErrorHandler(recoverer, new FixedBackOff(0, 0), { logger: testLogger }) }),
    },
  });
  await app.start();
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await factory?.close();
  await kafka?.stop();
});

test('each failed record goes to the DLT through the template of its payload type', async () => {
  const template = app.get(KafkaTemplate);
  await template.send('typed-dl', 'order', new Order('o-1'));
  await template.send('typed-dl', 'payment', new Payment(12));
  await template.send('typed-dl', 'number', 42);
  await template.send('typed-dl', 'tombstone', null);
  await template.send('typed-dl', 'plain', { note: 'no type id' });

  const consumer = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('dlt-reader')), 'typed-dl-dlt');
  try {
    const dead = await KafkaTestUtils.getRecords(consumer, 20_000, 5);
    const via = Object.fromEntries(dead.map((r) => [r.key, r.headers.lastString('x-via')]));
    expect(via).toEqual({ order: 'orders', payment: 'payments', number: 'numbers', tombstone: 'orders', plain: 'numbers' });
    // The dead letters carry the bytes the records arrived with, and Spring's exception headers.
    const order = dead.find((r) => r.key === 'order')!;
    expect(JSON.parse(String(order.value))).toEqual({ id: 'o-1' });
    expect(order.headers.lastString('__TypeId__')).toBe('Order');
    expect(order.headers.lastString('kafka_dlt-exception-message')).toMatch(/cannot process/);
  } finally {
    await consumer.close();
  }
  expect(failed[0]).toBeInstanceOf(Order);
  expect(failed[1]).toBeInstanceOf(Payment);
  expect(warnings.filter((w) => /Failed to find a template for Object; attempting to use the last entry/.test(w))).toHaveLength(1);
});

test('an empty template map is refused', () => {
  expect(() => new DeadLetterPublishingRecoverer(new Map())).toThrow(/at least one template/);
});
