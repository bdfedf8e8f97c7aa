import { injectable } from 'inversify';
import { Acknowledgment, ConsumerRecord, KafkaListener, KafkaTemplate, Payload } from 'streamwright';
import { Invoice, Order } from './model.js';
import { Outcomes } from './outcomes.js';
import { Topics } from './topics.js';

/**
 * Turns each order into an invoice. The listener runs in the `manualAckFactory` container
 * (AckMode.MANUAL_IMMEDIATE, see app.ts): the order's offset is committed only once its invoice
 * was sent, so a crash in between delivers the order again.
 */
@injectable()
export class OrderListener {
  constructor(
    private readonly template: KafkaTemplate<string, Invoice>,
    private readonly outcomes: Outcomes,
    private readonly topics: Topics,
  ) {}

  @KafkaListener({ id: 'orders', topics: ['${app.topics.orders:orders}'], groupId: '${app.groups.orders:invoicing}', containerFactory: 'manualAckFactory' })
  async onOrder(record: ConsumerRecord<string, string>, @Payload() order: Order, ack: Acknowledgment): Promise<void> {
    const invoice = Object.assign(new Invoice(), { orderId: order.id, customer: order.customer, amount: order.total() });
    await this.template.send(this.topics.invoices, record.key ?? order.customer, invoice);
    this.outcomes.record(this.outcomes.invoiced, order.id);
    ack.acknowledge();
  }
}
