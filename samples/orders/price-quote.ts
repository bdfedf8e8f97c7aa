import { injectable } from 'inversify';
import { KafkaListener, RemoteListenerError, ReplyingKafkaTemplate, SendTo, type KafkaApplication } from 'streamwright';

/** Asks for the price of some quantity of a product (request/reply over `price-requests`). */
export class QuoteRequest {
  sku!: string;
  quantity!: number;

  constructor(sku: string, quantity: number) {
    this.sku = sku;
    this.quantity = quantity;
  }
}

/** The answer, sent back on the requester's reply topic. */
export class PriceQuote {
  sku!: string;
  quantity!: number;
  unitPrice!: number;

  total(): number {
    return this.quantity * this.unitPrice;
  }
}

export class UnknownProductError extends Error {}

/** Answers quote requests: the return value is the reply (@SendTo); a throw becomes an error reply. */
@injectable()
export class PricingService {
  private readonly prices: Record<string, number> = { apple: 0.5, pear: 0.75, coffee: 7.9, tea: 2.25 };

  @KafkaListener({ id: 'pricing', topics: ['price-requests'], groupId: 'pricing' })
  @SendTo()
  quote(request: QuoteRequest): PriceQuote {
    const unitPrice = this.prices[request.sku];
    if (unitPrice === undefined) throw new UnknownProductError(`no price for '${request.sku}'`);
    return Object.assign(new PriceQuote(), { sku: request.sku, quantity: request.quantity, unitPrice });
  }
}

/** The client side: two requests through the application's ReplyingKafkaTemplate. */
export async function requestQuotes(app: KafkaApplication): Promise<void> {
  const quotes = app.get(ReplyingKafkaTemplate) as ReplyingKafkaTemplate<string, QuoteRequest, PriceQuote>;
  const reply = await quotes.sendAndReceive({ topic: 'price-requests', key: 'alice', value: new QuoteRequest('coffee', 2) }, { replyType: PriceQuote });
  console.log(`Quote for ${reply.value!.quantity} × ${reply.value!.sku}: ${reply.value!.total().toFixed(2)} (reply on ${reply.topic})`);
  try {
    await quotes.sendAndReceive({ topic: 'price-requests', key: 'bob', value: new QuoteRequest('caviar', 1) });
  } catch (error) {
    if (!(error instanceof RemoteListenerError)) throw error;
    console.log(`Quote for caviar refused by the pricing service: ${error.remoteClass}: ${error.remoteMessage}`);
  }
}
