// Runs the application against the embedded broker that vitest's global setup started
// (vitest.config.ts). The `kafka` fixture gives each test its own topics and group ids, so the
// test files can run in parallel against that one broker.
import { expect } from 'vitest';
import { KafkaTemplate, RemoteListenerError, ReplyingKafkaTemplate, type KafkaApplication } from 'streamwright';
import { KafkaTestUtils } from 'streamwright/testing';
import { test, type KafkaFixture } from 'streamwright/vitest';
import { createApp } from '../src/app.js';
import { Order, Quote, QuoteRequest, Shipment } from '../src/model.js';
import { Outcomes } from '../src/outcomes.js';

/** Starts the application on the test's own topics and groups; stop it when done. */
async function startApp(kafka: KafkaFixture): Promise<KafkaApplication> {
  const app = await createApp({
    brokers: kafka.bootstrapServers,
    topics: {
      orders: await kafka.topic('orders', { partitions: 3 }),
      invoices: await kafka.topic('invoices', { partitions: 3 }),
      shipments: await kafka.topic('shipments'),
      quotes: await kafka.topic('quotes'),
      replies: await kafka.topic('replies'),
    },
    groups: { orders: kafka.groupId('invoicing'), shipping: kafka.groupId('shipping'), pricing: kafka.groupId('pricing') },
  });
  await app.start();
  return app;
}

test('an order is invoiced, and its offset committed after the manual ack', async ({ kafka }) => {
  const app = await startApp(kafka);
  try {
    const orders = await kafka.topic('orders');
    const invoices = await kafka.topic('invoices');
    const template = app.get(KafkaTemplate) as KafkaTemplate<string, Order>;
    await template.send(orders, 0, 'alice', Order.of('o-1', 'alice', [{ product: 'apple', quantity: 4, unitPrice: 0.5 }]));

    const consumer = await KafkaTestUtils.createConsumer(KafkaTestUtils.consumerProps(kafka.bootstrapServers, kafka.groupId('check')), invoices);
    try {
      const invoice = await KafkaTestUtils.getSingleRecord(consumer, invoices, 10_000);
      expect(invoice.key).toBe('alice');
      expect(JSON.parse(invoice.value ?? 'null')).toEqual({ orderId: 'o-1', customer: 'alice', amount: 2 });
    } finally {
      await consumer.close();
    }
    await expect.poll(() => KafkaTestUtils.getCurrentOffset(kafka.bootstrapServers, kafka.groupId('invoicing'), orders, 0), { timeout: 10_000 }).toBe(1);
  } finally {
    await app.stop();
  }
});

test('a shipment that keeps failing goes through the retry topics to the DLT handler', async ({ kafka }) => {
  const app = await startApp(kafka);
  try {
    const template = app.get(KafkaTemplate) as KafkaTemplate<string, Shipment>;
    const outcomes = app.get(Outcomes);
    await template.send(await kafka.topic('shipments'), 'o-2', Object.assign(new Shipment(), { orderId: 'o-2', address: '' }));
    await template.send(await kafka.topic('shipments'), 'o-3', Object.assign(new Shipment(), { orderId: 'o-3', address: '2 Side St' }));
    await outcomes.until(() => outcomes.undeliverable.length === 1 && outcomes.shipped.length === 1, 'the shipments');
    expect(outcomes.undeliverable).toEqual(['o-2']);
    expect(outcomes.shipped).toEqual(['o-3']);
  } finally {
    await app.stop();
  }
});

test('request/reply: a quote, and a refused request as RemoteListenerError', async ({ kafka }) => {
  const app = await startApp(kafka);
  try {
    const quotes = app.get(ReplyingKafkaTemplate) as ReplyingKafkaTemplate<string, QuoteRequest, Quote>;
    const topic = await kafka.topic('quotes');
    const reply = await quotes.sendAndReceive({ topic, value: Object.assign(new QuoteRequest(), { product: 'tea', quantity: 4 }) }, { replyType: Quote });
    expect(reply.value).toEqual(Object.assign(new Quote(), { product: 'tea', quantity: 4, price: 9 }));
    await expect(quotes.sendAndReceive({ topic, value: Object.assign(new QuoteRequest(), { product: 'caviar', quantity: 1 }) })).rejects.toBeInstanceOf(RemoteListenerError);
  } finally {
    await app.stop();
  }
});
