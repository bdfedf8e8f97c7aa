/**
 * The application's topic and group names. The listeners name theirs with `${app.topics.*}`
 * placeholders, which app.ts fills from these values, so tests can give each run its own.
 */
export class Topics {
  orders = 'orders';
  invoices = 'invoices';
  shipments = 'shipments';
  quotes = 'quote-requests';
  replies = 'quote-replies';
}

export interface Groups {
  orders: string;
  shipping: string;
  pricing: string;
}

export const DEFAULT_GROUPS: Groups = { orders: 'invoicing', shipping: 'shipping', pricing: 'pricing' };
