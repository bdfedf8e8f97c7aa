/**
 * Where and how `@SendTo` replies go, against the embedded broker: a topic chosen by a function
 * of the result and the request, `splitIterables` (one reply per element, or one holding the
 * array), custom correlation/reply-topic header names on both sides (the application's
 * ReplyingKafkaTemplate and its container factories), and an error reply for a request whose
 * value can't be deserialized.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  AggregatingReplyingKafkaTemplate,
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  FixedBackOff,
  JsonDeserializer,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  RemoteListenerError,
  ReplyingKafkaTemplate,
  SendTo,
  TopicBuilder,
  type ConsumerRecord,
} from '../../../src/index.js';
import { KafkaTestUtils, type TestConsumer } from '../../../src/testing/index.js';
import { headerText, readTopic } from '../error-handling/support/error-handling-harness.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';

class Order {
  id!: string;
  amount!: number;
}

class Verdict {
  constructor(
    readonly id: string,
    readonly approved: boolean,
  ) {}
}

const CUSTOM_NAMES = { correlation: 'x_correlation', replyTopic: 'x_reply_to', replyPartition: 'x_reply_partition' };

@injectable()
class ReplyRoutingService {
  static priced: string[] = [];

  /** Approved orders answer on `<request topic>-approved`; rejected ones get no reply. */
  @KafkaListener({ id: 'router', topics: ['rr-orders'] })
  @SendTo((result, request: ConsumerRecord) => ((result as Verdict).approved ? `${request.topic}-approved` : null))
  route(order: Order): Verdict {
    return new Verdict(order.id, order.amount < 100);
  }

  /** The aggregating template writes the standard header names. */
  @KafkaListener({ id: 'split', topics: ['rr-split'], containerFactory: 'standardHeaders' })
  @SendTo()
  lines(order: Order): string[] {
    return [`${order.id}/1`, `${order.id}/2`, `${order.id}/3`];
  }

  @KafkaListener({ id: 'whole', topics: ['rr-whole'], splitIterables: false })
  @SendTo()
  wholeLines(order: Order): string[] {
    return [`${order.id}/1`, `${order.id}/2`];
  }

  @KafkaListener({ id: 'custom-headers', topics: ['rr-custom'] })
  @SendTo()
  custom(order: Order): string {
    return `custom ${order.id}`;
  }

  @KafkaListener({ id: 'json-requests', topics: ['rr-json'], containerFactory: 'json' })
  @SendTo()
  price(order: Order): string {
    ReplyRoutingService.priced.push(order.id);
    return `${order.id} costs ${order.amount}`;
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
/** The application's ReplyingKafkaTemplate, with the custom header names. */
let replying: ReplyingKafkaTemplate;
const consumers: TestConsumer[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  const topics = ['rr-orders', 'rr-orders-approved', 'rr-split', 'rr-whole', 'rr-custom', 'rr-json', 'rr-json-dlt', 'rr-replies', 'rr-gathered'];
  const customNames = { correlationHeaderName: CUSTOM_NAMES.correlation, replyTopicHeaderName: CUSTOM_NAMES.replyTopic, replyPartitionHeaderName: CUSTOM_NAMES.replyPartition };
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [ReplyRoutingService],
    topics: topics.map((name) => TopicBuilder.name(name).partitions(1).replicas(1).build()),
    consumerConfig: FAST_CONSUMER,
    containerFactories: {
      kafkaListenerContainerFactory: new ConcurrentKafkaListenerContainerFactory(customNames),
      standardHeaders: new ConcurrentKafkaListenerContainerFactory(),
      json: (c) =>
        new ConcurrentKafkaListenerContainerFactory({
          ...customNames,
          containerProperties: { valueDeserializer: new JsonDeserializer({ type: Order }) },
          commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(0, 0), { logger: testLogger }),
        }),
    },
    replyingTemplate: { replyTopic: 'rr-replies', timeoutMs: 20_000, ...customNames },
    aggregatingReplyingTemplate: { replyTopic: 'rr-gathered', releaseStrategy: 3, timeoutMs: 20_000 },
    logger: testLogger,
  });
  await app.start();
  replying = app.get(ReplyingKafkaTemplate);
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

function order(id: string, amount: number): Order {
  return Object.assign(new Order(), { id, amount });
}

describe('@SendTo with a function of the result and the request', () => {
  test('the function picks the topic per result; null sends no reply', async () => {
    const approved = await consumerOf('rr-orders-approved');
    const template = app.get(KafkaTemplate);
    await template.send('rr-orders', 'o-big', order('o-big', 500));
    await template.send('rr-orders', 'o-small', order('o-small', 5));
    expect(await approved.waitUntil((seen) => seen.some((r) => r.key === 'o-small'), 20_000)).toBe(true);
    const replies = approved.take(() => true);
    // Only the approved order answered; the rejected one (sent first, same partition) sent nothing.
    expect(replies.map((r) => r.key)).toEqual(['o-small']);
    expect(JSON.parse(String(replies[0]!.value))).toEqual({ id: 'o-small', approved: true });
  });
});

describe('splitIterables', () => {
  test('by default an array is one reply per element, each with the correlation id and key', async () => {
    const gathered = await app.get(AggregatingReplyingKafkaTemplate).sendAndReceive({ topic: 'rr-split', key: 'k-split', value: order('s1', 1) });
    const replies = gathered.value as ConsumerRecord[];
    expect(replies.map((r) => r.value).sort()).toEqual(['s1/1', 's1/2', 's1/3']);
    expect(new Set(replies.map((r) => r.headers.lastHeader(KafkaHeaders.CORRELATION_ID)!.value!.toString('hex'))).size).toBe(1);
    expect(replies.every((r) => r.key === 'k-split')).toBe(true);
  });

  test('splitIterables: false sends one reply holding the array', async () => {
    const reply = await replying.sendAndReceive({ topic: 'rr-whole', key: 'k-whole', value: order('w1', 1) });
    expect(reply.value).toEqual(['w1/1', 'w1/2']);
  });
});

describe('custom correlation and reply-topic header names', () => {
  test('a responder on a factory with the template\'s header names answers under those names', async () => {
    const requests = await consumerOf('rr-custom');
    const reply = await replying.sendAndReceive({ topic: 'rr-custom', key: 'k-custom', value: order('c1', 1) });
    expect(reply.value).toBe('custom c1');
    expect(reply.headers.lastHeader(CUSTOM_NAMES.correlation)?.value).toHaveLength(16);
    expect(reply.headers.lastHeader(KafkaHeaders.CORRELATION_ID)).toBeUndefined();
    expect(await requests.waitUntil((seen) => seen.some((r) => r.key === 'k-custom'), 20_000)).toBe(true);
    const [request] = requests.take((r) => r.key === 'k-custom');
    expect(request!.headers.lastString(CUSTOM_NAMES.replyTopic)).toBe('rr-replies');
    expect(request!.headers.lastHeader(CUSTOM_NAMES.replyPartition)?.value).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(request!.headers.lastHeader(KafkaHeaders.REPLY_TOPIC)).toBeUndefined();
    expect(request!.headers.lastHeader(KafkaHeaders.CORRELATION_ID)).toBeUndefined();
  });
});

describe('a request that cannot be deserialized', () => {
  test('gets an error reply: sendAndReceive rejects with the DeserializationException at once', async () => {
    const good = await replying.sendAndReceive({ topic: 'rr-json', key: 'ok', value: order('j1', 7) });
    expect(good.value).toBe('j1 costs 7');

    const failure = await replying.sendAndReceive({ topic: 'rr-json', key: 'bad', value: Buffer.from('{"id": "j2", amount: oops') }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RemoteListenerError);
    const remote = failure as RemoteListenerError;
    expect(remote.remoteClass).toBe('DeserializationException');
    expect(remote.remoteMessage).toMatch(/rr-json/);
    expect(remote.remoteCauseClass).toBe('SyntaxError');
    // Rejected by the error reply (a timeout would be a KafkaReplyTimeoutException); the listener never saw it.
    expect(ReplyRoutingService.priced).toEqual(['j1']);
  });

  test('a record without a correlation id that cannot be deserialized still goes to the error handler (dead-lettered)', async () => {
    const garbage = Buffer.from('not json at all');
    await app.get(KafkaTemplate).send('rr-json', 'plain-bad', garbage);
    const [dead] = await readTopic(kafka, 'rr-json-dlt', 1);
    // The failed request above was answered with an error reply, not dead-lettered: this is the first dead letter.
    expect(dead!.key!.toString()).toBe('plain-bad');
    expect(dead!.value!.equals(garbage)).toBe(true);
    expect(headerText(dead!, KafkaHeaders.DLT_EXCEPTION_FQCN)).toBe('DeserializationException');
  });
});
