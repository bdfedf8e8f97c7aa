/**
 * @KafkaListener methods end to end through KafkaApplication: DTO conversion (nested @Type),
 * keys and headers, ConsumerRecord/Acknowledgment/Message by type, tombstones, conversion
 * failures, batch listeners, class-level dispatch and dependency injection.
 */
import { Type } from 'class-transformer';
import { Container, inject, injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AckMode,
  Acknowledgment,
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  ConsumerRecords,
  DefaultErrorHandler,
  Header,
  Headers,
  KafkaApplication,
  KafkaHandler,
  KafkaHeaders,
  KafkaListener,
  KafkaNull,
  KafkaTemplate,
  Message,
  MessageBuilder,
  MessageConversionException,
  Payload,
  ProducerRecord,
  TopicBuilder,
  type ContainerConsumer,
} from '../../src/index.js';
import { KafkaTestUtils } from '../../src/testing/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

class LineItem {
  sku!: string;
  quantity!: number;
  unitPrice!: number;
  total(): number {
    return this.quantity * this.unitPrice;
  }
}

class Order {
  id!: string;
  @Type(() => Date) placedAt!: Date;
  @Type(() => LineItem) items: LineItem[] = [];
  total(): number {
    return this.items.reduce((sum, item) => sum + item.total(), 0);
  }
}

class OrderCreated {
  constructor(public id = '') {}
}
class OrderCancelled {
  constructor(public id = '', public reason = '') {}
}

/** A user service, bound in the user's own container and injected into a listener. */
@injectable()
class Inbox {
  readonly orders: { order: Order; key: string; partition: number; offset: number; topic: string; timestamp: number; group: string; tenant: string; headers: Record<string, unknown> }[] = [];
  readonly records: ConsumerRecord<string, string>[] = [];
  readonly messages: Message[] = [];
  readonly tombstones: (string | null)[] = [];
  readonly strict: Order[] = [];
  readonly batches: { orders: (Order | null)[]; keys: string[]; failures: (Error | null)[] }[] = [];
  readonly recordBatches: number[][] = [];
  readonly events: string[] = [];
  readonly metrics: { topic: string; clientId: string }[] = [];
  readonly recovered: unknown[] = [];
}

const TENANT = 'x-tenant';

@injectable()
class OrderListeners {
  constructor(
    private readonly inbox: Inbox,
    readonly template: KafkaTemplate<string, unknown>,
  ) {}

  @KafkaListener({ id: 'orders', topics: ['orders'], groupId: 'orders-svc' })
  onOrder(
    @Payload() order: Order,
    @Header(KafkaHeaders.RECEIVED_KEY) key: string,
    @Header(KafkaHeaders.RECEIVED_PARTITION) partition: number,
    @Header(KafkaHeaders.OFFSET) offset: number,
    @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string,
    @Header(KafkaHeaders.RECEIVED_TIMESTAMP) timestamp: number,
    @Header(KafkaHeaders.GROUP_ID) group: string,
    @Header(TENANT) tenant: string,
    @Headers() headers: Record<string, unknown>,
  ) {
    this.inbox.orders.push({ order, key, partition, offset, topic, timestamp, group, tenant, headers });
  }

  @KafkaListener({ id: 'raw', topics: ['raw'], containerFactory: 'manualFactory' })
  onRaw(record: ConsumerRecord<string, string>, ack: Acknowledgment) {
    this.inbox.records.push(record);
    ack.acknowledge();
  }

  @KafkaListener({ id: 'messages', topics: ['messages'] })
  onMessage(message: Message) {
    this.inbox.messages.push(message);
  }

  @KafkaListener({ id: 'tombstones', topics: ['tombstones'] })
  onTombstone(@Payload({ required: false }) value: string | null) {
    this.inbox.tombstones.push(value);
  }

  @KafkaListener({ id: 'strict', topics: ['strict'], containerFactory: 'recordingFactory' })
  onStrict(order: Order) {
    this.inbox.strict.push(order);
  }

  @KafkaListener({ id: 'batch', topics: ['batch'], batch: true })
  onBatch(@Payload({ type: Order }) orders: (Order | null)[], @Header(KafkaHeaders.RECEIVED_KEY) keys: string[], @Header(KafkaHeaders.CONVERSION_FAILURES) failures: (Error | null)[]) {
    this.inbox.batches.push({ orders, keys, failures });
  }

  @KafkaListener({ id: 'metrics', topicPattern: /^metrics-/, clientIdPrefix: 'metrics-reader', autoStartup: true })
  onMetric(record: ConsumerRecord, @Header(KafkaHeaders.CONSUMER) consumer: ContainerConsumer) {
    this.inbox.metrics.push({ topic: record.topic, clientId: consumer.clientId });
  }

  @KafkaListener({ id: 'dormant', topics: ['dormant'], autoStartup: false })
  onDormant(value: string) {
    this.inbox.events.push(`dormant:${value}`);
  }

  @KafkaListener({ id: 'record-batch', topics: ['record-batch'], batch: true })
  onRecordBatch(records: ConsumerRecords<string, string>) {
    this.inbox.recordBatches.push(records.map((r) => r.offset));
  }
}

/** Found among the container's bindings rather than passed in `listeners`. */
@injectable()
@KafkaListener({ id: 'events', topics: ['events'] })
class OrderEventHandlers {
  constructor(@inject(Inbox) private readonly inbox: Inbox) {}

  @KafkaHandler()
  created(event: OrderCreated) {
    this.inbox.events.push(`created:${event.id}:${event instanceof OrderCreated}`);
  }

  @KafkaHandler()
  cancelled(event: OrderCancelled) {
    this.inbox.events.push(`cancelled:${event.id}:${event.reason}`);
  }

  @KafkaHandler()
  text(value: string) {
    this.inbox.events.push(`text:${value}`);
  }

  @KafkaHandler({ isDefault: true })
  other(value: unknown) {
    this.inbox.events.push(`default:${JSON.stringify(value)}`);
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let inbox: Inbox;
let template: KafkaTemplate<string, unknown>;

beforeAll(async () => {
  kafka = await startBroker();
  const container = new Container();
  container.bind(Inbox).toSelf().inSingletonScope();
  container.bind(OrderEventHandlers).toSelf().inSingletonScope();
  inbox = container.get(Inbox);
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    container,
    listeners: [OrderListeners],
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    topics: ['orders', 'raw', 'messages', 'tombstones', 'strict', 'batch', 'record-batch', 'events', 'metrics-cpu', 'metrics-disk', 'dormant'].map((t) => TopicBuilder.name(t).partitions(t === 'orders' ? 3 : 1).build()),
    containerFactories: {
      manualFactory: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.MANUAL_IMMEDIATE } }),
      recordingFactory: () =>
        new ConcurrentKafkaListenerContainerFactory({
          commonErrorHandler: new DefaultErrorHandler({ logger: testLogger, recoverer: (record, error) => void inbox.recovered.push([record.offset, error.cause]) }),
        }),
    },
  });
  await app.start();
  template = app.get(KafkaTemplate) as KafkaTemplate<string, unknown>;
});

afterAll(async () => {
  await app?.stop();
  await kafka?.stop();
});

describe('argument resolution', () => {
  test('a DTO with nested @Type, the key and every received header', async () => {
    const sent = await template.send(
      ProducerRecord.of({
        topic: 'orders',
        partition: 2,
        key: 'order-1',
        value: { id: 'o-1', placedAt: '2024-05-06T07:08:09.000Z', items: [{ sku: 'apple', quantity: 3, unitPrice: 2 }] },
        headers: { [TENANT]: 'acme' },
      }),
    );
    await waitFor(() => inbox.orders.length === 1, { what: 'the order' });
    const [received] = inbox.orders;
    expect(received!.order).toBeInstanceOf(Order);
    expect(received!.order.placedAt).toBeInstanceOf(Date);
    expect(received!.order.items[0]).toBeInstanceOf(LineItem);
    expect(received!.order.total()).toBe(6);
    expect(received).toMatchObject({ key: 'order-1', partition: 2, offset: sent.recordMetadata.offset, topic: 'orders', timestamp: sent.recordMetadata.timestamp, group: 'orders-svc', tenant: 'acme' });
    expect(received!.headers[KafkaHeaders.RECEIVED_KEY]).toBe('order-1');
    expect(received!.headers[TENANT]).toEqual(Buffer.from('acme'));
    expect(received!.headers[KafkaHeaders.TIMESTAMP_TYPE]).toBe('CREATE_TIME');
  });

  test('ConsumerRecord and Acknowledgment recognised by type (MANUAL_IMMEDIATE factory by name)', async () => {
    await template.send('raw', 'k', 'plain text');
    await waitFor(() => inbox.records.length === 1, { what: 'the raw record' });
    const [record] = inbox.records;
    expect(record).toBeInstanceOf(ConsumerRecord);
    expect(record).toMatchObject({ topic: 'raw', partition: 0, offset: 0, key: 'k', value: 'plain text' });
    // acknowledge() under MANUAL_IMMEDIATE committed it.
    await waitFor(async () => (await KafkaTestUtils.getCurrentOffset(kafkaConfig(kafka), 'raw', 'raw', 0)) === 1, { what: 'the commit' });
  });

  test('a Message parameter gets the payload and the headers', async () => {
    await template.send(MessageBuilder.withPayload({ greeting: 'hi' }).setHeader(KafkaHeaders.TOPIC, 'messages').setHeader(KafkaHeaders.KEY, 'm1').setHeader('x-trace', 'abc').build());
    await waitFor(() => inbox.messages.length === 1, { what: 'the message' });
    const [message] = inbox.messages;
    expect(message).toBeInstanceOf(Message);
    expect(message!.payload).toEqual({ greeting: 'hi' });
    expect(message!.headers[KafkaHeaders.RECEIVED_KEY]).toBe('m1');
    expect(message!.headers['x-trace']).toEqual(Buffer.from('abc'));
  });

  test('tombstones reach a @Payload({ required: false }) parameter as null', async () => {
    await template.send('tombstones', 'k', KafkaNull.INSTANCE);
    await template.send(MessageBuilder.withPayload(KafkaNull.INSTANCE).setHeader(KafkaHeaders.TOPIC, 'tombstones').build());
    await template.send('tombstones', 'k', 'alive');
    await waitFor(() => inbox.tombstones.length === 3, { what: 'three records' });
    expect(inbox.tombstones).toEqual([null, null, 'alive']);
  });

  test('an unconvertible payload is a MessageConversionException: not retried, skipped, the next record goes on', async () => {
    await template.send('strict', 'bad', 'this is not JSON');
    await template.send('strict', 'good', { id: 'fine', items: [] });
    await waitFor(() => inbox.strict.length === 1, { what: 'the good record' });
    expect(inbox.strict[0]!.id).toBe('fine');
    expect(inbox.recovered).toHaveLength(1);
    const [offset, cause] = inbox.recovered[0] as [number, unknown];
    expect(offset).toBe(0);
    expect(cause).toBeInstanceOf(MessageConversionException);
  });
});

describe('batch listeners', () => {
  test('payload lists converted to @Payload({ type }), headers as parallel lists, failures as nulls', async () => {
    const producer = await template.producerFactory.createProducer();
    // One request, so the listener gets them as one batch.
    await producer.send({
      topic: 'batch',
      messages: [
        { key: 'a', value: JSON.stringify({ id: 'b1', items: [{ sku: 's', quantity: 1, unitPrice: 5 }] }) },
        { key: 'b', value: 'garbage' },
        { key: 'c', value: JSON.stringify({ id: 'b3', items: [] }) },
      ],
    });
    await waitFor(() => inbox.batches.flatMap((b) => b.keys).length === 3, { what: 'three records' });
    const orders = inbox.batches.flatMap((b) => b.orders);
    expect(orders[0]).toBeInstanceOf(Order);
    expect(orders[0]!.items[0]!.total()).toBe(5);
    expect(orders[1]).toBeNull();
    expect(orders[2]!.id).toBe('b3');
    expect(inbox.batches.flatMap((b) => b.keys)).toEqual(['a', 'b', 'c']);
    const failures = inbox.batches.flatMap((b) => b.failures);
    expect(failures[1]).toBeInstanceOf(MessageConversionException);
    expect(failures[0]).toBeNull();
  });

  test('a ConsumerRecords parameter gets the records', async () => {
    const producer = await template.producerFactory.createProducer();
    await producer.send({ topic: 'record-batch', messages: [{ value: '1' }, { value: '2' }] });
    await waitFor(() => inbox.recordBatches.flat().length === 2, { what: 'two records' });
    expect(inbox.recordBatches.flat()).toEqual([0, 1]);
  });
});

describe('class-level @KafkaListener dispatch', () => {
  test('by __TypeId__ header, then to the default handler', async () => {
    await template.send('events', 'e1', new OrderCreated('c-1'));
    await template.send('events', 'e2', new OrderCancelled('c-2', 'late'));
    await template.send('events', 'e3', 'just text');
    await template.send('events', 'e4', { some: 'object' });
    await waitFor(() => inbox.events.length === 4, { what: 'four events' });
    expect(inbox.events).toEqual(['created:c-1:true', 'cancelled:c-2:late', 'text:just text', 'default:{"some":"object"}']);
  });
});

describe('subscription options', () => {
  test('topicPattern subscribes to the matching topics; clientIdPrefix names the consumers', async () => {
    await template.send('metrics-cpu', 'c', '1');
    await template.send('metrics-disk', 'd', '2');
    await waitFor(() => inbox.metrics.length === 2, { what: 'two metrics' });
    expect(inbox.metrics.map((m) => m.topic).sort()).toEqual(['metrics-cpu', 'metrics-disk']);
    expect(inbox.metrics[0]!.clientId).toBe('metrics-reader-0');
  });

  test('autoStartup: false leaves the container stopped until started', async () => {
    const dormant = app.listenerContainer('dormant');
    expect(dormant.isRunning()).toBe(false);
    await template.send('dormant', 'k', 'wake up');
    await dormant.start();
    await waitFor(() => inbox.events.includes('dormant:wake up'), { what: 'the record once started' });
  });
});

describe('dependency injection', () => {
  test('listener classes are singletons with their constructor dependencies injected', () => {
    const listeners = app.get(OrderListeners);
    expect(listeners).toBe(app.get(OrderListeners));
    expect(listeners.template).toBe(app.get(KafkaTemplate));
    expect(app.get(Inbox)).toBe(inbox);
    expect(app.get<ConcurrentKafkaListenerContainerFactory>('manualFactory').containerProperties.ackMode).toBe(AckMode.MANUAL_IMMEDIATE);
    expect(app.container.get(ConcurrentKafkaListenerContainerFactory, { name: 'manualFactory' })).toBe(app.get('manualFactory'));
    expect(app.container.get(ConcurrentKafkaListenerContainerFactory)).toBe(app.get('kafkaListenerContainerFactory'));
    expect(app.listenerContainers().map((c) => c.listenerId).sort()).toEqual(['batch', 'dormant', 'events', 'messages', 'metrics', 'orders', 'raw', 'record-batch', 'strict', 'tombstones']);
  });
});
