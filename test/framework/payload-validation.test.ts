/**
 * @Payload({ validate: true }) with class-validator against the embedded broker: a valid
 * payload reaches the listener; an invalid one fails with MethodArgumentNotValidException, is
 * not retried, and reaches the DLT with the constraint messages in its exception header.
 */
import { Type } from 'class-transformer';
import { IsNotEmpty, IsPositive, ValidateNested } from 'class-validator';
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  FixedBackOff,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  MethodArgumentNotValidException,
  Payload,
  TopicBuilder,
} from '../../src/index.js';
import { headerText, readTopic, startErrorHandlingBroker } from './error-handling/support/error-handling-harness.js';
import { FAST_CONSUMER, kafkaConfig, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker();
});
afterAll(async () => {
  await kafka.stop();
});

class Line {
  @IsPositive() quantity!: number;
}

class Order {
  @IsNotEmpty() id!: string;
  @ValidateNested({ each: true })
  @Type(() => Line)
  lines!: Line[];
}

const received: Order[] = [];
const failures: Error[] = [];
let deliveries = 0;

@injectable()
class Orders {
  @KafkaListener({ id: 'validated-orders', topics: ['validated-orders'] })
  onOrder(@Payload({ validate: true }) order: Order): void {
    deliveries++;
    received.push(order);
  }
}

test('an invalid payload is not retried and reaches the DLT with the constraint messages', async () => {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [Orders],
    topics: [TopicBuilder.name('validated-orders').partitions(1).build(), TopicBuilder.name('validated-orders-dlt').partitions(1).build()],
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    containerFactories: {
      kafkaListenerContainerFactory: (c) => {
        const handler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(0, 5), { logger: testLogger });
        handler.addRetryListener({ failedDelivery: (_record, error) => void failures.push(error) });
        return new ConcurrentKafkaListenerContainerFactory({ commonErrorHandler: handler });
      },
    },
  });
  try {
    await app.start();
    const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
    await template.send('validated-orders', 'bad', JSON.stringify({ id: '', lines: [{ quantity: 2 }, { quantity: 0 }] }));
    await template.send('validated-orders', 'good', JSON.stringify({ id: 'o-1', lines: [{ quantity: 3 }] }));
    await waitFor(() => received.length === 1, { what: 'the valid order' });
    expect(received[0]).toBeInstanceOf(Order);
    expect(received[0]!.id).toBe('o-1');
    expect(deliveries).toBe(1);

    // One failed delivery only: not retried despite FixedBackOff(0, 5).
    expect(failures).toHaveLength(1);
    const cause = failures[0]!.cause;
    expect(cause).toBeInstanceOf(MethodArgumentNotValidException);
    expect((cause as MethodArgumentNotValidException).violations.map((v) => v.property)).toEqual(['id', 'lines.1.quantity']);

    const [dead] = await readTopic(kafka, 'validated-orders-dlt', 1);
    expect(dead!.key!.toString()).toBe('bad');
    expect(headerText(dead!, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN)).toBe('MethodArgumentNotValidException');
    const message = headerText(dead!, KafkaHeaders.DLT_EXCEPTION_MESSAGE)!;
    expect(message).toContain('2 error(s)');
    expect(message).toContain('id: id should not be empty');
    expect(message).toContain('lines.1.quantity: quantity must be a positive number');
  } finally {
    await app.stop();
  }
});
