import { injectable } from 'inversify';
import { Header, KafkaHeaders, KafkaListener, KafkaTemplate, Payload } from 'streamwright';
import { Invoice, Order } from './order.js';

/** Consumes orders and issues an invoice for each one. */
@injectable()
export class OrderService {
  // Injected by type: KafkaApplication binds KafkaTemplate in the container.
  constructor(private readonly template: KafkaTemplate<string, Invoice>) {}

  @KafkaListener({ id: 'orders', topics: ['orders'], groupId: 'order-service', concurrency: 3 })
  async onOrder(@Payload() order: Order, @Header(KafkaHeaders.RECEIVED_KEY) key: string, @Header(KafkaHeaders.RECEIVED_PARTITION) partition: number) {
    const lines = order.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
    console.log(`  [order-service] order ${key} from ${order.customer} (partition ${partition}): ${lines} = ${order.total().toFixed(2)}`);
    const invoice = new Invoice(order.id, order.customer, order.total());
    await this.template.send('invoices', order.customer, invoice);
  }
}
