import { Injectable } from '@nestjs/common';
import { DltHandler, Header, KafkaHeaders, KafkaListener, Payload, RetryableTopic } from 'streamwright';
import { Shipment } from './model.js';
import { Outcomes } from './outcomes.js';

export class CarrierError extends Error {
  override readonly name = 'CarrierError';
}

/**
 * Books shipments with non-blocking retries: a failure goes to `<topic>-retry-100`, then
 * `<topic>-retry-200`, while the main topic moves on; after 3 attempts the shipment lands in
 * `<topic>-dlt` and `onUndeliverable` handles it.
 */
@Injectable()
export class ShippingListener {
  constructor(private readonly outcomes: Outcomes) {}

  @RetryableTopic({ attempts: 3, backoff: { delay: 100, multiplier: 2 } })
  @KafkaListener({ id: 'shipping', topics: ['${app.topics.shipments:shipments}'], groupId: '${app.groups.shipping:shipping}' })
  onShipment(@Payload() shipment: Shipment): void {
    if (shipment.address.trim() === '') throw new CarrierError(`order ${shipment.orderId} has no address`);
    this.outcomes.record(this.outcomes.shipped, shipment.orderId);
  }

  @DltHandler()
  onUndeliverable(@Payload() shipment: Shipment, @Header(KafkaHeaders.EXCEPTION_MESSAGE) reason: string): void {
    console.log(`undeliverable: order ${shipment.orderId} (${reason})`);
    this.outcomes.record(this.outcomes.undeliverable, shipment.orderId);
  }
}
