/**
 * Spring Boot's serializer configuration in the property files and the environment, against the
 * embedded broker: `consumer.properties[spring.json.*]` configure the JsonDeserializer that
 * `consumer.value-deserializer` names (also wrapped by ErrorHandlingDeserializer through
 * `spring.deserializer.value.delegate.class`), `producer.properties[spring.json.*]` the
 * JsonSerializer; `removeTypeHeaders` (default true) strips the type headers from consumed
 * records. Records are written the way a Spring service writes them; bad settings are listed by
 * the configuration error.
 */
import { injectable } from 'inversify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  ConsumerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  FixedBackOff,
  ConsumerRecord,
  ErrorHandlingDeserializer,
  InvalidConfigurationException,
  JsonDeserializer,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  TopicBuilder,
} from '../../src/index.js';
import { kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

class Order {
  id = '';
  amount = 0;
}
class Invoice {
  number = '';
}

let kafka: EmbeddedKafka;
let dir: string;
let producer: Producer;

beforeAll(async () => {
  kafka = await startBroker();
  dir = mkdtempSync(join(tmpdir(), 'streamwright-spring-json-'));
  producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
});

const received: Record<string, ConsumerRecord[]> = { typed: [], kept: [], failing: [] };

@injectable()
class FailingListener {
  @KafkaListener({ id: 'failing', topics: ['spring-json-failing'], groupId: 'spring-json-failing' })
  onRecord(record: ConsumerRecord): void {
    received.failing!.push(record);
    throw new Error('refused');
  }
}

@injectable()
class TypedListener {
  @KafkaListener({ id: 'typed', topics: ['spring-json-typed'], groupId: 'spring-json-typed' })
  onRecord(record: ConsumerRecord): void {
    received.typed!.push(record);
  }
}

@injectable()
class KeepingListener {
  @KafkaListener({ id: 'kept', topics: ['spring-json-kept'], groupId: 'spring-json-kept' })
  onRecord(record: ConsumerRecord): void {
    received.kept!.push(record);
  }
}

function appDir(name: string, yaml: string[]): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'streamwright.yml'), ['streamwright:', '  kafka:', ...yaml.map((line) => `    ${line}`)].join('\n'));
  return path;
}

/** Reads every record of a topic with a plain kafkajs consumer, as another service would. */
async function readRaw(topic: string, count: number): Promise<{ value: string; headers: Record<string, string> }[]> {
  const consumer = new Kafka(kafkaConfig(kafka)).consumer({ groupId: `raw-${topic}`, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  const seen: { value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      seen.push({ value: message.value!.toString('utf8'), headers });
    },
  });
  try {
    await waitFor(() => seen.length >= count, { what: `${count} records on ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('spring.json.* and spring.deserializer.* from the configuration', () => {
  test('ErrorHandlingDeserializer by name wraps a JsonDeserializer configured by spring.json.*; type headers are removed; the producer maps types', async () => {
    const configDir = appDir('typed', [
      'consumer:',
      '  auto-offset-reset: earliest',
      '  heartbeat-interval: 300ms',
      '  fetch-max-wait: 100ms',
      '  value-deserializer: org.springframework.kafka.support.serializer.ErrorHandlingDeserializer',
      '  properties:',
      '    session.timeout.ms: 6000',
      '    spring.deserializer.value.delegate.class: org.springframework.kafka.support.serializer.JsonDeserializer',
      '    spring.json.trusted.packages: com.example',
      '    spring.json.value.default.type: com.example.billing.Invoice',
      'producer:',
      '  value-serializer: org.springframework.kafka.support.serializer.JsonSerializer',
      '  properties:',
      "    spring.json.type.mapping: 'com.example.Order:Order'",
    ]);
    const app = await KafkaApplication.create({
      config: { dir: configDir, env: { STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers.join(',') } },
      types: [Order, Invoice],
      listeners: [TypedListener],
      topics: [TopicBuilder.name('spring-json-typed').build(), TopicBuilder.name('spring-json-sent').build()],
      logger: testLogger,
    });
    try {
      const deserializer = app.get(ConsumerFactory).valueDeserializer;
      expect(deserializer).toBeInstanceOf(ErrorHandlingDeserializer);
      expect((deserializer as ErrorHandlingDeserializer).delegate).toBeInstanceOf(JsonDeserializer);
      await app.start();
      // As a Spring JsonSerializer writes them: the Java class name in __TypeId__; then no header (the default type); then a poison pill.
      await producer.send({
        topic: 'spring-json-typed',
        messages: [
          { value: '{"id":"o-1","amount":12}', headers: { __TypeId__: 'com.example.Order' } },
          { value: '{"number":"i-1"}' },
          { value: '{not json' },
          { value: '{"id":"o-2","amount":3}', headers: { __TypeId__: 'com.example.Order', other: 'kept' } },
        ],
      });
      await waitFor(() => received.typed!.length === 3, { what: 'the three readable records' });
      const [first, second, third] = received.typed!;
      expect(first!.value).toBeInstanceOf(Order);
      expect(first!.value).toEqual(Object.assign(new Order(), { id: 'o-1', amount: 12 }));
      expect(second!.value).toBeInstanceOf(Invoice);
      expect(third!.value).toBeInstanceOf(Order);
      // removeTypeHeaders (Spring's default true): the listener no longer sees __TypeId__; other headers stay.
      expect(first!.headers.lastHeader('__TypeId__')).toBeUndefined();
      expect(third!.headers.lastHeader('__TypeId__')).toBeUndefined();
      expect(third!.headers.lastString('other')).toBe('kept');

      // spring.json.type.mapping on the producer: an Order goes out as Spring expects it.
      await app.get(KafkaTemplate<string, Order>).send('spring-json-sent', Object.assign(new Order(), { id: 'o-3', amount: 1 }));
      const [sent] = await readRaw('spring-json-sent', 1);
      expect(sent!.headers.__TypeId__).toBe('com.example.Order');
      expect(JSON.parse(sent!.value)).toEqual({ id: 'o-3', amount: 1 });
    } finally {
      await app.stop();
    }
  });

  test('from the environment: remove.type.headers false keeps the headers, add.type.headers false sends none', async () => {
    const configDir = appDir('kept', ['consumer:', '  auto-offset-reset: earliest', '  heartbeat-interval: 300ms', '  fetch-max-wait: 100ms', '  value-deserializer: JsonDeserializer']);
    const app = await KafkaApplication.create({
      config: {
        dir: configDir,
        env: {
          STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers.join(','),
          STREAMWRIGHT_KAFKA_CONSUMER_PROPERTIES_SPRING_JSON_REMOVE_TYPE_HEADERS: 'false',
          STREAMWRIGHT_KAFKA_CONSUMER_PROPERTIES_SPRING_JSON_TYPE_MAPPING: 'order:Order',
          STREAMWRIGHT_KAFKA_PRODUCER_PROPERTIES_SPRING_JSON_ADD_TYPE_HEADERS: 'false',
          STREAMWRIGHT_KAFKA_CONSUMER_PROPERTIES_SESSION_TIMEOUT_MS: '6000',
        },
      },
      types: [Order],
      listeners: [KeepingListener],
      topics: [TopicBuilder.name('spring-json-kept').build(), TopicBuilder.name('spring-json-untyped').build()],
      logger: testLogger,
    });
    try {
      await app.start();
      await producer.send({ topic: 'spring-json-kept', messages: [{ value: '{"id":"o-9","amount":9}', headers: { __TypeId__: 'order' } }] });
      await waitFor(() => received.kept!.length === 1, { what: 'the typed record' });
      expect(received.kept![0]!.value).toBeInstanceOf(Order);
      expect(received.kept![0]!.headers.lastString('__TypeId__')).toBe('order');

      await app.get(KafkaTemplate<string, Order>).send('spring-json-untyped', Object.assign(new Order(), { id: 'o-10', amount: 10 }));
      const [sent] = await readRaw('spring-json-untyped', 1);
      expect(sent!.headers.__TypeId__).toBeUndefined();
      expect(JSON.parse(sent!.value)).toEqual({ id: 'o-10', amount: 10 });
    } finally {
      await app.stop();
    }
  });

  test('removeTypeHeaders: the listener does not see the type headers; a dead letter of a value that was read carries them again, a poison pill not', async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [FailingListener],
      topics: ['spring-json-failing', 'spring-json-failing-dlt'].map((name) => TopicBuilder.name(name).build()),
      consumerConfig: { sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 },
      containerFactories: {
        kafkaListenerContainerFactory: (c) =>
          new ConcurrentKafkaListenerContainerFactory({
            containerProperties: { valueDeserializer: new ErrorHandlingDeserializer(new JsonDeserializer({ classes: [Order], trustedPackages: ['com.example'] })) },
            commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(0, 0), { logger: testLogger }),
          }),
      },
      logger: testLogger,
    });
    try {
      await app.start();
      await producer.send({
        topic: 'spring-json-failing',
        messages: [
          { value: '{"id":"o-20","amount":2}', headers: { __TypeId__: 'com.example.Order' } },
          { value: '{broken', headers: { __TypeId__: 'com.example.Order' } },
        ],
      });
      const dead = await readRaw('spring-json-failing-dlt', 2);
      expect(received.failing).toHaveLength(1);
      expect(received.failing![0]!.value).toBeInstanceOf(Order);
      expect(received.failing![0]!.headers.lastHeader('__TypeId__')).toBeUndefined();
      const typed = dead.find((r) => r.value.startsWith('{"id"'))!;
      const poison = dead.find((r) => r.value === '{broken')!;
      expect(typed.headers.__TypeId__).toBe('com.example.Order');
      expect(typed.headers['kafka_dlt-exception-message']).toContain('refused');
      // As Spring's: the headers were removed before the JSON failed to parse, and the raw bytes carry no type.
      expect(poison.headers.__TypeId__).toBeUndefined();
      expect(poison.headers['kafka_dlt-exception-fqcn']).toBeDefined();
    } finally {
      await app.stop();
    }
  });

  test('unknown names and bad values are listed by the configuration error', async () => {
    const configDir = appDir('bad', [
      'consumer:',
      '  value-deserializer: ErrorHandlingDeserializer',
      '  key-deserializer: JsonDeserializer',
      '  properties:',
      '    spring.json.trusted.pakages: com.example',
      '    spring.json.use.type.headers: maybe',
      '    spring.json.key.default.type: com.example.Nope',
      '    spring.json.add.type.headers: false',
      'producer:',
      '  value-serializer: JsonSerializer',
      '  properties:',
      "    spring.json.type.mapping: 'no-colon'",
    ]);
    const creating = KafkaApplication.create({
      config: { dir: configDir, env: { STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers.join(',') } },
      types: [Order],
      logger: testLogger,
    });
    await expect(creating).rejects.toBeInstanceOf(InvalidConfigurationException);
    const error = (await creating.catch((e: unknown) => e)) as InvalidConfigurationException;
    const file = join(configDir, 'streamwright.yml');
    expect(error.problems.map((p) => `${p.key} @ ${p.origin}`).sort()).toEqual(
      [
        `streamwright.kafka.consumer.properties[spring.json.trusted.pakages] @ ${file}:7`,
        `streamwright.kafka.consumer.properties[spring.json.add.type.headers] @ ${file}:10`,
        `streamwright.kafka.consumer.properties[spring.json.use.type.headers] @ ${file}:8`,
        `streamwright.kafka.consumer.properties[spring.json.key.default.type] @ ${file}:9`,
        'streamwright.kafka.consumer.properties[spring.deserializer.value.delegate.class] @ consumer.value-deserializer',
        `streamwright.kafka.producer.properties[spring.json.type.mapping] @ ${file}:14`,
      ].sort(),
    );
    expect(error.message).toContain("did you mean 'spring.json.trusted.packages'?");
    expect(error.message).toContain('is a producer setting, not a consumer one');
    expect(error.message).toContain('expected true or false');
    expect(error.message).toContain('names no class given in KafkaApplication.create({ types }) (known: Order)');
    expect(error.message).toContain('must name the deserializer that ErrorHandlingDeserializer wraps');
    expect(error.message).toContain("must be 'token:className'");
  });
});
