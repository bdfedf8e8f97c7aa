/**
 * A Streamwright service and a Spring Boot service exchanging typed JSON and dead letters,
 * against the embedded broker. Records are written byte for byte as Spring's `JsonSerializer`
 * (Jackson, `__TypeId__` = the class's name, `__ContentTypeId__`/`__KeyTypeId__` for
 * collections and maps, `__Key_TypeId__` for keys) and `DeadLetterPublishingRecoverer`
 * (`kafka_dlt-*` headers: UTF-8 texts, 4-byte partition, 8-byte offset and timestamp) write
 * them; they arrive as TypeScript classes. What Streamwright writes is checked against the
 * same bytes, and its poison pills reach the DLT with their original bytes.
 */
import { Type } from 'class-transformer';
import { injectable } from 'inversify';
import { Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  ErrorHandlingDeserializer,
  FixedBackOff,
  Header,
  JsonDeserializer,
  JsonSerializer,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  Payload,
  TopicBuilder,
  VALUE_DESERIALIZER_EXCEPTION_HEADER,
  type ConsumerRecord,
} from '../../src/index.js';
import { header, headerText, readTopic } from './error-handling/support/error-handling-harness.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

class OrderLine {
  sku!: string;
  qty!: number;
}

class Order {
  id!: string;
  amount!: number;
  @Type(() => OrderLine) lines!: OrderLine[];

  units(): number {
    return this.lines.reduce((sum, line) => sum + line.qty, 0);
  }
}

/** Jackson's output for `new Order("o-1", 12.5, List.of(new OrderLine("apple", 2), new OrderLine("pear", 3)))`. */
const ORDER_JSON = '{"id":"o-1","amount":12.5,"lines":[{"sku":"apple","qty":2},{"sku":"pear","qty":3}]}';
const ORDER_2_JSON = '{"id":"o-2","amount":3.0,"lines":[{"sku":"fig","qty":1}]}';
const JAVA_ORDER = 'com.example.orders.Order';
const TYPE_MAPPING = `${JAVA_ORDER}:Order`;

/** A Spring `JsonSerializer` key: a JSON string literal, typed `java.lang.String`. */
const springKey = (key: string) => ({ key: JSON.stringify(key), headers: { __Key_TypeId__: Buffer.from('java.lang.String') } });

@injectable()
class InteropListeners {
  static orders: { key: string; payload: unknown }[] = [];
  static deadLetters: Record<string, unknown>[] = [];
  static failedDeliveries = new Map<number, number>();

  @KafkaListener({ id: 'interop-orders', topics: ['interop-orders'] })
  onOrder(@Payload() payload: object, @Header(KafkaHeaders.RECEIVED_KEY) key: string): void {
    InteropListeners.orders.push({ key, payload });
  }

  @KafkaListener({ id: 'spring-dlt', topics: ['spring-orders-dlt'], containerFactory: 'springDlt' })
  onSpringDeadLetter(
    order: Order,
    @Header(KafkaHeaders.DLT_ORIGINAL_TOPIC) topic: string,
    @Header(KafkaHeaders.DLT_ORIGINAL_PARTITION) partition: number,
    @Header(KafkaHeaders.DLT_ORIGINAL_OFFSET) offset: number,
    @Header(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP) timestamp: number,
    @Header(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE) timestampType: string,
    @Header(KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP) group: string,
    @Header(KafkaHeaders.DLT_EXCEPTION_FQCN) exceptionClass: string,
    @Header(KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN) causeClass: string,
    @Header(KafkaHeaders.DLT_EXCEPTION_MESSAGE) message: string,
  ): void {
    InteropListeners.deadLetters.push({ order, topic, partition, offset, timestamp, timestampType, group, exceptionClass, causeClass, message });
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let producer: Producer;

beforeAll(async () => {
  kafka = await startBroker();
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [InteropListeners],
    topics: ['interop-orders', 'interop-orders-dlt', 'spring-orders-dlt', 'sw-orders-out'].map((name) => TopicBuilder.name(name).partitions(1).replicas(1).build()),
    consumerConfig: FAST_CONSUMER,
    valueSerializer: new JsonSerializer({ typeMappings: TYPE_MAPPING, classes: [Order] }),
    containerFactories: {
      // Spring Boot's `spring.kafka.consumer.key-deserializer/value-deserializer: ErrorHandlingDeserializer`
      // with JsonDeserializer delegates, `spring.json.type.mapping` and `spring.json.trusted.packages`.
      kafkaListenerContainerFactory: (c) =>
        new ConcurrentKafkaListenerContainerFactory({
          containerProperties: {
            keyDeserializer: new ErrorHandlingDeserializer(new JsonDeserializer({ isKey: true }), { isKey: true }),
            valueDeserializer: new ErrorHandlingDeserializer(new JsonDeserializer({ typeMappings: TYPE_MAPPING, classes: [Order], trustedPackages: ['com.example.orders'] })),
          },
          commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(50, 3), {
            logger: testLogger,
            retryListeners: [{ failedDelivery: (record) => InteropListeners.failedDeliveries.set(record.offset, (InteropListeners.failedDeliveries.get(record.offset) ?? 0) + 1) }],
          }),
        }),
      springDlt: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { valueDeserializer: new JsonDeserializer({ typeMappings: TYPE_MAPPING, classes: [Order] }) } }),
    },
    logger: testLogger,
  });
  await app.start();
  producer = new Kafka({ ...kafkaConfig(kafka), clientId: 'spring-boot-service' }).producer();
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await app?.stop();
  await kafka?.stop();
});

describe('from a Spring service: typed JSON', () => {
  test('a class, a List<Order> and a Map<String, Order> arrive as Order instances', async () => {
    await producer.send({
      topic: 'interop-orders',
      messages: [
        { ...springKey('single'), value: ORDER_JSON, headers: { ...springKey('single').headers, __TypeId__: Buffer.from(JAVA_ORDER) } },
        {
          ...springKey('list'),
          value: `[${ORDER_JSON},${ORDER_2_JSON}]`,
          headers: { ...springKey('list').headers, __TypeId__: Buffer.from('java.util.ArrayList'), __ContentTypeId__: Buffer.from(JAVA_ORDER) },
        },
        {
          ...springKey('map'),
          value: `{"first":${ORDER_JSON}}`,
          headers: { ...springKey('map').headers, __TypeId__: Buffer.from('java.util.LinkedHashMap'), __KeyTypeId__: Buffer.from('java.lang.String'), __ContentTypeId__: Buffer.from(JAVA_ORDER) },
        },
      ],
    });
    await waitFor(() => InteropListeners.orders.some((o) => o.key === 'map'), { what: 'the three typed records' });
    const byKey = Object.fromEntries(InteropListeners.orders.map((o) => [o.key, o.payload]));

    const single = byKey.single as Order;
    expect(single).toBeInstanceOf(Order);
    expect(single.lines[0]).toBeInstanceOf(OrderLine);
    expect(single.units()).toBe(5);

    const list = byKey.list as Order[];
    expect(list.map((o) => o instanceof Order && o.id)).toEqual(['o-1', 'o-2']);
    expect(list[1]!.units()).toBe(1);

    const map = byKey.map as Record<string, Order>;
    expect(map.first).toBeInstanceOf(Order);
    expect(map.first!.amount).toBe(12.5);
  });
});

describe('poison pills: ErrorHandlingDeserializer and the dead-letter topic', () => {
  test('an untrusted type, bad JSON and a bad key: never retried, dead-lettered with the original bytes and Spring\'s headers', async () => {
    const badJson = Buffer.from('{"id":"o-3","amount":oops');
    await producer.send({
      topic: 'interop-orders',
      messages: [
        { ...springKey('untrusted'), value: ORDER_JSON, headers: { ...springKey('untrusted').headers, __TypeId__: Buffer.from('com.evil.Gadget') } },
        { ...springKey('bad-json'), value: badJson, headers: { ...springKey('bad-json').headers, __TypeId__: Buffer.from(JAVA_ORDER) } },
        { key: 'not-json-key', value: ORDER_JSON, headers: { __TypeId__: Buffer.from(JAVA_ORDER) } },
        { ...springKey('after'), value: ORDER_2_JSON, headers: { ...springKey('after').headers, __TypeId__: Buffer.from(JAVA_ORDER) } },
      ],
    });
    await waitFor(() => InteropListeners.orders.some((o) => o.key === 'after'), { what: 'the record after the poison pills' });
    expect(InteropListeners.orders.map((o) => o.key)).not.toContain('untrusted');
    expect(InteropListeners.orders.map((o) => o.key)).not.toContain('bad-json');

    const dead = await readTopic(kafka, 'interop-orders-dlt', 3);
    expect(dead).toHaveLength(3);
    const [untrusted, invalid, badKey] = dead;

    // Original bytes, original headers (the type id), and no Java-only exception header.
    expect(untrusted!.value!.toString()).toBe(ORDER_JSON);
    expect(untrusted!.key!.toString()).toBe('"untrusted"');
    expect(headerText(untrusted!, '__TypeId__')).toBe('com.evil.Gadget');
    expect(headerText(untrusted!, KafkaHeaders.DLT_EXCEPTION_FQCN)).toBe('DeserializationException');
    expect(headerText(untrusted!, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).toContain("The class 'com.evil.Gadget' is not in the trusted packages: [com.example.orders]");
    expect(invalid!.value!.equals(badJson)).toBe(true);
    expect(headerText(invalid!, KafkaHeaders.DLT_EXCEPTION_FQCN)).toBe('DeserializationException');
    // As Spring: the deserialization exception itself is described (it is its own root cause).
    expect(headerText(invalid!, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN)).toBe('DeserializationException');
    expect(headerText(invalid!, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).toMatch(/^Can't deserialize data from topic \[interop-orders\] as JSON: /);
    expect(badKey!.key!.toString()).toBe('not-json-key');
    expect(headerText(badKey!, KafkaHeaders.DLT_KEY_EXCEPTION_FQCN)).toBe('DeserializationException');
    expect(header(badKey!, KafkaHeaders.DLT_EXCEPTION_FQCN)).toBeUndefined();
    for (const record of dead) {
      expect(header(record, VALUE_DESERIALIZER_EXCEPTION_HEADER)).toBeUndefined();
      expect(header(record, 'springDeserializerExceptionKey')).toBeUndefined();
    }

    // The kafka_dlt-original-* headers as a Spring consumer decodes them (ByteBuffer.getInt/getLong).
    const offsets = dead.map((record) => header(record, KafkaHeaders.DLT_ORIGINAL_OFFSET)!);
    expect(offsets.every((bytes) => bytes.length === 8)).toBe(true);
    const originalOffsets = offsets.map((bytes) => Number(bytes.readBigInt64BE(0)));
    expect(originalOffsets).toEqual([3, 4, 5]);
    expect(header(untrusted!, KafkaHeaders.DLT_ORIGINAL_PARTITION)).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(headerText(untrusted!, KafkaHeaders.DLT_ORIGINAL_TOPIC)).toBe('interop-orders');
    expect(headerText(untrusted!, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE)).toBe('CreateTime');
    expect(header(untrusted!, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP)).toHaveLength(8);
    expect(headerText(untrusted!, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP)).toBe('interop-orders');

    // A DeserializationException is fatal: one failed delivery each, despite FixedBackOff(50, 3).
    expect(originalOffsets.map((offset) => InteropListeners.failedDeliveries.get(offset))).toEqual([1, 1, 1]);
  });
});

describe('from a Spring service: dead letters', () => {
  test('a record as Spring\'s DeadLetterPublishingRecoverer writes it is read as an Order with its headers decoded', async () => {
    const int32 = Buffer.alloc(4);
    int32.writeInt32BE(2);
    const int64 = (n: bigint) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(n);
      return bytes;
    };
    await producer.send({
      topic: 'spring-orders-dlt',
      messages: [
        {
          key: 'o-1',
          value: ORDER_JSON,
          headers: {
            __TypeId__: Buffer.from(JAVA_ORDER),
            'kafka_dlt-exception-fqcn': Buffer.from('org.springframework.kafka.listener.ListenerExecutionFailedException'),
            'kafka_dlt-exception-cause-fqcn': Buffer.from('java.lang.IllegalStateException'),
            'kafka_dlt-exception-message': Buffer.from("Listener method 'public void com.example.orders.OrderListener.listen(com.example.orders.Order)' threw exception; out of stock"),
            'kafka_dlt-exception-stacktrace': Buffer.from('org.springframework.kafka.listener.ListenerExecutionFailedException: ...\n\tat ...'),
            'kafka_dlt-original-topic': Buffer.from('orders'),
            'kafka_dlt-original-partition': int32,
            'kafka_dlt-original-offset': int64(4_294_967_301n),
            'kafka_dlt-original-timestamp': int64(1_765_000_000_123n),
            'kafka_dlt-original-timestamp-type': Buffer.from('CreateTime'),
            'kafka_dlt-original-consumer-group': Buffer.from('order-service'),
          },
        },
      ],
    });
    await waitFor(() => InteropListeners.deadLetters.length > 0, { what: 'the Spring dead letter' });
    const [letter] = InteropListeners.deadLetters;
    expect(letter!.order).toBeInstanceOf(Order);
    expect((letter!.order as Order).units()).toBe(5);
    expect(letter).toMatchObject({
      topic: 'orders',
      partition: 2,
      offset: 4_294_967_301,
      timestamp: 1_765_000_000_123,
      timestampType: 'CreateTime',
      group: 'order-service',
      exceptionClass: 'org.springframework.kafka.listener.ListenerExecutionFailedException',
      causeClass: 'java.lang.IllegalStateException',
    });
    expect(letter!.message).toContain('out of stock');
  });
});

describe('to a Spring service', () => {
  test('an Order and a list of Orders go out with the bytes and type headers Spring\'s JsonSerializer writes', async () => {
    const template = app.get(KafkaTemplate);
    const order = Object.assign(new Order(), JSON.parse(ORDER_JSON) as object);
    const other = Object.assign(new Order(), JSON.parse(ORDER_2_JSON) as object);
    await template.send('sw-orders-out', 'one', order);
    await template.send('sw-orders-out', 'many', [order, other]);
    const [one, many] = await readTopic(kafka, 'sw-orders-out', 2);

    expect(one!.value!.toString()).toBe(ORDER_JSON);
    expect(one!.headers.toArray().filter((h) => h.key.startsWith('__'))).toEqual([{ key: '__TypeId__', value: Buffer.from(JAVA_ORDER) }]);

    // Jackson writes 3.0 as 3.0; JSON.stringify writes 3: both parse to the same double.
    expect(JSON.parse(many!.value!.toString())).toEqual(JSON.parse(`[${ORDER_JSON},${ORDER_2_JSON}]`));
    expect(headerText(many!, '__TypeId__')).toBe('java.util.ArrayList');
    expect(headerText(many!, '__ContentTypeId__')).toBe(JAVA_ORDER);

    // And a Streamwright consumer configured as a Spring one reads both back typed.
    const deserializer = new JsonDeserializer({ typeMappings: TYPE_MAPPING, classes: [Order], trustedPackages: ['com.example.orders'] });
    const back = (record: ConsumerRecord<Buffer, Buffer>) => deserializer.deserialize(record.topic, record.value, record.headers);
    expect(back(one!)).toBeInstanceOf(Order);
    expect((back(many!) as Order[]).map((o) => o.units())).toEqual([5, 1]);
  });
});
