/**
 * ReplyingKafkaTemplate and @SendTo on one application (client and responder side by side),
 * against the embedded broker: typed round trips, 1,000 concurrent requests, timeouts, error
 * replies, late replies, the Message variant, static @SendTo, NestJS's reply partition form.
 */
import { Type } from 'class-transformer';
import { injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConsumerFactory,
  ConsumerRecord,
  createReplyContainer,
  KafkaApplication,
  KafkaHandler,
  KafkaHeaders,
  KafkaListener,
  KafkaReplyTimeoutException,
  KafkaTemplate,
  Message,
  MessageBuilder,
  RemoteListenerError,
  ReplyingKafkaTemplate,
  SendTo,
  TopicBuilder,
} from '../../../src/index.js';
import { KafkaTestUtils, type TestConsumer } from '../../../src/testing/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, unique } from '../support/framework-harness.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { waitFor } from '../../support/wait-for.js';

class QuoteRequest {
  sku!: string;
  quantity!: number;

  constructor(sku: string, quantity: number) {
    this.sku = sku;
    this.quantity = quantity;
  }
}

class Quote {
  sku!: string;
  quantity!: number;
  unitPrice!: number;
  @Type(() => Date) validUntil!: Date;

  total(): number {
    return this.quantity * this.unitPrice;
  }
}

class OutOfStockError extends Error {}

/** What the responders saw, per sku. */
const calls = new Map<string, number>();

@injectable()
class QuoteService {
  @KafkaListener({ id: 'quotes', topics: ['quotes'], groupId: 'quote-service', concurrency: 2 })
  @SendTo()
  async quote(request: QuoteRequest): Promise<Quote | undefined> {
    calls.set(request.sku, (calls.get(request.sku) ?? 0) + 1);
    if (request.sku === 'unobtainium') throw new OutOfStockError(`${request.sku} is out of stock`);
    if (request.sku === 'silent') return undefined;
    if (request.sku === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
    const quote = new Quote();
    quote.sku = request.sku;
    quote.quantity = request.quantity;
    quote.unitPrice = 2.5;
    quote.validUntil = new Date(Date.UTC(2030, 0, 1));
    return quote;
  }

  /** Static @SendTo: a pipeline step, no correlation needed. */
  @KafkaListener({ id: 'prices', topics: ['prices'], groupId: 'price-log' })
  @SendTo('price-log')
  logPrice(price: string): string {
    return `logged ${price}`;
  }
}

/** errorReplies: false: failures go to the container's error handler (retries), the requester times out. */
@injectable()
class StrictService {
  static calls = 0;

  @KafkaListener({ id: 'strict', topics: ['strict'], groupId: 'strict' })
  @SendTo({ errorReplies: false })
  check(_request: string): string {
    StrictService.calls++;
    throw new Error('strict failure');
  }
}

class Circle {
  r!: number;
}

/** @SendTo on a class-level listener applies to its handlers. */
@injectable()
@KafkaListener({ id: 'shapes', topics: ['shapes'], groupId: 'shapes' })
@SendTo()
class ShapeService {
  @KafkaHandler()
  circle(circle: Circle): string {
    return `circle of radius ${circle.r}`;
  }

  @KafkaHandler({ isDefault: true })
  other(_shape: unknown): string {
    return 'some other shape';
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let replying: ReplyingKafkaTemplate<string, unknown, Quote>;
const logger = new CapturingLogger();
const consumers: TestConsumer[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [QuoteService, StrictService, ShapeService],
    topics: [
      TopicBuilder.name('quotes').partitions(4).replicas(1).build(),
      TopicBuilder.name('quotes-replies').partitions(1).replicas(1).build(),
      TopicBuilder.name('nest-replies').partitions(3).replicas(1).build(),
      TopicBuilder.name('prices').partitions(1).replicas(1).build(),
      TopicBuilder.name('price-log').partitions(1).replicas(1).build(),
      TopicBuilder.name('strict').partitions(1).replicas(1).build(),
      TopicBuilder.name('shapes').partitions(1).replicas(1).build(),
    ],
    consumerConfig: FAST_CONSUMER,
    replyingTemplate: { replyTopic: 'quotes-replies', timeoutMs: 30_000, sharedReplyTopic: false },
    logger,
  });
  await app.start();
  replying = app.get(ReplyingKafkaTemplate) as ReplyingKafkaTemplate<string, unknown, Quote>;
}, 60_000);

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.close()));
  await app?.stop();
  await kafka?.stop();
});

async function consumerOf(...topics: string[]): Promise<TestConsumer> {
  const consumer = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('verify')), ...topics);
  consumers.push(consumer);
  return consumer;
}

describe('round trip', () => {
  test('a typed request gets its typed reply, key and correlation id echoed', async () => {
    const reply = await replying.sendAndReceive({ topic: 'quotes', key: 'customer-7', value: new QuoteRequest('apple', 4) }, { replyType: Quote });

    expect(reply).toBeInstanceOf(ConsumerRecord);
    expect(reply.topic).toBe('quotes-replies');
    expect(reply.key).toBe('customer-7');
    expect(reply.value).toBeInstanceOf(Quote);
    expect(reply.value!.total()).toBe(10);
    expect(reply.value!.validUntil).toEqual(new Date(Date.UTC(2030, 0, 1)));
    expect(reply.headers.lastHeader(KafkaHeaders.CORRELATION_ID)?.value).toHaveLength(16);
  });

  test('the request carries Spring-format headers: 16-byte correlation id, reply topic, 4-byte reply partition', async () => {
    const requests = await consumerOf('quotes');
    await replying.sendAndReceive({ topic: 'quotes', key: 'headers-check', value: new QuoteRequest('pear', 1) });
    expect(await requests.waitUntil((seen) => seen.some((r) => r.key === 'headers-check'), 20_000)).toBe(true);
    const [request] = requests.take((r) => r.key === 'headers-check');
    expect(request).toBeDefined();
    expect(request!.headers.lastHeader(KafkaHeaders.CORRELATION_ID)?.value).toHaveLength(16);
    expect(request!.headers.lastString(KafkaHeaders.REPLY_TOPIC)).toBe('quotes-replies');
    // The reply container holds exactly one partition (quotes-replies-0): sent as an int32.
    expect(request!.headers.lastHeader(KafkaHeaders.REPLY_PARTITION)?.value).toEqual(Buffer.from([0, 0, 0, 0]));
  });

  test('1,000 concurrent requests are all answered, each with its own reply', async () => {
    const count = 1000;
    const replies = await Promise.all(
      Array.from({ length: count }, (_, i) => replying.sendAndReceive({ topic: 'quotes', key: `k${i}`, value: new QuoteRequest(`sku-${i}`, i) }, { replyType: Quote, timeoutMs: 60_000 })),
    );
    replies.forEach((reply, i) => {
      expect(reply.key).toBe(`k${i}`);
      expect(reply.value!.sku).toBe(`sku-${i}`);
      expect(reply.value!.quantity).toBe(i);
    });
    expect(new Set(replies.map((r) => r.headers.lastHeader(KafkaHeaders.CORRELATION_ID)!.value!.toString('hex'))).size).toBe(count);
    expect(replying.pendingRequests).toBe(0);
  }, 90_000);

  test('the Message variant sends a Message and resolves with the reply as a Message', async () => {
    const request = MessageBuilder.withPayload(new QuoteRequest('plum', 2)).setHeader(KafkaHeaders.TOPIC, 'quotes').setHeader(KafkaHeaders.KEY, 'm-1').build();
    const reply = await replying.sendAndReceive(request, { replyType: Quote });
    expect(reply).toBeInstanceOf(Message);
    expect(reply.payload).toBeInstanceOf(Quote);
    expect(reply.payload.total()).toBe(5);
    expect(reply.headers[KafkaHeaders.RECEIVED_KEY]).toBe('m-1');
    expect(reply.headers[KafkaHeaders.RECEIVED_TOPIC]).toBe('quotes-replies');
  });

  test('without replyType a JSON reply is parsed', async () => {
    const reply = await replying.sendAndReceive({ topic: 'quotes', key: 'plain', value: { sku: 'fig', quantity: 3 } });
    expect(reply.value).toMatchObject({ sku: 'fig', quantity: 3, unitPrice: 2.5 });
    expect(reply.value).not.toBeInstanceOf(Quote);
  });
});

describe('failures', () => {
  test('no reply within timeoutMs rejects with KafkaReplyTimeoutException', async () => {
    const request = replying.sendAndReceive({ topic: unique('nobody-listens'), key: 'k', value: 'hello?' }, { timeoutMs: 400 });
    const error = await request.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaReplyTimeoutException);
    expect((error as KafkaReplyTimeoutException).correlationId.bytes).toHaveLength(16);
    expect(replying.pendingRequests).toBe(0);
  });

  test('a listener that throws sends an error reply: RemoteListenerError with the message, no retry', async () => {
    const error = await replying.sendAndReceive({ topic: 'quotes', key: 'boom', value: new QuoteRequest('unobtainium', 1) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemoteListenerError);
    const remote = error as RemoteListenerError;
    expect(remote.remoteClass).toBe('OutOfStockError');
    expect(remote.remoteMessage).toBe('unobtainium is out of stock');
    expect(remote.message).toContain('unobtainium is out of stock');
    expect(remote.reply.headers.lastString(KafkaHeaders.EXCEPTION_FQCN)).toBe('OutOfStockError');
    // The same key, so the same partition and consumer: once this is answered, a retry of the failed request would have happened.
    await replying.sendAndReceive({ topic: 'quotes', key: 'boom', value: new QuoteRequest('after-boom', 1) });
    expect(calls.get('unobtainium')).toBe(1);
    expect(logger.matching('warn', /sent an error reply to quotes-replies: OutOfStockError/)).toHaveLength(1);
  });

  test('a reply after the timeout is logged as late, not thrown', async () => {
    const error = await replying.sendAndReceive({ topic: 'quotes', key: 'slow', value: new QuoteRequest('slow', 1) }, { timeoutMs: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaReplyTimeoutException);
    await waitFor(() => logger.matching('warn', /Late reply .* the request had already timed out/).length > 0, { what: 'the late reply to be logged', timeoutMs: 20_000 });
    // The template carries on.
    const reply = await replying.sendAndReceive({ topic: 'quotes', key: 'slow', value: new QuoteRequest('quick', 1) });
    expect(reply.key).toBe('slow');
  });

  test('returning nothing sends nothing', async () => {
    const replies = await consumerOf('quotes-replies');
    const silent = replying.sendAndReceive({ topic: 'quotes', key: 'quiet', value: new QuoteRequest('silent', 1) }, { timeoutMs: 60_000 });
    silent.catch(() => undefined);
    await waitFor(() => calls.get('silent') === 1, { what: 'the silent request to be handled', timeoutMs: 20_000 });
    // Same key, so same partition and consumer: the silent request is done before this one is read.
    const answered = await replying.sendAndReceive({ topic: 'quotes', key: 'quiet', value: new QuoteRequest('loud', 1) });
    expect(answered.key).toBe('quiet');
    expect(await replies.waitUntil((seen) => seen.some((r) => r.key === 'quiet' && String(r.value).includes('loud')), 20_000)).toBe(true);
    expect(replies.take((r) => r.key === 'quiet')).toHaveLength(1);
  });

  test('with errorReplies: false a failure goes to the error handler (retried) and the requester times out', async () => {
    await expect(replying.sendAndReceive({ topic: 'strict', key: 's', value: 'check' }, { timeoutMs: 1500 })).rejects.toBeInstanceOf(KafkaReplyTimeoutException);
    await waitFor(() => StrictService.calls >= 2, { what: 'a redelivery of the failed request' });
    expect(logger.matching('warn', /sent an error reply to quotes-replies: Error: strict failure/)).toEqual([]);
  });

  test('sendAndReceive before start rejects', async () => {
    const container = createReplyContainer(app.get(ConsumerFactory), { replyTopic: 'quotes-replies', logger });
    const notStarted = new ReplyingKafkaTemplate(app.get(KafkaTemplate), container);
    await expect(notStarted.sendAndReceive({ topic: 'quotes', value: 'x' })).rejects.toThrow('Template has not been started');
  });
});

describe('@SendTo', () => {
  test("@SendTo('topic') forwards the result there with the request's key", async () => {
    const log = await consumerOf('price-log');
    await app.get(KafkaTemplate).send('prices', 'p-1', '9.99');
    const record = await KafkaTestUtils.getSingleRecord(log, 'price-log', 20_000);
    expect(record.key).toBe('p-1');
    expect(record.value).toBe('logged 9.99');
    expect(record.headers.lastHeader(KafkaHeaders.CORRELATION_ID)).toBeUndefined();
  });

  test('@SendTo on a class-level listener answers through the selected @KafkaHandler', async () => {
    const circle = await replying.sendAndReceive({ topic: 'shapes', key: 'c', value: Object.assign(new Circle(), { r: 2 }) }, { replyType: String });
    expect(circle.value).toBe('circle of radius 2');
    const other = await replying.sendAndReceive({ topic: 'shapes', key: 'o', value: { sides: 3 } }, { replyType: String });
    expect(other.value).toBe('some other shape');
  });

  test('@SendTo on a batch listener is reported when the application is created', async () => {
    @injectable()
    class BatchReplier {
      @KafkaListener({ id: 'batch-replier', topics: ['quotes'], groupId: 'batch-replier', batch: true })
      @SendTo()
      replyToAll(_requests: string[]): string {
        return 'never';
      }
    }
    await expect(KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [BatchReplier], logger })).rejects.toThrow('@SendTo is supported on record listeners only');
  });

  test('a NestJS-style request (reply partition as a decimal string) is answered on that partition', async () => {
    const replies = await consumerOf('nest-replies');
    const correlation = Buffer.from('nest-correlation-0001');
    await app.get(KafkaTemplate).send({
      topic: 'quotes',
      key: 'nest',
      value: new QuoteRequest('kiwi', 2),
      headers: { [KafkaHeaders.CORRELATION_ID]: correlation, [KafkaHeaders.REPLY_TOPIC]: 'nest-replies', [KafkaHeaders.REPLY_PARTITION]: '2' },
    } as never);
    const reply = await KafkaTestUtils.getSingleRecord(replies, 'nest-replies', 20_000);
    expect(reply.partition).toBe(2);
    expect(reply.key).toBe('nest');
    expect(reply.headers.lastHeader(KafkaHeaders.CORRELATION_ID)?.value).toEqual(correlation);
    expect(JSON.parse(String(reply.value))).toMatchObject({ sku: 'kiwi', quantity: 2 });
  });
});
