import { injectable } from 'inversify';
import { Acknowledgment, ConsumerRecord, KafkaListener, Payload } from 'streamwright';
import { Invoice } from './order.js';

/** Keeps the invoices billing has seen, so main can wait for them. */
@injectable()
export class InvoiceLedger {
  readonly invoices: Invoice[] = [];
  private waiters: (() => void)[] = [];

  add(invoice: Invoice): void {
    this.invoices.push(invoice);
    this.waiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves once `count` invoices arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.invoices.length < count) {
      if (Date.now() > deadline) throw new Error(`Only ${this.invoices.length} of ${count} invoices arrived within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

/** Consumes invoices with manual acknowledgment (AckMode.MANUAL_IMMEDIATE, see main.ts). */
@injectable()
export class BillingService {
  constructor(private readonly ledger: InvoiceLedger) {}

  @KafkaListener({ id: 'billing', topics: ['invoices'], groupId: 'billing', containerFactory: 'manualAckFactory' })
  onInvoice(record: ConsumerRecord<string, string>, @Payload() invoice: Invoice, ack: Acknowledgment) {
    console.log(`  [billing]       invoice for order ${invoice.orderId}: ${invoice.amount.toFixed(2)} billed to ${record.key} (offset ${record.offset})`);
    this.ledger.add(invoice);
    ack.acknowledge();
  }
}
