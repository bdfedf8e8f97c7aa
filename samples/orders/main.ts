// The order service sample: `npm start` runs it end to end on the embedded broker.
// reflect-metadata must be loaded before any decorated class is evaluated.
import 'reflect-metadata';
import { AckMode, ConcurrentKafkaListenerContainerFactory, consoleLogger, KafkaApplication, KafkaTemplate, TopicBuilder } from 'streamwright';
import { EmbeddedKafka } from 'streamwright/testing';
import { BillingService, InvoiceLedger } from './billing-service.js';
import { Order, OrderLine } from './order.js';
import { OrderService } from './order-service.js';
import { PricingService, requestQuotes } from './price-quote.js';
import { runExactlyOnceInvoicing } from './invoicing-exactly-once.js';
import { DeadLetterInspector, deadLetteringFactory, errorHandlingTopics, PaymentService, runErrorHandlingDemo, ShippingService } from './error-handling-demo.js';

const kafka = await EmbeddedKafka.start();
console.log(`Embedded Kafka broker listening on ${kafka.bootstrapServers.join(',')}`);

// create() wires the container and reports configuration mistakes; nothing connects yet.
const app = await KafkaApplication.create({
  kafka: { brokers: kafka.bootstrapServers, clientId: 'orders-sample' },
  listeners: [OrderService, BillingService, PricingService, PaymentService, DeadLetterInspector, ShippingService],
  topics: [TopicBuilder.name('orders').partitions(6).replicas(1).build(), TopicBuilder.name('invoices').partitions(2).replicas(1).build(), ...errorHandlingTopics],
  containerFactories: {
    manualAckFactory: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.MANUAL_IMMEDIATE } }),
    // Error handling (docs/error-handling.md): retries, then a dead-letter topic.
    deadLetteringFactory,
  },
  // Request/reply (docs/request-reply.md): binds a ReplyingKafkaTemplate reading replies from 'price-quotes'.
  replyingTemplate: { replyTopic: 'price-quotes', timeoutMs: 5000 },
  // An idle broker next door: a fetch that finds nothing waits 100 ms instead of the default 500,
  // so a retried record is redelivered and a stopping consumer leaves without that wait.
  consumerConfig: { maxWaitTimeInMs: 100 },
  logger: consoleLogger('warn'),
});

let exitCode = 0;
try {
  await app.start();
  console.log(`Started listener containers: ${app.listenerContainers().map((c) => `${c.listenerId} (${c.assignments().length} partitions)`).join(', ')}`);

  const orders = [
    new Order('o-1', 'alice', [new OrderLine('apple', 3, 0.5), new OrderLine('pear', 2, 0.75)]),
    new Order('o-2', 'bob', [new OrderLine('coffee', 1, 7.9)]),
    new Order('o-3', 'carol', [new OrderLine('tea', 4, 2.25)]),
    new Order('o-4', 'alice', [new OrderLine('bread', 1, 3.2), new OrderLine('butter', 1, 2.1)]),
    new Order('o-5', 'dave', [new OrderLine('milk', 2, 1.15)]),
  ];
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, Order>;
  for (const order of orders) {
    const { recordMetadata } = await template.send('orders', order.id, order);
    console.log(`Sent order ${order.id} to ${recordMetadata.topic}-${recordMetadata.partition}@${recordMetadata.offset}`);
  }

  const ledger = app.get(InvoiceLedger);
  await ledger.waitFor(orders.length, 30_000);
  const billed = ledger.invoices.reduce((sum, invoice) => sum + invoice.amount, 0);
  console.log(`All ${ledger.invoices.length} orders invoiced, ${billed.toFixed(2)} in total.`);

  await requestQuotes(app);

  // Error handling (docs/error-handling.md): a payment dead-lettered after its retries, and a retry-topic chain.
  await runErrorHandlingDemo(app, orders);

  // Exactly-once step (docs/transactions.md): orders → invoices in one transaction each.
  await runExactlyOnceInvoicing(kafka.bootstrapServers, orders.length);
} catch (error) {
  console.error('The sample failed:', error);
  exitCode = 1;
} finally {
  await app.stop();
  await kafka.stop();
  console.log('Stopped cleanly.');
}
process.exitCode = exitCode;
