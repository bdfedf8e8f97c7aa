/** What the application's records carry; class-transformer builds these from the JSON values. */
export class OrderLine {
  product!: string;
  quantity!: number;
  unitPrice!: number;
}

export class Order {
  id!: string;
  customer!: string;
  lines!: OrderLine[];

  static of(id: string, customer: string, lines: OrderLine[]): Order {
    return Object.assign(new Order(), { id, customer, lines });
  }

  total(): number {
    return this.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  }
}

export class Invoice {
  orderId!: string;
  customer!: string;
  amount!: number;
}

export class Shipment {
  orderId!: string;
  address!: string;
}

export class QuoteRequest {
  product!: string;
  quantity!: number;
}

export class Quote {
  product!: string;
  quantity!: number;
  price!: number;
}
