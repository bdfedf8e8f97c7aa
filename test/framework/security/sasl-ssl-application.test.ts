/**
 * A KafkaApplication whose `kafka` options carry kafkajs's `ssl` and `sasl` unchanged: a SCRAM
 * user over SASL_SSL consumes, produces and replies through the embedded broker's secured
 * listener; and with a wrong password a send fails with kafkajs's authentication error.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger as brokerLogger } from '../../../src/broker/logger.js';
import { KafkaApplication, KafkaListener, KafkaTemplate, ReplyingKafkaTemplate, SendTo, TopicBuilder } from '../../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, testLogger } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

class Order {
  id!: string;
  amount!: number;
}

const seen: string[] = [];

@injectable()
class OrderService {
  @KafkaListener({ id: 'secure-orders', topics: ['secure-orders'], groupId: 'secure-orders' })
  onOrder(order: Order): void {
    seen.push(order.id);
  }

  @KafkaListener({ id: 'secure-prices', topics: ['secure-prices'], groupId: 'secure-prices' })
  @SendTo()
  price(order: Order): { id: string; total: number } {
    return { id: order.id, total: order.amount * 2 };
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;
const secured = (password = 'app-secret') => ({
  ssl: { ca: [kafka.tls!.ca] },
  sasl: { mechanism: 'scram-sha-512' as const, username: 'app', password },
});

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    tls: true,
    sasl: { mechanisms: ['SCRAM-SHA-512'], users: [{ username: 'app', password: 'app-secret', iterations: 8192 }] },
    logger: brokerLogger('silent', 'secure-broker'),
  });
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, secured()),
    listeners: [OrderService],
    topics: [
      TopicBuilder.name('secure-orders').partitions(1).replicas(1).build(),
      TopicBuilder.name('secure-prices').partitions(1).replicas(1).build(),
      TopicBuilder.name('secure-replies').partitions(1).replicas(1).build(),
    ],
    consumerConfig: FAST_CONSUMER,
    replyingTemplate: { replyTopic: 'secure-replies', timeoutMs: 20_000, sharedReplyTopic: false },
    logger: testLogger,
  });
  await app.start();
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await kafka?.stop();
});

describe('KafkaApplication over SASL_SSL with SCRAM-SHA-512', () => {
  test('the only listener is SASL_SSL, and the application connects through it', () => {
    expect(kafka.bootstrapServers).toEqual(kafka.bootstrapServersFor('SASL_SSL'));
    const principals = kafka.broker().instance.connectionStats().map((s) => s.principal);
    expect(principals).toContain('User:app');
    expect(principals).not.toContain('User:ANONYMOUS');
  });

  test('KafkaTemplate produces and a @KafkaListener consumes', async () => {
    await app.get(KafkaTemplate).send('secure-orders', 'o-1', Object.assign(new Order(), { id: 'o-1', amount: 3 }));
    await waitFor(() => seen.includes('o-1'), { what: 'the listener to see o-1' });
  });

  test('ReplyingKafkaTemplate gets the @SendTo reply', async () => {
    const replying = app.get(ReplyingKafkaTemplate) as ReplyingKafkaTemplate<string, unknown, { id: string; total: number }>;
    const reply = await replying.sendAndReceive({ topic: 'secure-prices', key: 'o-2', value: Object.assign(new Order(), { id: 'o-2', amount: 5 }) });
    expect(reply.value).toEqual({ id: 'o-2', total: 10 });
  });

  test('with a wrong password KafkaTemplate.send fails with the authentication error', async () => {
    const bad = await KafkaApplication.create({
      kafka: kafkaConfig(kafka, { ...secured('wrong'), retry: { retries: 0 } }),
      listeners: [],
      logger: testLogger,
    });
    await bad.start();
    try {
      await expect(bad.get(KafkaTemplate).send('secure-orders', 'o-3', Object.assign(new Order(), { id: 'o-3', amount: 1 }))).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    } finally {
      await bad.stop();
    }
    expect(seen).not.toContain('o-3');
  });
});
