import { injectable } from 'inversify';
import { DltHandler, Header, KafkaHeaders, KafkaListener, Payload, RetryableTopic, RetryTopicHeaders } from 'streamwright';
import { DemoProgress } from './progress.js';

/** A parcel to book with a carrier, on the `shipments` topic. */
export class Shipment {
  orderId!: string;
  customer!: string;

  constructor(orderId: string, customer: string) {
    this.orderId = orderId;
    this.customer = customer;
  }
}

export class CarrierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CarrierError';
  }
}

/**
 * Books shipments with non-blocking retries: a failed shipment is published to
 * `shipments-retry-250`, then `shipments-retry-500`, and consumed again when its delay has
 * passed (only that partition waits), while the main topic moves on. After 3 attempts it goes
 * to `shipments-dlt`, handled by `onUndeliverable`.
 */
@injectable()
export class ShippingService {
  private readonly attempts = new Map<string, number>();

  constructor(private readonly progress: DemoProgress) {}

  @RetryableTopic({ attempts: 3, backoff: { delay: 250, multiplier: 2 } })
  @KafkaListener({ id: 'shipping', topics: ['shipments'], groupId: 'shipping' })
  onShipment(@Payload() shipment: Shipment, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string) {
    const attempt = (this.attempts.get(shipment.orderId) ?? 0) + 1;
    this.attempts.set(shipment.orderId, attempt);
    const where = `attempt ${attempt} on ${topic}`;
    if (shipment.customer === 'dave') {
      console.log(`  [shipping]      ${shipment.orderId} to ${shipment.customer}: no carrier serves the address (${where})`);
      throw new CarrierError(`no carrier serves ${shipment.customer}'s address`);
    }
    if (shipment.customer === 'alice' && attempt === 1) {
      console.log(`  [shipping]      ${shipment.orderId} to ${shipment.customer}: carrier timed out (${where}); retried later`);
      throw new CarrierError('carrier API timed out');
    }
    console.log(`  [shipping]      ${shipment.orderId} to ${shipment.customer}: booked (${where})`);
    this.progress.add('booked');
  }

  @DltHandler()
  onUndeliverable(
    @Payload() shipment: Shipment,
    @Header(KafkaHeaders.ORIGINAL_TOPIC) originalTopic: string,
    @Header(KafkaHeaders.EXCEPTION_MESSAGE) reason: string,
    @Header(RetryTopicHeaders.DEFAULT_HEADER_ATTEMPTS) attempts: Buffer,
  ) {
    const tried = attempts.readInt32BE(0) - 1;
    console.log(`  [shipping-dlt]  ${shipment.orderId} to ${shipment.customer}: undeliverable after ${tried} attempts (from ${originalTopic}: ${reason.split('; ').at(-1)})`);
    this.progress.add('undeliverable');
  }
}
