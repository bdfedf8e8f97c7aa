import { injectable } from 'inversify';
import { ConsumerRecord, KafkaHeaders, KafkaListener, Payload } from 'streamwright';
import { DemoProgress } from './progress.js';

/** A charge for an order, on the `payments` topic. */
export class Payment {
  orderId!: string;
  customer!: string;
  amount!: number;

  constructor(orderId: string, customer: string, amount: number) {
    this.orderId = orderId;
    this.customer = customer;
    this.amount = amount;
  }
}

export class CardDeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardDeclinedError';
  }
}

/**
 * Charges payments. Its container factory (`deadLetteringFactory` in main.ts) has a
 * DefaultErrorHandler with FixedBackOff(100, 2) and a DeadLetterPublishingRecoverer: a payment
 * that keeps failing is delivered 3 times, 100 ms apart, then published to `payments-dlt`.
 */
@injectable()
export class PaymentService {
  private readonly deliveries = new Map<string, number>();

  constructor(private readonly progress: DemoProgress) {}

  @KafkaListener({ id: 'payments', topics: ['payments'], groupId: 'payments', containerFactory: 'deadLetteringFactory' })
  onPayment(@Payload() payment: Payment) {
    const delivery = (this.deliveries.get(payment.orderId) ?? 0) + 1;
    this.deliveries.set(payment.orderId, delivery);
    if (payment.customer === 'carol') {
      console.log(`  [payments]      ${payment.orderId}: card declined for ${payment.customer} (delivery ${delivery})`);
      throw new CardDeclinedError('card expired');
    }
    console.log(`  [payments]      ${payment.orderId}: charged ${payment.amount.toFixed(2)} to ${payment.customer}'s card`);
    this.progress.add('charged');
  }
}

const DLT_HEADERS = [
  KafkaHeaders.DLT_ORIGINAL_TOPIC,
  KafkaHeaders.DLT_ORIGINAL_PARTITION,
  KafkaHeaders.DLT_ORIGINAL_OFFSET,
  KafkaHeaders.DLT_ORIGINAL_TIMESTAMP,
  KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE,
  KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP,
  KafkaHeaders.DLT_EXCEPTION_FQCN,
  KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN,
  KafkaHeaders.DLT_EXCEPTION_MESSAGE,
];

/** Reads the dead-letter topic and prints what the recoverer wrote into the headers. */
@injectable()
export class DeadLetterInspector {
  constructor(private readonly progress: DemoProgress) {}

  @KafkaListener({ id: 'dead-letters', topics: ['payments-dlt'], groupId: 'dead-letters' })
  onDeadLetter(record: ConsumerRecord<string, string>) {
    console.log(`  [dead-letters]  payments-dlt received ${record.key} (value ${record.value}); its headers:`);
    for (const name of DLT_HEADERS) console.log(`                    ${name}: ${decode(name, record.headers.lastHeader(name)?.value ?? null)}`);
    const stack = record.headers.lastString(KafkaHeaders.DLT_EXCEPTION_STACKTRACE) ?? '';
    console.log(`                    ${KafkaHeaders.DLT_EXCEPTION_STACKTRACE}: ${stack.split('\n')[0]} ... (${stack.split('\n').length} lines)`);
    this.progress.add('dead-lettered');
  }
}

/** Spring's encodings: partition as a 4-byte int, offset and timestamp as 8-byte longs, the rest UTF-8. */
function decode(name: string, value: Buffer | null): string {
  if (value === null) return '(none)';
  if (name === KafkaHeaders.DLT_ORIGINAL_PARTITION) return String(value.readInt32BE(0));
  if (name === KafkaHeaders.DLT_ORIGINAL_OFFSET) return String(value.readBigInt64BE(0));
  if (name === KafkaHeaders.DLT_ORIGINAL_TIMESTAMP) return new Date(Number(value.readBigInt64BE(0))).toISOString();
  return value.toString('utf8');
}
