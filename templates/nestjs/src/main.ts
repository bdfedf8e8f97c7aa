// `npm start`: runs the Nest application on an embedded Kafka broker (set KAFKA_BOOTSTRAP_SERVERS
// to use a real cluster instead), sends some orders, shipments and a quote request, and stops.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { KafkaTemplate, RemoteListenerError, ReplyingKafkaTemplate } from 'streamwright';
import { EmbeddedKafka } from 'streamwright/testing';
import { AppModule } from './app.module.js';
import { Order, Quote, QuoteRequest, Shipment, type OrderLine } from './model.js';
import { Outcomes } from './outcomes.js';
import { Topics } from './topics.js';

const external = process.env.KAFKA_BOOTSTRAP_SERVERS?.split(',');
const kafka = external ? undefined : await EmbeddedKafka.start();
const brokers = external ?? kafka!.bootstrapServers;
console.log(`Kafka at ${brokers.join(',')}${kafka ? ' (embedded)' : ''}`);

// A standalone application context (no HTTP server); bootstrap starts the listeners.
const app = await NestFactory.createApplicationContext(AppModule.forKafka({ brokers }), { logger: ['error', 'warn'] });
app.enableShutdownHooks();
let exitCode = 0;
try {
  const topics = app.get(Topics);
  const outcomes = app.get(Outcomes);
  const template = app.get<KafkaTemplate<string, object>>(KafkaTemplate);

  const line = (product: string, quantity: number, unitPrice: number): OrderLine => ({ product, quantity, unitPrice });
  const orders = [Order.of('o-1', 'alice', [line('apple', 3, 0.5)]), Order.of('o-2', 'bob', [line('coffee', 1, 7.9), line('tea', 2, 2.25)])];
  for (const order of orders) await template.send(topics.orders, order.customer, order);
  await outcomes.until(() => outcomes.invoiced.length === orders.length, 'the invoices');
  console.log(`Invoiced: ${outcomes.invoiced.join(', ')}`);

  const shipments = [Object.assign(new Shipment(), { orderId: 'o-1', address: '1 Main St' }), Object.assign(new Shipment(), { orderId: 'o-2', address: '' })];
  for (const shipment of shipments) await template.send(topics.shipments, shipment.orderId, shipment);
  await outcomes.until(() => outcomes.shipped.length === 1 && outcomes.undeliverable.length === 1, 'the shipments');
  console.log(`Shipped: ${outcomes.shipped.join(', ')}; dead-lettered after retries: ${outcomes.undeliverable.join(', ')}`);

  const quotes = app.get<ReplyingKafkaTemplate<string, QuoteRequest, Quote>>(ReplyingKafkaTemplate);
  const reply = await quotes.sendAndReceive({ topic: topics.quotes, key: 'alice', value: Object.assign(new QuoteRequest(), { product: 'coffee', quantity: 2 }) }, { replyType: Quote });
  console.log(`Quote: ${reply.value!.quantity} × ${reply.value!.product} = ${reply.value!.price.toFixed(2)}`);
  try {
    await quotes.sendAndReceive({ topic: topics.quotes, key: 'bob', value: Object.assign(new QuoteRequest(), { product: 'caviar', quantity: 1 }) });
  } catch (error) {
    if (!(error instanceof RemoteListenerError)) throw error;
    console.log(`Quote refused: ${error.remoteMessage}`);
  }
} catch (error) {
  console.error('The application failed:', error);
  exitCode = 1;
} finally {
  await app.close(); // each listener finishes its record, commits and leaves its group
  await kafka?.stop();
}
console.log(exitCode === 0 ? 'Done.' : 'Failed.');
process.exitCode = exitCode;
