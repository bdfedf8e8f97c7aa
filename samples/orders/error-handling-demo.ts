// The error-handling part of the sample (docs/error-handling.md): blocking retries ending in a
// dead-letter topic, and a chain of retry topics.
import type { Container } from 'inversify';
import {
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  FixedBackOff,
  KafkaTemplate,
  TopicBuilder,
  type KafkaApplication,
} from 'streamwright';
import type { Order } from './order.js';
import { Payment } from './payment-service.js';
import { DemoProgress } from './progress.js';
import { Shipment } from './shipping-service.js';

export { DeadLetterInspector, PaymentService } from './payment-service.js';
export { ShippingService } from './shipping-service.js';

/** The topics of the blocking-retry demo (the retry-topic chain creates its own). */
export const errorHandlingTopics = [TopicBuilder.name('payments').partitions(1).build(), TopicBuilder.name('payments-dlt').partitions(1).build()];

/** Three deliveries 100 ms apart, then the record goes to `<topic>-dlt` with Spring's headers. */
export function deadLetteringFactory(container: Container): ConcurrentKafkaListenerContainerFactory {
  return new ConcurrentKafkaListenerContainerFactory({
    commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(container.get(KafkaTemplate)), new FixedBackOff(100, 2)),
  });
}

/** Charges and ships the orders, and waits until every payment and shipment has an outcome. */
export async function runErrorHandlingDemo(app: KafkaApplication, orders: readonly Order[]): Promise<void> {
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, object>;
  const progress = app.get(DemoProgress);

  console.log('Payments: blocking retries (FixedBackOff(100, 2)), then the dead-letter topic payments-dlt:');
  for (const order of orders) await template.send('payments', order.id, new Payment(order.id, order.customer, order.total()));
  const declined = orders.filter((o) => o.customer === 'carol').length;
  await progress.waitFor('charged', orders.length - declined, 10_000);
  await progress.waitFor('dead-lettered', declined, 10_000);

  console.log('Shipments: non-blocking retries, shipments → shipments-retry-250 → shipments-retry-500 → shipments-dlt:');
  for (const order of orders) await template.send('shipments', order.id, new Shipment(order.id, order.customer));
  const undeliverable = orders.filter((o) => o.customer === 'dave').length;
  await progress.waitFor('booked', orders.length - undeliverable, 10_000);
  await progress.waitFor('undeliverable', undeliverable, 10_000);
  console.log(
    `Payments: ${progress.count('charged')} charged, ${progress.count('dead-lettered')} dead-lettered. ` +
      `Shipments: ${progress.count('booked')} booked, ${progress.count('undeliverable')} dead-lettered.`,
  );
}
