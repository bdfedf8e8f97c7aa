/**
 * AggregatingReplyingKafkaTemplate: one request read by three listener groups, their replies
 * gathered until the release strategy is met; partial results (or a timeout) when too few come.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  AGGREGATED_RESULTS_TOPIC,
  AggregatingReplyingKafkaTemplate,
  ConsumerFactory,
  createReplyContainer,
  KafkaAdmin,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaReplyTimeoutException,
  PARTIAL_RESULTS_AFTER_TIMEOUT_TOPIC,
  ProducerFactory,
  RemoteListenerError,
  SendTo,
  TopicBuilder,
} from '../../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from '../support/framework-harness.js';

class BidRequest {
  item!: string;
}

class Bid {
  bidder!: string;
  item!: string;
  price!: number;
}

const bid = (bidder: string, item: string, price: number) => Object.assign(new Bid(), { bidder, item, price });

/** Three bidders, each in its own group, so each reads every request. */
@injectable()
class Bidders {
  @KafkaListener({ id: 'bidder-a', topics: ['auctions'], groupId: 'bidder-a' })
  @SendTo()
  a(request: BidRequest): Bid {
    return bid('a', request.item, 10);
  }

  @KafkaListener({ id: 'bidder-b', topics: ['auctions'], groupId: 'bidder-b' })
  @SendTo()
  b(request: BidRequest): Bid {
    return bid('b', request.item, 12);
  }

  @KafkaListener({ id: 'bidder-c', topics: ['auctions'], groupId: 'bidder-c' })
  @SendTo()
  c(request: BidRequest): Bid {
    if (request.item === 'cursed') throw new Error(`no bid on ${request.item}`);
    return bid('c', request.item, 11);
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
let partial: AggregatingReplyingKafkaTemplate<string, BidRequest, Bid>;

beforeAll(async () => {
  kafka = await startBroker();
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [Bidders],
    topics: [
      TopicBuilder.name('auctions').partitions(2).replicas(1).build(),
      TopicBuilder.name('bids').partitions(2).replicas(1).build(),
      TopicBuilder.name('bids-partial').partitions(1).replicas(1).build(),
    ],
    consumerConfig: FAST_CONSUMER,
    aggregatingReplyingTemplate: { replyTopic: 'bids', releaseStrategy: 3, timeoutMs: 20_000, replyType: Bid },
    logger: testLogger,
  });
  await app.start();
  // Built by hand, as an application would for a second template: waits for four bids, settles for what came at the timeout.
  partial = new AggregatingReplyingKafkaTemplate<string, BidRequest, Bid>(
    app.get(ProducerFactory),
    createReplyContainer(app.get(ConsumerFactory), { replyTopic: 'bids-partial', logger: testLogger }),
    { releaseStrategy: (replies, timedOut) => (timedOut ? replies.length >= 2 : replies.length >= 4), returnPartialOnTimeout: true, defaultReplyTimeout: 1500, admin: app.get(KafkaAdmin), logger: testLogger },
  );
  await partial.start();
}, 60_000);

afterAll(async () => {
  await partial?.stop();
  await app?.stop();
  await kafka?.stop();
});

test('replies from three listener groups are gathered into one result', async () => {
  const template = app.get(AggregatingReplyingKafkaTemplate) as AggregatingReplyingKafkaTemplate<string, BidRequest, Bid>;
  const result = await template.sendAndReceive({ topic: 'auctions', key: 'lot-1', value: { item: 'vase' } });

  expect(result.topic).toBe(AGGREGATED_RESULTS_TOPIC);
  expect(result.headers.lastHeader(KafkaHeaders.CORRELATION_ID)?.value).toHaveLength(16);
  const bids = result.value!;
  expect(bids).toHaveLength(3);
  expect(bids.every((reply) => reply.value instanceof Bid && reply.value.item === 'vase' && reply.key === 'lot-1')).toBe(true);
  expect(bids.map((reply) => reply.value!.bidder).sort()).toEqual(['a', 'b', 'c']);
  expect(Math.max(...bids.map((reply) => reply.value!.price))).toBe(12);
});

test('an error reply is gathered like any other and can be told apart', async () => {
  const template = app.get(AggregatingReplyingKafkaTemplate) as AggregatingReplyingKafkaTemplate<string, BidRequest, Bid>;
  const result = await template.sendAndReceive({ topic: 'auctions', key: 'lot-2', value: { item: 'cursed' } });
  const errors = result.value!.map((reply) => RemoteListenerError.fromReply(reply)).filter((e) => e !== undefined);
  expect(result.value).toHaveLength(3);
  expect(errors.map((e) => e.remoteMessage)).toEqual(['no bid on cursed']);
});

test('at the timeout, partial results are returned when the strategy accepts them', async () => {
  const result = await partial.sendAndReceive({ topic: 'auctions', key: 'lot-3', value: { item: 'clock' } }, { replyType: Bid });
  expect(result.topic).toBe(PARTIAL_RESULTS_AFTER_TIMEOUT_TOPIC);
  expect(result.value!.map((reply) => reply.value!.bidder).sort()).toEqual(['a', 'b', 'c']);
});

test('at the timeout, a strategy that refuses the partial results gives KafkaReplyTimeoutException', async () => {
  // Nobody reads this topic: no replies, and the strategy wants at least two.
  await expect(partial.sendAndReceive({ topic: 'bids-partial-nobody', key: 'lot-4', value: { item: 'chair' } })).rejects.toBeInstanceOf(KafkaReplyTimeoutException);
  expect(partial.pendingRequests).toBe(0);
});
