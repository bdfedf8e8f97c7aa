import { Type } from 'class-transformer';

/** One line of an order. */
export class OrderLine {
  sku!: string;
  quantity!: number;
  unitPrice!: number;

  constructor(sku: string, quantity: number, unitPrice: number) {
    this.sku = sku;
    this.quantity = quantity;
    this.unitPrice = unitPrice;
  }

  total(): number {
    return this.quantity * this.unitPrice;
  }
}

/** An order as it travels on the `orders` topic (JSON, converted back with class-transformer). */
export class Order {
  id!: string;
  customer!: string;
  @Type(() => Date) placedAt!: Date;
  // @Type makes the lines real OrderLine instances again on the consumer side.
  @Type(() => OrderLine) lines: OrderLine[] = [];

  constructor(id: string, customer: string, lines: OrderLine[]) {
    this.id = id;
    this.customer = customer;
    this.lines = lines;
    this.placedAt = new Date();
  }

  total(): number {
    return this.lines.reduce((sum, line) => sum + line.total(), 0);
  }
}

/** What billing receives on the `invoices` topic. */
export class Invoice {
  orderId!: string;
  customer!: string;
  amount!: number;
  @Type(() => Date) issuedAt!: Date;

  constructor(orderId: string, customer: string, amount: number) {
    this.orderId = orderId;
    this.customer = customer;
    this.amount = amount;
    this.issuedAt = new Date();
  }
}
