/**
 * Spring's error-handler family against the embedded broker: KafkaListenerErrorHandler on
 * @KafkaListener (its value is the @SendTo reply, a rethrow reaches the container's handler),
 * CommonDelegatingErrorHandler, CommonLoggingErrorHandler, CommonContainerStoppingErrorHandler,
 * CommonMixedErrorHandler, DefaultErrorHandler's seekAfterError: false and ackAfterHandle, and
 * the kafka_deliveryAttempt header.
 */
import { Container, injectable } from 'inversify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AckMode,
  CommonContainerStoppingErrorHandler,
  CommonDelegatingErrorHandler,
  CommonLoggingErrorHandler,
  CommonMixedErrorHandler,
  ConcurrentKafkaListenerContainerFactory,
  ContainerStoppedEvent,
  DefaultErrorHandler,
  FixedBackOff,
  Header,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  ListenerExecutionFailedException,
  SendTo,
  TopicBuilder,
  ConsumerRecord,
  type ConsumerRecords,
  type KafkaListenerErrorHandler,
  type ContainerConsumer,
  type Message,
} from '../../src/index.js';
import { rawBytesOf } from '../../src/framework/support/consumer-record.js';
import { readTopic, startErrorHandlingBroker } from './error-handling/support/error-handling-harness.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker();
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

const text = (record: ConsumerRecord) => String(record.value);

class OrderRejected extends Error {}
class FatalError extends Error {}
class Wrapper extends Error {}

/** What each listener and handler saw, by name. */
const seen = new Map<string, unknown[]>();
const note = (name: string, value: unknown): void => void seen.set(name, [...(seen.get(name) ?? []), value]);
const saw = (name: string) => seen.get(name) ?? [];

/** A listener error handler found by bean name: its value becomes the @SendTo reply. */
const replyingErrorHandler: KafkaListenerErrorHandler = {
  handleError(message: Message, exception: ListenerExecutionFailedException, consumer: ContainerConsumer) {
    const record = message.headers[KafkaHeaders.RAW_DATA] as ConsumerRecord;
    note('listener-error-handler', { payload: message.payload, offset: record.offset, cause: (exception.cause as Error).message, group: consumer.groupId, isLefe: exception instanceof ListenerExecutionFailedException });
    return `fallback for ${String(message.payload)}`;
  },
};

/** A listener error handler resolved by class that passes the failure on. */
@injectable()
class RethrowingErrorHandler implements KafkaListenerErrorHandler {
  handleError(message: Message, exception: ListenerExecutionFailedException): unknown {
    note('rethrowing-handler', message.payload);
    throw exception;
  }
}

let stoppingFixed = false;

@injectable()
class Listeners {
  @KafkaListener({ id: 'leh-orders', topics: ['leh-orders'], errorHandler: 'replyingErrorHandler' })
  @SendTo('leh-replies')
  onOrder(record: ConsumerRecord<string, string>): string {
    throw new OrderRejected(`rejected ${record.value}`);
  }

  @KafkaListener({ id: 'leh-rethrow', topics: ['leh-rethrow'], errorHandler: RethrowingErrorHandler, containerFactory: 'recovering' })
  onRethrow(record: ConsumerRecord<string, string>): void {
    throw new OrderRejected(`rejected ${record.value}`);
  }

  @KafkaListener({ id: 'delegating', topics: ['delegating'], containerFactory: 'delegating' })
  onDelegating(record: ConsumerRecord<string, string>): void {
    note('delegating', text(record));
    if (record.value === 'fatal') throw new FatalError('fatal');
    if (record.value === 'wrapped') throw new Wrapper('wrapper', { cause: new FatalError('inside') });
    if (record.value === 'flaky') throw new Error('flaky');
  }

  @KafkaListener({ id: 'logging', topics: ['logging'], containerFactory: 'logging' })
  onLogging(record: ConsumerRecord<string, string>): void {
    note('logging', text(record));
    if (record.value === 'bad') throw new Error('bad');
  }

  @KafkaListener({ id: 'stopping', topics: ['stopping'], containerFactory: 'stopping' })
  onStopping(record: ConsumerRecord<string, string>): void {
    note('stopping', text(record));
    if (record.value === 'bad' && !stoppingFixed) throw new Error('bad');
  }

  @KafkaListener({ id: 'mixed-record', topics: ['mixed-record'], containerFactory: 'mixed' })
  onMixedRecord(record: ConsumerRecord<string, string>): void {
    throw new Error(`record ${record.value}`);
  }

  @KafkaListener({ id: 'mixed-batch', topics: ['mixed-batch'], containerFactory: 'mixed', batch: true })
  onMixedBatch(records: ConsumerRecords<string, string>): void {
    throw new Error(`batch of ${records.length}`);
  }

  @KafkaListener({ id: 'in-place', topics: ['in-place'], containerFactory: 'inPlace' })
  onInPlace(record: ConsumerRecord<string, string>, @Header({ name: KafkaHeaders.DELIVERY_ATTEMPT, required: false }) attempt: number | undefined): void {
    note('in-place', { value: text(record), bytes: rawBytesOf(record)?.value, attempt });
    if (record.value === 'flaky') throw new Error('flaky');
  }

  @KafkaListener({ id: 'seeking', topics: ['seeking'], containerFactory: 'attempts' })
  onSeeking(record: ConsumerRecord<string, string>, @Header({ name: KafkaHeaders.DELIVERY_ATTEMPT, required: false }) attempt: number | undefined): void {
    note('seeking', { value: text(record), bytes: rawBytesOf(record)?.value, attempt, raw: record.headers.lastHeader(KafkaHeaders.DELIVERY_ATTEMPT)?.value });
    if (record.value === 'flaky') throw new Error('flaky');
  }
}

const recovered = (name: string) => ({ recoverer: (record: ConsumerRecord, error: Error) => note(name, { value: text(record), error }), logger: testLogger });

function factory(commonErrorHandler: ConcurrentKafkaListenerContainerFactory['commonErrorHandler'], containerProperties = {}) {
  return new ConcurrentKafkaListenerContainerFactory({ commonErrorHandler, containerProperties });
}

const topics = ['leh-orders', 'leh-replies', 'leh-rethrow', 'delegating', 'logging', 'stopping', 'mixed-record', 'mixed-batch', 'in-place', 'seeking'];

describe('error handlers', () => {
  let app: KafkaApplication;
  let template: KafkaTemplate<string, string>;
  const stoppedEvents: unknown[] = [];

  beforeAll(async () => {
    const container = new Container({ autobind: true, defaultScope: 'Singleton' });
    container.bind('replyingErrorHandler').toConstantValue(replyingErrorHandler);
    const delegating = new CommonDelegatingErrorHandler(new DefaultErrorHandler(new FixedBackOff(0, 2), recovered('default-recoverer')));
    delegating.addDelegate(FatalError, new DefaultErrorHandler(new FixedBackOff(0, 0), recovered('fatal-recoverer')));
    // Without traversing the chain, 'wrapped' (a Wrapper around a FatalError) would go to the default handler.
    delegating.setCauseChainTraversing(true);
    app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      container,
      listeners: [Listeners],
      topics: topics.map((t) => TopicBuilder.name(t).partitions(1).build()),
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      containerFactories: {
        recovering: factory(new DefaultErrorHandler(new FixedBackOff(0, 0), recovered('container-recoverer'))),
        delegating: factory(delegating),
        logging: factory(new CommonLoggingErrorHandler(testLogger)),
        stopping: factory(new CommonContainerStoppingErrorHandler(testLogger)),
        mixed: factory(new CommonMixedErrorHandler(new DefaultErrorHandler(new FixedBackOff(0, 0), recovered('record-recoverer')), new DefaultErrorHandler(new FixedBackOff(0, 0), recovered('batch-recoverer')))),
        inPlace: factory(new DefaultErrorHandler(new FixedBackOff(0, 2), { ...recovered('in-place-recoverer'), seekAfterError: false }), { deliveryAttemptHeader: true }),
        attempts: factory(new DefaultErrorHandler(new FixedBackOff(0, 2), recovered('seeking-recoverer')), { deliveryAttemptHeader: true }),
      },
    });
    app.on(ContainerStoppedEvent, (event) => void stoppedEvents.push(event.source));
    await app.start();
    template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  test('a KafkaListenerErrorHandler named on @KafkaListener: its value is sent as the @SendTo reply and the record is committed', async () => {
    await template.send('leh-orders', 'k', 'order-1');
    const [reply] = await readTopic(kafka, 'leh-replies', 1);
    expect(reply!.value!.toString()).toBe('fallback for order-1');
    expect(reply!.key!.toString()).toBe('k');
    expect(saw('listener-error-handler')).toEqual([{ payload: 'order-1', offset: 0, cause: 'rejected order-1', group: 'leh-orders', isLefe: true }]);
    await waitFor(async () => (await probe.committedAt('leh-orders', 'leh-orders')) === 1, { what: 'the handled record committed' });
  });

  test('a KafkaListenerErrorHandler that rethrows hands the failure to the container error handler', async () => {
    await template.send('leh-rethrow', 'k', 'order-2');
    await waitFor(() => saw('container-recoverer').length === 1, { what: 'the container recoverer' });
    expect(saw('rethrowing-handler')).toEqual(['order-2']);
    const { value, error } = saw('container-recoverer')[0] as { value: string; error: Error };
    expect(value).toBe('order-2');
    expect(error).toBeInstanceOf(ListenerExecutionFailedException);
    expect(error.cause).toBeInstanceOf(OrderRejected);
  });

  test('CommonDelegatingErrorHandler picks the handler by error class, along the cause chain when traversing', async () => {
    for (const value of ['fatal', 'flaky', 'wrapped', 'ok']) await template.send('delegating', value, value);
    await waitFor(async () => (await probe.committedAt('delegating', 'delegating')) === 4, { what: 'all four committed' });
    // FatalError: its delegate has no retries; anything else: the default handler's three deliveries.
    expect(saw('delegating')).toEqual(['fatal', 'flaky', 'flaky', 'flaky', 'wrapped', 'ok']);
    expect(saw('fatal-recoverer').map((r) => (r as { value: string }).value)).toEqual(['fatal', 'wrapped']);
    expect(saw('default-recoverer').map((r) => (r as { value: string }).value)).toEqual(['flaky']);
    // A delegate must seek (or not) as the default handler does.
    expect(() => new CommonDelegatingErrorHandler(new DefaultErrorHandler()).addDelegate(FatalError, new CommonLoggingErrorHandler())).toThrow(/seeksAfterHandling/);
  });

  test('CommonLoggingErrorHandler logs and skips the failed record; the rest goes on', async () => {
    for (const value of ['a', 'bad', 'b']) await template.send('logging', value, value);
    await waitFor(async () => (await probe.committedAt('logging', 'logging')) === 3, { what: 'all three committed' });
    expect(saw('logging')).toEqual(['a', 'bad', 'b']);
  });

  test('CommonContainerStoppingErrorHandler stops the container; started again, it resumes at the failed record', async () => {
    const container = app.listenerContainer('stopping');
    for (const value of ['a', 'bad', 'b']) await template.send('stopping', value, value);
    await waitFor(() => !container.isRunning() && stoppedEvents.includes(container), { what: 'the container stopped' });
    expect(saw('stopping')).toEqual(['a', 'bad']);
    expect(await probe.committedAt('stopping', 'stopping')).toBe(1);
    stoppingFixed = true;
    await container.start();
    await waitFor(async () => (await probe.committedAt('stopping', 'stopping')) === 3, { what: 'the rest committed after the restart' });
    expect(saw('stopping')).toEqual(['a', 'bad', 'bad', 'b']);
  });

  test('CommonMixedErrorHandler: record listeners get the record handler, batch listeners the batch handler', async () => {
    await template.send('mixed-record', 'k', 'r1');
    await template.send('mixed-batch', 'k', 'b1');
    await waitFor(() => saw('record-recoverer').length === 1 && saw('batch-recoverer').length === 1, { what: 'both recoverers' });
    expect((saw('record-recoverer')[0] as { value: string }).value).toBe('r1');
    expect((saw('batch-recoverer')[0] as { value: string }).value).toBe('b1');
  });

  test('seekAfterError: false retries from the batch in hand (no new fetch), with kafka_deliveryAttempt counting', async () => {
    for (const value of ['a', 'flaky', 'b']) await template.send('in-place', value, value);
    await waitFor(async () => (await probe.committedAt('in-place', 'in-place')) === 3, { what: 'all three committed' });
    const deliveries = saw('in-place') as { value: string; bytes: Buffer; attempt: number }[];
    expect(deliveries.map((d) => d.value)).toEqual(['a', 'flaky', 'flaky', 'flaky', 'b']);
    const flaky = deliveries.filter((d) => d.value === 'flaky');
    expect(flaky.map((d) => d.attempt)).toEqual([1, 2, 3]);
    // The same bytes in memory each time: the record was not fetched again.
    expect(flaky[1]!.bytes).toBe(flaky[0]!.bytes);
    expect(flaky[2]!.bytes).toBe(flaky[0]!.bytes);
    expect(saw('in-place-recoverer').map((r) => (r as { value: string }).value)).toEqual(['flaky']);
  });

  test('the default (seek after error) fetches the failed record again; deliveryAttemptHeader writes a 4-byte int', async () => {
    await template.send('seeking', 'flaky', 'flaky');
    await waitFor(() => saw('seeking-recoverer').length === 1, { what: 'the recoverer' });
    const deliveries = saw('seeking') as { bytes: Buffer; attempt: number; raw: Buffer }[];
    expect(deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(deliveries.map((d) => d.raw.toString('hex'))).toEqual(['00000001', '00000002', '00000003']);
    expect(deliveries[1]!.bytes).not.toBe(deliveries[0]!.bytes);
  });
});

describe('DefaultErrorHandler ackAfterHandle', () => {
  @injectable()
  class Failing {
    @KafkaListener({ id: 'ack-after-handle', topics: ['ack-after-handle'], containerFactory: 'acking' })
    onAcked(): void {
      throw new Error('always');
    }

    @KafkaListener({ id: 'no-ack-after-handle', topics: ['no-ack-after-handle'], containerFactory: 'notAcking' })
    onNotAcked(): void {
      throw new Error('always');
    }
  }

  test('a recovered record is committed with ackAfterHandle (the default), not without it', async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [Failing],
      topics: ['ack-after-handle', 'no-ack-after-handle'].map((t) => TopicBuilder.name(t).partitions(1).build()),
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      containerFactories: {
        acking: factory(new DefaultErrorHandler(new FixedBackOff(0, 0), recovered('acked')), { ackMode: AckMode.BATCH }),
        notAcking: factory(new DefaultErrorHandler(new FixedBackOff(0, 0), { ...recovered('not-acked'), ackAfterHandle: false }), { ackMode: AckMode.BATCH }),
      },
    });
    await app.start();
    const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
    await template.send('ack-after-handle', 'k', 'x');
    await template.send('no-ack-after-handle', 'k', 'x');
    await waitFor(() => saw('acked').length === 1 && saw('not-acked').length === 1, { what: 'both recovered' });
    // Stopping commits whatever counts as processed.
    await app.stop();
    expect(await probe.committedAt('ack-after-handle', 'ack-after-handle')).toBe(1);
    expect(await probe.committedAt('no-ack-after-handle', 'no-ack-after-handle')).toBe(-1);
  });
});
