/**
 * RoutingKafkaTemplate, ProducerInterceptor and ProducerListener against the embedded broker:
 * a route per topic pattern (first whole-name match wins, each with its own producer and
 * serializer), transactions refused; the producer factory's and the template's interceptors
 * run in order on every send (their header changes and topic redirects reach the broker), see
 * each acknowledgement or failure, and never fail a send; the producer listener is told about
 * every send path: send overloads, sendDefault, send(Message), sendBytes, a transaction and a
 * request/reply request.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  CompositeProducerInterceptor,
  ConsumerFactory,
  DefaultKafkaProducerFactory,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaProducerException,
  KafkaTemplate,
  MessageBuilder,
  ProducerRecord,
  ReplyingKafkaTemplate,
  RoutingKafkaTemplate,
  SendTo,
  TopicBuilder,
  createReplyContainer,
  type ProducerInterceptor,
  type ProducerListener,
  type RecordMetadata,
  type Serializer,
} from '../../src/index.js';
import { KafkaTestUtils, type TestConsumer } from '../../src/testing/index.js';
import { kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';

const TOPICS = ['rt-orders-eu', 'rt-orders-us', 'rt-orders-eu-x', 'rt-audit', 'ic-out', 'ic-requests', 'ic-replies'];

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let consumer: TestConsumer;
/** What the application's own ProducerListener heard, as `topic value`. */
const appHeard: string[] = [];

/** Writes strings as `<prefix><value>`, so a consumed record tells which route's producer wrote it. */
const prefixing = (prefix: string): Serializer => ({
  serialize: (_topic, data) => {
    if (data === 'boom') throw new Error('cannot serialize boom');
    return data == null ? null : Buffer.from(`${prefix}${String(data)}`);
  },
});

@injectable()
class Echo {
  @KafkaListener({ id: 'ic-echo', topics: ['ic-requests'] })
  @SendTo()
  echo(value: string): string {
    return `echo:${value}`;
  }
}

beforeAll(async () => {
  kafka = await startBroker();
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [Echo],
    topics: TOPICS.map((t) => TopicBuilder.name(t).partitions(1).build()),
    producerListener: { onSuccess: (record) => void appHeard.push(`${record.topic} ${String(record.value)}`) },
    replyingTemplate: { replyTopic: 'ic-app-replies' },
    logger: testLogger,
  });
  await app.start();
  consumer = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('verify')), ...TOPICS.filter((t) => t !== 'ic-requests' && t !== 'ic-replies'));
}, 60_000);

afterAll(async () => {
  await consumer?.close();
  await app?.stop();
  await kafka?.stop();
});

const one = async (topic: string) => {
  const record = await KafkaTestUtils.getSingleRecord(consumer, topic, 10_000);
  return { key: record.key, value: String(record.value), headers: record.headers };
};

describe('RoutingKafkaTemplate', () => {
  let eu: DefaultKafkaProducerFactory;
  let orders: DefaultKafkaProducerFactory;
  let routing: RoutingKafkaTemplate<string, string>;

  beforeAll(() => {
    eu = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), valueSerializer: prefixing('eu:'), logger: testLogger });
    orders = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), valueSerializer: prefixing('orders:'), logger: testLogger });
    routing = new RoutingKafkaTemplate<string, string>(
      [
        [/rt-orders-eu/, eu],
        [/rt-orders-.*/, orders],
        [/rt-audit/, { kafka: kafkaConfig(kafka), valueSerializer: prefixing('audit:'), sendOptions: { acks: 1 } }],
      ],
      { defaultTopic: 'rt-audit', logger: testLogger },
    );
  });
  afterAll(async () => {
    await Promise.all(routing.producerFactories.map((factory) => factory.close()));
  });

  test('the first pattern matching the whole topic name picks the producer, for every send overload', async () => {
    await routing.send('rt-orders-eu', 'k1', 'a');
    expect(await one('rt-orders-eu')).toMatchObject({ key: 'k1', value: 'eu:a' });
    await routing.send('rt-orders-us', 0, 'k2', 'b');
    expect(await one('rt-orders-us')).toMatchObject({ key: 'k2', value: 'orders:b' });
    // /rt-orders-eu/ does not match all of rt-orders-eu-x (Java's Pattern.matches): the next route takes it.
    await routing.send(new ProducerRecord('rt-orders-eu-x', undefined, undefined, 'k3', 'c'));
    expect(await one('rt-orders-eu-x')).toMatchObject({ key: 'k3', value: 'orders:c' });
    await routing.sendDefault('k4', 'd');
    expect(await one('rt-audit')).toMatchObject({ key: 'k4', value: 'audit:d' });
    await routing.send(MessageBuilder.withPayload('e').setHeader(KafkaHeaders.TOPIC, 'rt-orders-eu').setHeader(KafkaHeaders.KEY, 'k5').build());
    expect(await one('rt-orders-eu')).toMatchObject({ key: 'k5', value: 'eu:e' });

    expect(routing.producerFactoryFor('rt-orders-eu')).toBe(eu);
    expect(routing.producerFactoryFor('rt-orders-eu-x')).toBe(orders);
    expect(routing.producerFactories).toHaveLength(3);
    // One producer per route: each factory connected its own.
    expect(await eu.createProducer()).not.toBe(await orders.createProducer());
    // partitionsFor asks the route's factory (the same cached answer).
    const partitions = await routing.partitionsFor('rt-orders-us');
    expect(partitions.map((p) => p.topic)).toContain('rt-orders-us');
    expect(await orders.partitionsFor('rt-orders-us')).toBe(partitions);
  });

  test('a topic no pattern matches, bad arguments, transactions and execute are refused', async () => {
    const refused = routing.send('unrouted', 'k', 'v');
    await expect(refused).rejects.toBeInstanceOf(KafkaProducerException);
    await expect(refused).rejects.toThrow('No producer factory found for topic: unrouted');
    await expect((routing.send as (...a: unknown[]) => Promise<unknown>)(42, 'v')).rejects.toThrow(/Invalid topic: 42/);
    await expect(routing.executeInTransaction(() => 1)).rejects.toThrow('RoutingKafkaTemplate does not support transactions');
    await expect(routing.execute(() => 1)).rejects.toThrow(/does not support execute/);
    await expect(routing.partitionsFor('unrouted')).rejects.toThrow('No producer factory found for topic: unrouted');
    expect(routing.isTransactional()).toBe(false);
    const transactional = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), transactionIdPrefix: 'rt-tx-', logger: testLogger });
    expect(() => new RoutingKafkaTemplate([[/.*/, transactional]])).toThrow(/transactional factories are not supported/);
    expect(() => new RoutingKafkaTemplate([])).toThrow(/at least one route/);
  });
});

describe('ProducerInterceptor and ProducerListener on every send path', () => {
  const calls: string[] = [];
  const acks: { tag: string; metadata: RecordMetadata; error: unknown }[] = [];
  const heard: string[] = [];
  const interceptor = (tag: string, change: (record: ProducerRecord<string, string>) => ProducerRecord<string, string>): ProducerInterceptor<string, string> => ({
    onSend: (record) => {
      calls.push(`${tag}:${record.topic}`);
      return change(record);
    },
    onAcknowledgement: (metadata, error) => void acks.push({ tag, metadata, error }),
  });
  const withHeader = (name: string) => (r: ProducerRecord<string, string>) => new ProducerRecord(r.topic, r.partition, r.timestamp, r.key, r.value, { ...r.headers, [name]: 'yes' });
  const fromFactory = interceptor('factory', withHeader('x-factory'));
  // The template's interceptor redirects ic-redirect to ic-out, and comes after the factory's.
  const fromTemplate = interceptor('template', (r) => withHeader('x-template')(r.topic === 'ic-redirect' ? new ProducerRecord('ic-out', r.partition, r.timestamp, r.key, r.value, r.headers) : r));
  const listener: ProducerListener<string, string> = {
    onSuccess: (record, metadata) => void heard.push(`ok ${record.topic} ${String(record.value)}@${metadata.offset}`),
    onError: (record, _metadata, error) => void heard.push(`error ${record.topic} ${String(record.value)}: ${(error as Error).message}`),
  };
  let factory: DefaultKafkaProducerFactory;
  let template: KafkaTemplate<string, string>;

  beforeAll(() => {
    factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), valueSerializer: prefixing(''), producerInterceptors: [fromFactory as ProducerInterceptor], logger: testLogger });
    template = new KafkaTemplate<string, string>(factory, { defaultTopic: 'ic-out', producerListener: listener, producerInterceptor: fromTemplate, logger: testLogger });
  });
  afterAll(() => factory.close());

  const reset = () => {
    calls.length = 0;
    acks.length = 0;
    heard.length = 0;
  };

  test('send, sendDefault, send(record), send(Message): both interceptors in order, their changes on the wire, every outcome heard', async () => {
    reset();
    const first = await template.send('ic-redirect', 'k', 'one');
    expect(first.recordMetadata.topic).toBe('ic-out');
    const consumed = await one('ic-out');
    expect(consumed.value).toBe('one');
    expect(consumed.headers.lastString('x-factory')).toBe('yes');
    expect(consumed.headers.lastString('x-template')).toBe('yes');
    expect(calls).toEqual(['factory:ic-redirect', 'template:ic-redirect']);
    expect(acks.map((a) => [a.tag, a.metadata.topic, a.metadata.offset, a.error])).toEqual([
      ['factory', 'ic-out', first.recordMetadata.offset, undefined],
      ['template', 'ic-out', first.recordMetadata.offset, undefined],
    ]);

    await template.sendDefault('k', 'two');
    await template.send(new ProducerRecord('ic-out', 0, undefined, 'k', 'three'));
    await template.send(MessageBuilder.withPayload('four').build());
    expect(heard).toEqual([`ok ic-out one@${first.recordMetadata.offset}`, expect.stringMatching(/^ok ic-out two@\d+$/), expect.stringMatching(/^ok ic-out three@\d+$/), expect.stringMatching(/^ok ic-out four@\d+$/)]);
    expect((await KafkaTestUtils.getRecords(consumer, 10_000, 3)).map((r) => String(r.value))).toEqual(['two', 'three', 'four']);
    expect(acks.filter((a) => a.tag === 'template')).toHaveLength(4);
  });

  test('a failed send: onAcknowledgement gets the topic, offset -1 and the error; the listener onError', async () => {
    reset();
    await expect(template.send('ic-out', 'k', 'boom')).rejects.toThrow(/cannot serialize boom/);
    expect(acks.map((a) => [a.tag, a.metadata.topic, a.metadata.offset])).toEqual([
      ['factory', 'ic-out', -1],
      ['template', 'ic-out', -1],
    ]);
    expect(acks.every((a) => a.error instanceof KafkaProducerException)).toBe(true);
    expect(heard).toEqual([expect.stringMatching(/^error ic-out boom: Failed to serialize/)]);
  });

  test('a throwing interceptor does not fail the send (the record goes on as it received it)', async () => {
    reset();
    const thrower: ProducerInterceptor<string, string> = {
      onSend: () => {
        throw new Error('interceptor bug');
      },
      onAcknowledgement: () => {
        throw new Error('interceptor bug');
      },
    };
    const guarded = new KafkaTemplate<string, string>(factory, { producerInterceptor: new CompositeProducerInterceptor([thrower, fromTemplate], testLogger), logger: testLogger });
    const result = await guarded.send('ic-out', 'k', 'five');
    expect(result.recordMetadata.offset).toBeGreaterThanOrEqual(0);
    const consumed = await one('ic-out');
    expect([consumed.value, consumed.headers.lastString('x-factory'), consumed.headers.lastString('x-template')]).toEqual(['five', 'yes', 'yes']);
  });

  test('sendBytes (the dead-letter path) goes through the interceptors and the listener, with the bytes as key and value', async () => {
    reset();
    const [result] = await template.sendBytes('ic-out', { key: Buffer.from('kb'), value: Buffer.from('six') });
    const consumed = await one('ic-out');
    expect([consumed.key, consumed.value, consumed.headers.lastString('x-factory'), consumed.headers.lastString('x-template')]).toEqual(['kb', 'six', 'yes', 'yes']);
    expect(heard).toEqual([`ok ic-out six@${result!.baseOffset}`]);
    expect(acks.map((a) => [a.tag, a.metadata.offset])).toEqual([
      ['factory', Number(result!.baseOffset)],
      ['template', Number(result!.baseOffset)],
    ]);
  });

  test('a transaction and a request/reply request are intercepted and heard too', async () => {
    reset();
    const transactionalFactory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), valueSerializer: prefixing(''), transactionIdPrefix: unique('ic-tx-'), producerInterceptors: [fromFactory as ProducerInterceptor], logger: testLogger });
    const transactional = new KafkaTemplate<string, string>(transactionalFactory, { producerListener: listener, producerInterceptor: fromTemplate, logger: testLogger });
    try {
      await transactional.executeInTransaction((t) => t.send('ic-redirect', 'k', 'seven'));
      const consumed = await one('ic-out');
      expect([consumed.value, consumed.headers.lastString('x-template')]).toEqual(['seven', 'yes']);
      expect(heard).toEqual([expect.stringMatching(/^ok ic-out seven@\d+$/)]);
    } finally {
      await transactionalFactory.close();
    }

    reset();
    const replying = new ReplyingKafkaTemplate<string, string, string>(factory, createReplyContainer(app.get(ConsumerFactory), { replyTopic: 'ic-replies', logger: testLogger }), {
      producerListener: listener,
      producerInterceptor: fromTemplate,
      logger: testLogger,
    });
    await replying.start();
    try {
      const reply = await replying.sendAndReceive(new ProducerRecord<string, string>('ic-requests', undefined, undefined, 'k', 'eight'), { timeoutMs: 15_000 });
      expect(String(reply.value)).toContain('echo:eight');
      expect(calls).toEqual(['factory:ic-requests', 'template:ic-requests']);
      expect(heard).toEqual([expect.stringMatching(/^ok ic-requests eight@\d+$/)]);
    } finally {
      await replying.stop();
    }
  });

  test("the application's ReplyingKafkaTemplate reports its request sends to the application's ProducerListener", async () => {
    appHeard.length = 0;
    const reply = await app.get(ReplyingKafkaTemplate).sendAndReceive(new ProducerRecord('ic-requests', undefined, undefined, 'k', 'nine'), { timeoutMs: 15_000 });
    expect(String(reply.value)).toContain('echo:nine');
    expect(appHeard).toContain('ic-requests nine');
  });
});
