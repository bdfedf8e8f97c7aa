/**
 * What happens around the listener call: the default error handler (redelivery by seeking,
 * 10 deliveries then log-and-skip, fatal errors skipped at once), a custom back-off,
 * deserialization failures, record interceptors and filters.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AckMode,
  ConcurrentKafkaListenerContainerFactory,
  DefaultErrorHandler,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  DeserializationException,
  FixedBackOff,
  JsonDeserializer,
  KafkaTemplate,
  ListenerExecutionFailedException,
  type ConcurrentKafkaListenerContainerFactoryOptions,
  type ConsumerRecord,
  type ConsumerRecords,
  type GenericMessageListener,
  type MessageListener,
  type MessageListenerContainer,
} from '../../src/index.js';
import { BrokerProbe, FAST_CONSUMER, Gate, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producerFactory: DefaultKafkaProducerFactory;
let template: KafkaTemplate<string, unknown>;
const containers: MessageListenerContainer[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  producerFactory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  template = new KafkaTemplate(producerFactory, { logger: testLogger });
});
afterEach(async () => {
  await Promise.all(containers.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await producerFactory.close();
  await probe.close();
  await kafka.stop();
});

async function run(values: unknown[], listener: ((record: ConsumerRecord) => unknown) | GenericMessageListener, options: ConcurrentKafkaListenerContainerFactoryOptions = {}, consumer: ConstructorParameters<typeof DefaultKafkaConsumerFactory>[0] = {}) {
  const topic = unique('processing');
  const group = unique('group');
  await probe.createTopic(topic, 1);
  for (const [i, value] of values.entries()) await template.send(topic, `k${i}`, value);
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger, ...consumer }),
    logger: testLogger,
    ...options,
    containerProperties: { groupId: group, ...options.containerProperties },
  });
  const container = factory.createContainer(topic);
  container.containerProperties.messageListener = listener;
  containers.push(container);
  await container.start();
  return { topic, group, committed: () => probe.committedAt(group, topic) };
}

describe('default error handling (DefaultErrorHandler, FixedBackOff(0, 9))', () => {
  test('a failing record is redelivered until it succeeds; nothing after it is skipped', async () => {
    const deliveries: string[] = [];
    let failuresLeft = 2;
    const s = await run(['a', 'flaky', 'b'], (record) => {
      deliveries.push(String(record.value));
      if (record.value === 'flaky' && failuresLeft-- > 0) throw new Error('transient');
    }, { commonErrorHandler: new DefaultErrorHandler({ logger: testLogger }) });
    await waitFor(async () => (await s.committed()) === 3, { what: 'all committed' });
    expect(deliveries).toEqual(['a', 'flaky', 'flaky', 'flaky', 'b']);
  });

  test('a record that always fails is delivered 10 times, recovered (logged) and skipped', async () => {
    const deliveries: string[] = [];
    const recovered: [number, unknown][] = [];
    const s = await run(['poison', 'after'], (record) => {
      deliveries.push(String(record.value));
      if (record.value === 'poison') throw new Error('always');
    }, { commonErrorHandler: new DefaultErrorHandler({ logger: testLogger, recoverer: (record, error) => void recovered.push([record.offset, error]) }) });
    await waitFor(async () => (await s.committed()) === 2, { what: 'both committed' });
    expect(deliveries.filter((d) => d === 'poison')).toHaveLength(10);
    expect(deliveries.at(-1)).toBe('after');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]![0]).toBe(0);
    expect(recovered[0]![1]).toBeInstanceOf(ListenerExecutionFailedException);
    expect((recovered[0]![1] as Error).cause).toMatchObject({ message: 'always' });
  });

  test('a custom back-off bounds the deliveries', async () => {
    const deliveries: string[] = [];
    const s = await run(['poison'], (record) => {
      deliveries.push(String(record.value));
      throw new Error('always');
    }, { commonErrorHandler: new DefaultErrorHandler({ logger: testLogger, backOff: new FixedBackOff(20, 2) }) });
    await waitFor(async () => (await s.committed()) === 1, { what: 'committed' });
    expect(deliveries).toHaveLength(3);
  });

  test('a value that fails to deserialize is not retried: skipped at once, without reaching the listener', async () => {
    const seen: unknown[] = [];
    const recovered: unknown[] = [];
    const s = await run(
      ['not json', { ok: true }],
      (record) => void seen.push(record.value),
      { commonErrorHandler: new DefaultErrorHandler({ logger: testLogger, recoverer: (_record, error) => void recovered.push(error.cause) }) },
      { valueDeserializer: new JsonDeserializer() },
    );
    await waitFor(async () => (await s.committed()) === 2, { what: 'both committed' });
    expect(seen).toEqual([{ ok: true }]);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toBeInstanceOf(DeserializationException);
  });
});

describe('retry state (resetStateOnRecoveryFailure, resetStateOnExceptionChange)', () => {
  /** FixedBackOff(0, 2): 3 deliveries, then the recoverer, which fails the first time. Returns the deliveries of 'poison'. */
  async function deliveriesWithFailingRecovery(resetStateOnRecoveryFailure: boolean): Promise<number> {
    let poison = 0;
    let recoveries = 0;
    const s = await run(['poison', 'after'], (record) => {
      if (record.value === 'poison') {
        poison++;
        throw new Error('always');
      }
    }, {
      commonErrorHandler: new DefaultErrorHandler({
        backOff: new FixedBackOff(0, 2),
        resetStateOnRecoveryFailure,
        recoverer: () => {
          if (++recoveries === 1) throw new Error('recoverer down');
        },
        logger: testLogger,
      }),
    });
    await waitFor(async () => (await s.committed()) === 2, { what: 'both committed' });
    expect(recoveries).toBe(2);
    return poison;
  }

  test('true (default): after the recoverer throws, the back-off starts over (3 more deliveries)', async () => {
    expect(await deliveriesWithFailingRecovery(true)).toBe(6);
  });

  test('false: after the recoverer throws, the next delivery goes straight back to the recoverer', async () => {
    expect(await deliveriesWithFailingRecovery(false)).toBe(4);
  });

  test('resetStateOnExceptionChange (default true): a different failure class starts the count over', async () => {
    let poison = 0;
    const s = await run(['poison'], (record) => {
      if (record.value !== 'poison') return;
      poison++;
      // Two RangeErrors, then Errors: the count restarts at the third delivery.
      throw poison <= 2 ? new RangeError('first kind') : new Error('second kind');
    }, { commonErrorHandler: new DefaultErrorHandler({ backOff: new FixedBackOff(0, 2), logger: testLogger }) });
    await waitFor(async () => (await s.committed()) === 1, { what: 'committed' });
    expect(poison).toBe(5);
  });
});

describe('commitRecovered', () => {
  /**
   * AckMode COUNT with ackCount 100: nothing is due by count. The listener is held inside 'b',
   * the record after the recovered one; returns the committed offset then.
   */
  async function committedAfterRecovery(commitRecovered: boolean): Promise<number> {
    const gate = new Gate();
    let holding = false;
    const s = await run(
      ['a', 'poison', 'b', 'c'],
      async (record) => {
        if (record.value === 'poison') throw new Error('cannot process');
        if (record.value === 'b') {
          holding = true;
          await gate.wait();
        }
      },
      {
        containerProperties: { ackMode: AckMode.COUNT, ackCount: 100 },
        commonErrorHandler: new DefaultErrorHandler({ backOff: new FixedBackOff(0, 0), commitRecovered, logger: testLogger }),
      },
    );
    await waitFor(() => holding, { what: 'listener held inside b' });
    const committed = await s.committed();
    gate.open();
    return committed;
  }

  test('true: the recovered record is committed at once, whatever the ack mode', async () => {
    expect(await committedAfterRecovery(true)).toBe(2);
  });

  test('false (default): it is committed per the ack mode (COUNT: not yet; only what preceded the failure is)', async () => {
    expect(await committedAfterRecovery(false)).toBe(1);
  });
});

describe('seeking from the listener', () => {
  test('a seek through the listener\'s consumer ends the batch in hand: the records come again from the new position', async () => {
    const seen: unknown[] = [];
    let sought = false;
    const listener: MessageListener = {
      onMessage: (record, _ack, consumer) => {
        seen.push(record.value);
        if (record.value === 'c' && !sought) {
          sought = true;
          consumer.seek(record, 1);
        }
      },
    };
    const s = await run(['a', 'b', 'c', 'd', 'e'], listener);
    await waitFor(async () => (await s.committed()) === 5, { what: 'all committed' });
    // Nothing after the seek was processed from the stale batch: d and e came once, after b and c again.
    expect(seen).toEqual(['a', 'b', 'c', 'b', 'c', 'd', 'e']);
  });
});

describe('interceptors and filters', () => {
  test('a RecordInterceptor can change or skip records; a RecordFilterStrategy discards; skipped ones are committed', async () => {
    const seen: unknown[] = [];
    const calls: string[] = [];
    const s = await run(['keep', 'skip-me', 'drop-me', 'upper'], (record) => void seen.push(record.value), {
      recordInterceptor: {
        intercept: (record) => {
          if (record.value === 'skip-me') return null;
          if (record.value === 'upper') return Object.assign(Object.create(Object.getPrototypeOf(record)), record, { value: 'UPPER' });
          return record;
        },
        success: (record) => void calls.push(`success ${String(record.value)}`),
        afterRecord: (record) => void calls.push(`after ${String(record.value)}`),
      },
      recordFilterStrategy: { filter: (record) => record.value === 'drop-me' },
    });
    await waitFor(async () => (await s.committed()) === 4, { what: 'all committed' });
    expect(seen).toEqual(['keep', 'UPPER']);
    expect(calls).toContain('success keep');
    expect(calls).toContain('after UPPER');
  });

  test('a BatchInterceptor and filterBatch for batch listeners', async () => {
    const batches: unknown[][] = [];
    const intercepted: number[] = [];
    const s = await run(
      ['a', 'b', 'c'],
      { batch: true, onMessage: (records: ConsumerRecords) => void batches.push(records.map((r) => r.value)) },
      {
        batchInterceptor: { intercept: (records) => (intercepted.push(records.length), records) },
        recordFilterStrategy: { filter: (record) => record.value === 'b' },
      },
    );
    await waitFor(async () => (await s.committed()) === 3, { what: 'all committed' });
    expect(batches.flat()).toEqual(['a', 'c']);
    expect(intercepted.reduce((a, b) => a + b, 0)).toBe(3);
  });
});
