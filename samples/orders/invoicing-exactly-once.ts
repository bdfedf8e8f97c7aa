// Exactly-once invoicing (docs/transactions.md): orders → invoices in one Kafka transaction per
// order, together with the order's consumed offset. An invoice whose transaction is aborted is
// never seen by read_committed consumers; the order is retried and invoiced exactly once.
import { injectable } from 'inversify';
import { ConcurrentKafkaListenerContainerFactory, consoleLogger, Header, KafkaApplication, KafkaHeaders, KafkaListener, KafkaTemplate, KafkaTransactionManager, Payload, TopicBuilder } from 'streamwright';
import { InvoiceLedger } from './billing-service.js';
import { Invoice, Order } from './order.js';

/** Turns each order into an invoice inside the container's transaction. */
@injectable()
export class ExactlyOnceInvoicer {
  /** Orders that already failed once (the first attempt of one order fails on purpose). */
  private readonly failedOnce = new Set<string>();
  aborted = 0;

  // Transactional: KafkaApplication was given producer.transactionIdPrefix.
  constructor(private readonly template: KafkaTemplate<string, Invoice>) {}

  @KafkaListener({ id: 'invoicing-eos', topics: ['orders'], groupId: 'invoicing-eos', containerFactory: 'transactionalFactory' })
  async onOrder(@Payload() order: Order, @Header(KafkaHeaders.RECEIVED_KEY) key: string) {
    // This send joins the transaction the container began for this record.
    await this.template.send('invoices-eos', order.customer, new Invoice(order.id, order.customer, order.total()));
    if (key === 'o-3' && !this.failedOnce.has(key)) {
      this.failedOnce.add(key);
      this.aborted++;
      console.log(`  [invoicing-eos] order ${key}: failing after sending its invoice; the transaction is rolled back`);
      throw new Error(`simulated failure invoicing ${key}`);
    }
  }
}

/** Reads the transactional invoices (read_committed, kafkajs' default). */
@injectable()
export class InvoiceAuditor {
  constructor(private readonly ledger: InvoiceLedger) {}

  @KafkaListener({ id: 'invoice-audit', topics: ['invoices-eos'], groupId: 'invoice-audit' })
  onInvoice(@Payload() invoice: Invoice) {
    console.log(`  [invoice-audit] committed invoice for order ${invoice.orderId}: ${invoice.amount.toFixed(2)}`);
    this.ledger.add(invoice);
  }
}

/** Runs the exactly-once step on the orders already on the `orders` topic. */
export async function runExactlyOnceInvoicing(brokers: string[], expectedOrders: number): Promise<void> {
  const app = await KafkaApplication.create({
    kafka: { brokers, clientId: 'invoicing-eos' },
    // Makes the bound KafkaTemplate transactional and binds a KafkaTransactionManager.
    producer: { transactionIdPrefix: 'invoicing-tx-' },
    listeners: [ExactlyOnceInvoicer, InvoiceAuditor],
    topics: [TopicBuilder.name('invoices-eos').partitions(2).replicas(1).build()],
    containerFactories: {
      transactionalFactory: (c) => new ConcurrentKafkaListenerContainerFactory({ containerProperties: { transactionManager: c.get(KafkaTransactionManager) } }),
    },
    consumerConfig: { maxWaitTimeInMs: 100 },
    logger: consoleLogger('error'),
  });
  try {
    await app.start();
    const ledger = app.get(InvoiceLedger);
    await ledger.waitFor(expectedOrders, 30_000);
    // Give a duplicate (there must be none) a moment to show up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const orders = new Set(ledger.invoices.map((invoice) => invoice.orderId));
    const aborted = app.get(ExactlyOnceInvoicer).aborted;
    console.log(`Exactly-once invoicing: ${ledger.invoices.length} committed invoices for ${orders.size} orders (${aborted} aborted attempt rolled back).`);
    if (ledger.invoices.length !== orders.size) throw new Error('An order was invoiced twice');
  } finally {
    await app.stop();
  }
}
