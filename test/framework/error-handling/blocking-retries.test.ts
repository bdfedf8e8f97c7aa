/**
 * Blocking retries with DefaultErrorHandler against the embedded broker: a poison record is
 * retried by its back-off, then dead-lettered with Spring's headers, and nothing after it is
 * lost or reordered; not-retryable and unconvertible records go to the DLT at once with their
 * raw bytes; back-offs pause only the failed partition, and one longer than the session
 * timeout costs no rebalance.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  BatchListenerFailedException,
  ConcurrentKafkaListenerContainerFactory,
  ConsumerPartitionsAssignedEvent,
  ConsumerPartitionsRevokedEvent,
  ConsumerRecord,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  ExponentialBackOffWithMaxRetries,
  FixedBackOff,
  Header,
  JsonDeserializer,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  Payload,
  TopicBuilder,
  type ConsumerRecords,
  type MessageListenerContainer,
} from '../../../src/index.js';
import { ApplicationEventPublisher } from '../../../src/framework/event/application-event-publisher.js';
import { BrokerProbe, Deliveries, FAST_CONSUMER, header, headerText, kafkaConfig, readTopic, SHORT_SESSION, startErrorHandlingBroker, testLogger, unique } from './support/error-handling-harness.js';
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

class PaymentDeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}

const PAYMENTS = 'payments';
const paymentDeliveries = new Deliveries();
const paymentTimestamps = new Map<number, number>();

@injectable()
class PaymentListener {
  @KafkaListener({ id: 'payments', topics: [PAYMENTS], groupId: 'payment-service' })
  onPayment(record: ConsumerRecord<string, string>) {
    paymentDeliveries.add(record);
    paymentTimestamps.set(record.offset, record.timestamp);
    if (record.value === 'poison') throw new PaymentDeclinedError('card declined');
  }
}

describe('DefaultErrorHandler + DeadLetterPublishingRecoverer (the issue example)', () => {
  test('a poison record: three attempts 50 ms apart, then in <topic>-dlt with every header; later records after it, in order; committed past it only after recovery', async () => {
    const commits: { offset: number; at: number }[] = [];
    const recovered: { offset: number; at: number }[] = [];
    let errorHandler: DefaultErrorHandler | undefined;
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [PaymentListener],
      topics: [TopicBuilder.name(PAYMENTS).partitions(1).build(), TopicBuilder.name(`${PAYMENTS}-dlt`).partitions(1).build()],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      containerFactories: {
        kafkaListenerContainerFactory: (c) => {
          errorHandler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(50, 2), { logger: testLogger });
          errorHandler.addRetryListener({ recovered: (record) => void recovered.push({ offset: record.offset, at: Date.now() }) });
          return new ConcurrentKafkaListenerContainerFactory({
            commonErrorHandler: errorHandler,
            containerProperties: {
              commitCallback: (offsets, error) => {
                if (!error) for (const { offset } of offsets.values()) commits.push({ offset, at: Date.now() });
              },
            },
          });
        },
      },
    });
    try {
      await app.start();
      const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
      await template.send('payments', 'k-a', 'a');
      await template.send({ topic: 'payments', key: 'k-poison', value: 'poison', headers: { 'x-trace': 'trace-1' } } as never);
      await template.send('payments', 'k-b', 'b');
      await template.send('payments', 'k-c', 'c');
      await waitFor(async () => (await probe.committedAt('payment-service', PAYMENTS)) === 4, { what: 'all four committed' });

      // Three deliveries of the poison record, each at least the back-off after the previous one.
      const poison = paymentDeliveries.of('poison');
      expect(poison).toHaveLength(3);
      expect(poison[1]!.at - poison[0]!.at).toBeGreaterThanOrEqual(50);
      expect(poison[2]!.at - poison[1]!.at).toBeGreaterThanOrEqual(50);
      expect(poison[2]!.at - poison[0]!.at).toBeLessThan(10_000);
      // Nothing after it was processed before it was recovered, and nothing was lost or reordered.
      expect(paymentDeliveries.values()).toEqual(['a', 'poison', 'poison', 'poison', 'b', 'c']);

      // Committed past the poison record (offset 1) only after it was recovered.
      expect(recovered).toHaveLength(1);
      const recoveredAt = recovered[0]!.at;
      expect(commits.filter((c) => c.offset > 1).every((c) => c.at >= recoveredAt)).toBe(true);
      expect(commits.some((c) => c.offset > 1)).toBe(true);

      const [dead] = await readTopic(kafka, 'payments-dlt', 1);
      expect(dead!.partition).toBe(0);
      expect(dead!.key!.toString()).toBe('k-poison');
      expect(dead!.value!.toString()).toBe('poison');
      expect(headerText(dead!, 'x-trace')).toBe('trace-1');
      expect(headerText(dead!, KafkaHeaders.DLT_ORIGINAL_TOPIC)).toBe('payments');
      expect(header(dead!, KafkaHeaders.DLT_ORIGINAL_PARTITION)!.toString('hex')).toBe('00000000');
      expect(header(dead!, KafkaHeaders.DLT_ORIGINAL_OFFSET)!.toString('hex')).toBe('0000000000000001');
      expect(header(dead!, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP)!.readBigInt64BE(0)).toBe(BigInt(paymentTimestamps.get(1)!));
      expect(header(dead!, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP)!.length).toBe(8);
      expect(headerText(dead!, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE)).toBe('CreateTime');
      expect(headerText(dead!, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP)).toBe('payment-service');
      expect(headerText(dead!, KafkaHeaders.DLT_EXCEPTION_FQCN)).toBe('ListenerExecutionFailedException');
      expect(headerText(dead!, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN)).toBe('PaymentDeclinedError');
      expect(headerText(dead!, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).toMatch(/^Listener failed for payments-0@1: card declined; card declined$/);
      const stack = headerText(dead!, KafkaHeaders.DLT_EXCEPTION_STACKTRACE)!;
      expect(stack).toContain('ListenerExecutionFailedException');
      expect(stack).toContain('Caused by: PaymentDeclinedError: card declined');
      expect(errorHandler!.deliveryAttempt('payment-service', new ConsumerRecord({ topic: PAYMENTS, partition: 0, offset: 1 }))).toBe(1);
    } finally {
      await app.stop();
    }
  });
});

class FraudDetected extends Error {}
class Refund {
  id!: string;
  amount!: number;
}

const seen = { refunds: [] as Refund[], fraud: new Deliveries(), typed: [] as unknown[] };

@injectable()
class RefundListener {
  @KafkaListener({ id: 'refunds', topics: ['refunds'], groupId: 'refunds' })
  onRefund(@Payload() refund: Refund) {
    seen.refunds.push(refund);
  }

  @KafkaListener({ id: 'fraud', topics: ['fraud-checks'], groupId: 'fraud' })
  onCheck(record: ConsumerRecord<string, string>) {
    seen.fraud.add(record);
    if (record.value === 'suspicious') throw new FraudDetected('fraud detected');
  }

  @KafkaListener({ id: 'typed', topics: ['typed'], groupId: 'typed', containerFactory: 'jsonFactory' })
  onTyped(@Payload() value: object, @Header(KafkaHeaders.OFFSET) offset: number) {
    seen.typed.push([offset, value]);
  }
}

describe('records that can never succeed go to the DLT at once', () => {
  test('a not-retryable failure, a conversion failure and a deserialization failure: one delivery (or none), then the DLT with the raw bytes', async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [RefundListener],
      topics: ['refunds', 'fraud-checks', 'typed'].flatMap((t) => [TopicBuilder.name(t).partitions(1).build(), TopicBuilder.name(`${t}-dlt`).partitions(1).build()]),
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      containerFactories: {
        kafkaListenerContainerFactory: (c) =>
          new ConcurrentKafkaListenerContainerFactory({
            commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(200, 5), { logger: testLogger }).addNotRetryableExceptions(FraudDetected),
          }),
        jsonFactory: (c) =>
          new ConcurrentKafkaListenerContainerFactory({
            consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, valueDeserializer: new JsonDeserializer(), logger: testLogger }),
            commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(200, 5), { logger: testLogger }),
          }),
      },
    });
    try {
      await app.start();
      const producer = app.get(DefaultKafkaProducerFactory);
      const raw = await producer.createProducer();
      const garbage = Buffer.from([0xff, 0x00, 0x7b, 0x22]);
      await raw.send({ topic: 'refunds', messages: [{ key: 'r1', value: garbage }, { key: 'r2', value: '{"id":"r2","amount":5}' }] });
      await raw.send({ topic: 'fraud-checks', messages: [{ value: 'suspicious' }, { value: 'fine' }] });
      await raw.send({ topic: 'typed', messages: [{ value: 'not json at all' }, { value: '{"ok":true}' }] });
      for (const [group, topic] of [['refunds', 'refunds'], ['fraud', 'fraud-checks'], ['typed', 'typed']] as const) {
        await waitFor(async () => (await probe.committedAt(group, topic)) === 2, { what: `${topic} committed` });
      }

      // Conversion failure: the listener never saw it; the DLT has the exact bytes.
      expect(seen.refunds.map((r) => r.id)).toEqual(['r2']);
      const [refund] = await readTopic(kafka, 'refunds-dlt', 1);
      expect(refund!.value!.equals(garbage)).toBe(true);
      expect(refund!.key!.toString()).toBe('r1');
      expect(headerText(refund!, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN)).toBe('MessageConversionException');

      // Not retryable (addNotRetryableExceptions): delivered once despite FixedBackOff(200, 5).
      expect(seen.fraud.of('suspicious')).toHaveLength(1);
      expect(seen.fraud.values()).toEqual(['suspicious', 'fine']);
      const [fraud] = await readTopic(kafka, 'fraud-checks-dlt', 1);
      expect(fraud!.value!.toString()).toBe('suspicious');
      expect(headerText(fraud!, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN)).toBe('FraudDetected');

      // Deserialization failure: described by its own exception, raw bytes kept.
      expect(seen.typed).toEqual([[1, { ok: true }]]);
      const [typed] = await readTopic(kafka, 'typed-dlt', 1);
      expect(typed!.value!.toString()).toBe('not json at all');
      expect(headerText(typed!, KafkaHeaders.DLT_EXCEPTION_FQCN)).toBe('DeserializationException');
      expect(headerText(typed!, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP)).toBe('typed');
    } finally {
      await app.stop();
    }
  });
});

describe('back-offs pause the partition, not the consumer', () => {
  test('exponential back-off: each attempt at or after its due time; a back-off longer than the session timeout costs no rebalance; the other partition keeps flowing', async () => {
    const topic = unique('exp');
    const group = unique('exp-group');
    await probe.createTopic(topic, 2);
    const publisher = new ApplicationEventPublisher(testLogger);
    const events: string[] = [];
    publisher.addListener(ConsumerPartitionsAssignedEvent, () => void events.push('assigned'));
    publisher.addListener(ConsumerPartitionsRevokedEvent, () => void events.push('revoked'));
    const deliveries = new Deliveries();
    const recovered: string[] = [];
    // 100, 500, then 2500 ms: the last one is longer than the 2000 ms session timeout.
    const backOff = new ExponentialBackOffWithMaxRetries(3, { initialInterval: 100, multiplier: 5, maxInterval: 5000 });
    const factory = new ConcurrentKafkaListenerContainerFactory({
      consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: SHORT_SESSION, logger: testLogger }),
      containerProperties: { groupId: group },
      commonErrorHandler: new DefaultErrorHandler((record) => void recovered.push(String(record.value)), backOff, { logger: testLogger }),
      applicationEventPublisher: publisher,
      logger: testLogger,
    });
    const container = factory.createContainer(topic);
    container.containerProperties.messageListener = (record: ConsumerRecord) => {
      deliveries.add(record);
      if (record.value === 'flaky') throw new Error('still down');
    };
    const producers = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
    const template = new KafkaTemplate<string, string>(producers, { logger: testLogger });
    try {
      await container.start();
      const assignedAtStart = events.length;
      await template.send(topic, 0, 'k', 'flaky');
      await waitFor(() => deliveries.of('flaky').length === 3, { what: 'third delivery' });
      // The partition now waits 2.5 s; the other one is consumed meanwhile.
      for (const value of ['p1-a', 'p1-b']) await template.send(topic, 1, 'k', value);
      await waitFor(() => recovered.length === 1, { what: 'recovery', timeoutMs: 15_000 });

      const flaky = deliveries.of('flaky');
      expect(flaky).toHaveLength(4);
      const gaps = [flaky[1]!.at - flaky[0]!.at, flaky[2]!.at - flaky[1]!.at, flaky[3]!.at - flaky[2]!.at];
      expect(gaps[0]).toBeGreaterThanOrEqual(100);
      expect(gaps[1]).toBeGreaterThanOrEqual(500);
      expect(gaps[2]).toBeGreaterThanOrEqual(2500);
      expect(gaps[2]).toBeLessThan(10_000);
      const otherPartition = deliveries.list.filter((d) => d.partition === 1);
      expect(otherPartition.map((d) => d.value)).toEqual(['p1-a', 'p1-b']);
      expect(otherPartition.every((d) => d.at < flaky[3]!.at)).toBe(true);
      // No rebalance: the consumer kept its membership through the long back-off.
      expect(events.slice(assignedAtStart)).toEqual([]);
      expect(events).not.toContain('revoked');
      await waitFor(async () => (await probe.committed(group, topic)).get(0) === 1, { what: 'recovered record committed' });
    } finally {
      await container.stop();
      await producers.close();
    }
  });
});

describe('batch listeners', () => {
  test('BatchListenerFailedException(index): the records before it are committed, it is retried then dead-lettered, the rest follow', async () => {
    const topic = unique('batch');
    const group = unique('batch-group');
    await probe.createTopic(topic, 1);
    await probe.createTopic(`${topic}-dlt`, 1);
    const producers = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
    const template = new KafkaTemplate<string, string>(producers, { logger: testLogger });
    for (const value of ['b0', 'b1', 'bad', 'b3', 'b4']) await template.send(topic, 'k', value);
    const processed: string[] = [];
    let badDeliveries = 0;
    const factory = new ConcurrentKafkaListenerContainerFactory({
      consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
      containerProperties: { groupId: group },
      commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template, { logger: testLogger }), new FixedBackOff(50, 1), { logger: testLogger }),
      logger: testLogger,
    });
    const container: MessageListenerContainer = factory.createContainer(topic);
    container.containerProperties.messageListener = {
      batch: true,
      onMessage: (records: ConsumerRecords) => {
        for (const [index, record] of records.entries()) {
          if (record.value === 'bad') {
            badDeliveries++;
            throw new BatchListenerFailedException('bad record', index, { cause: new Error('cannot process') });
          }
          processed.push(String(record.value));
        }
      },
    };
    try {
      await container.start();
      await waitFor(async () => (await probe.committedAt(group, topic)) === 5, { what: 'all committed' });
      expect(badDeliveries).toBe(2);
      expect(processed).toEqual(['b0', 'b1', 'b3', 'b4']);
      const [dead] = await readTopic(kafka, `${topic}-dlt`, 1);
      expect(dead!.value!.toString()).toBe('bad');
      expect(header(dead!, KafkaHeaders.DLT_ORIGINAL_OFFSET)!.readBigInt64BE(0)).toBe(2n);
      expect(headerText(dead!, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN)).toBe('Error');
    } finally {
      await container.stop();
      await producers.close();
    }
  });

  test('a failure without an index retries the whole batch, then recovers every record of it and moves on (no redelivery)', async () => {
    const topic = unique('whole-batch');
    const group = unique('whole-batch-group');
    await probe.createTopic(topic, 1);
    const producers = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
    const producer = await producers.createProducer();
    await producer.send({ topic, messages: ['w1', 'bad', 'w3'].map((value) => ({ value })) });
    const batches: string[][] = [];
    const recovered: string[] = [];
    const factory = new ConcurrentKafkaListenerContainerFactory({
      consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
      containerProperties: { groupId: group },
      commonErrorHandler: new DefaultErrorHandler((record) => void recovered.push(String(record.value)), new FixedBackOff(0, 1), { logger: testLogger }),
      logger: testLogger,
    });
    const container = factory.createContainer(topic);
    container.containerProperties.messageListener = {
      batch: true,
      onMessage: (records: ConsumerRecords) => {
        batches.push(records.map((r) => String(r.value)));
        if (records.some((r) => r.value === 'bad')) throw new Error('the batch failed');
      },
    };
    try {
      await container.start();
      await waitFor(async () => (await probe.committedAt(group, topic)) === 3, { what: 'the batch committed' });
      await producer.send({ topic, messages: [{ value: 'marker' }] });
      await waitFor(() => batches.at(-1)?.includes('marker'), { what: 'the next record' });
      expect(recovered).toEqual(['w1', 'bad', 'w3']);
      expect(batches).toEqual([['w1', 'bad', 'w3'], ['w1', 'bad', 'w3'], ['marker']]);
    } finally {
      await container.stop();
      await producers.close();
    }
  });
});
