import { Injectable } from '@nestjs/common';
import { KafkaListener, SendTo } from 'streamwright';
import { Quote, QuoteRequest } from './model.js';

export class UnknownProductError extends Error {
  override readonly name = 'UnknownProductError';
}

const PRICES: Record<string, number> = { apple: 0.5, coffee: 7.9, tea: 2.25 };

/** Request/reply: the return value goes back to the requester's reply topic; a throw becomes a RemoteListenerError there. */
@Injectable()
export class PricingListener {
  @KafkaListener({ id: 'pricing', topics: ['${app.topics.quotes:quote-requests}'], groupId: '${app.groups.pricing:pricing}' })
  @SendTo()
  quote(request: QuoteRequest): Quote {
    const unitPrice = PRICES[request.product];
    if (unitPrice === undefined) throw new UnknownProductError(`no price for '${request.product}'`);
    return Object.assign(new Quote(), { product: request.product, quantity: request.quantity, price: unitPrice * request.quantity });
  }
}
