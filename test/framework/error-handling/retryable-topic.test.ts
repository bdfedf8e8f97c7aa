/**
 * Non-blocking retries (@RetryableTopic) against the embedded broker: the chain's topics and
 * containers, each attempt at or after its due time, a waiting record pausing only its own
 * partition, the DLT record's headers and the @DltHandler, the DLT strategies, and batch
 * listeners (which Spring's retry topics do not support).
 */
import { injectable } from 'inversify';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  BatchListenerFailedException,
  ConsumerRecord,
  ConsumerRecords,
  DltHandler,
  DltStrategy,
  Header,
  KafkaApplication,
  KafkaHandler,
  KafkaHeaders,
  KafkaListener,
  KafkaMessageListenerContainer,
  KafkaTemplate,
  readBigInteger,
  RetryableTopic,
  RetryTopicConfigurer,
  RetryTopicHeaders,
  type ConcurrentMessageListenerContainer,
} from '../../../src/index.js';
import { BrokerProbe, Deliveries, FAST_CONSUMER, header, headerText, kafkaConfig, readTopic, startErrorHandlingBroker, testLogger } from './support/error-handling-harness.js';
import { waitFor } from '../../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let admin: ReturnType<Kafka['admin']>;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker();
  probe = new BrokerProbe(kafka);
  admin = new Kafka({ ...kafkaConfig(kafka), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
  await probe.close();
  await kafka.stop();
});

class InventoryUnavailable extends Error {}

const shipments = { deliveries: new Deliveries(), dlt: [] as { value: string; originalTopic: string; exceptionMessage: string; attempts: number; at: number }[], topics: new Map<string, string>() };

@injectable()
class ShipmentListener {
  @RetryableTopic({ attempts: 4, backoff: { delay: 200, multiplier: 2 }, numPartitions: 2 })
  @KafkaListener({ id: 'shipments', topics: ['shipments'], groupId: 'shipping' })
  onShipment(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string) {
    shipments.deliveries.add(record);
    shipments.topics.set(`${record.value}#${shipments.deliveries.of(String(record.value)).length}`, topic);
    if (record.value !== 'probe') throw new InventoryUnavailable(`no stock for ${record.value}`);
  }

  @DltHandler()
  onDeadShipment(
    record: ConsumerRecord<string, string>,
    @Header(KafkaHeaders.ORIGINAL_TOPIC) originalTopic: string,
    @Header(KafkaHeaders.EXCEPTION_MESSAGE) exceptionMessage: string,
    @Header(RetryTopicHeaders.DEFAULT_HEADER_ATTEMPTS) attempts: Buffer,
  ) {
    shipments.dlt.push({ value: String(record.value), originalTopic, exceptionMessage, attempts: attempts.readInt32BE(0), at: Date.now() });
  }
}

describe('@RetryableTopic', () => {
  test('4 attempts, exponential back-off: the chain of topics and containers, each attempt on time, other partitions flowing, the DLT with its headers, @DltHandler', async () => {
    const app = await KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [ShipmentListener], consumerConfig: FAST_CONSUMER, logger: testLogger });
    try {
      await app.start();
      const chain = ['shipments', 'shipments-retry-200', 'shipments-retry-400', 'shipments-retry-800', 'shipments-dlt'];
      // The topics, with the partitions asked for.
      const { topics } = await admin.fetchTopicMetadata({ topics: chain });
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(chain.map((name) => [name, 2]).sort());
      // One container per link, ids and groups suffixed like the topics.
      expect(app.registry.getListenerContainerIds()).toEqual(chain.map((name) => name));
      expect(app.listenerContainer('shipments-retry-400').groupId).toBe('shipping-retry-400');
      expect(app.get(RetryTopicConfigurer).destinationTopicResolver.getDltFor('shipments', 'shipments')?.destinationName).toBe('shipments-dlt');

      const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
      const sent = await template.send('shipments', 0, 'order-1', 'widget');
      await waitFor(() => shipments.deliveries.of('widget').length === 3, { what: 'third attempt', timeoutMs: 15_000 });
      // The record now waits in shipments-retry-800, partition 0, paused until it is due.
      const retry800 = app.listenerContainer('shipments-retry-800') as ConcurrentMessageListenerContainer;
      const child = retry800.containers[0] as KafkaMessageListenerContainer;
      await waitFor(() => child.isPartitionBackingOff({ topic: 'shipments-retry-800', partition: 0 }), { what: 'partition 0 paused' });
      expect(child.isPartitionBackingOff({ topic: 'shipments-retry-800', partition: 1 })).toBe(false);
      // Partition 1 of the same retry topic keeps flowing meanwhile.
      await template.send('shipments-retry-800', 1, 'probe', 'probe');
      await waitFor(() => shipments.deliveries.of('probe').length === 1, { what: 'probe on the other partition' });
      await waitFor(() => shipments.dlt.length === 1, { what: 'DLT handler', timeoutMs: 15_000 });

      const widget = shipments.deliveries.of('widget');
      expect(widget.map((_, i) => shipments.topics.get(`widget#${i + 1}`))).toEqual(['shipments', 'shipments-retry-200', 'shipments-retry-400', 'shipments-retry-800']);
      const gaps = widget.slice(1).map((d, i) => d.at - widget[i]!.at);
      expect(gaps[0]).toBeGreaterThanOrEqual(200);
      expect(gaps[1]).toBeGreaterThanOrEqual(400);
      expect(gaps[2]).toBeGreaterThanOrEqual(800);
      expect(widget[3]!.at - widget[0]!.at).toBeLessThan(15_000);
      expect(shipments.deliveries.of('probe')[0]!.at).toBeLessThan(widget[3]!.at);

      expect(shipments.dlt[0]).toMatchObject({ value: 'widget', originalTopic: 'shipments', attempts: 5 });
      expect(shipments.dlt[0]!.exceptionMessage).toContain('no stock for widget');
      const [dead] = await readTopic(kafka, 'shipments-dlt', 1);
      expect(dead!.partition).toBe(0);
      expect(dead!.key!.toString()).toBe('order-1');
      // The first "original" set survives; the last exception wins.
      expect(headerText(dead!, KafkaHeaders.ORIGINAL_TOPIC)).toBe('shipments');
      expect(dead!.headers.headers(KafkaHeaders.ORIGINAL_TOPIC)).toHaveLength(1);
      expect(header(dead!, KafkaHeaders.ORIGINAL_PARTITION)!.readInt32BE(0)).toBe(0);
      expect(header(dead!, KafkaHeaders.ORIGINAL_OFFSET)!.readBigInt64BE(0)).toBe(BigInt(sent.recordMetadata.offset));
      expect(header(dead!, KafkaHeaders.ORIGINAL_TIMESTAMP)!.readBigInt64BE(0)).toBe(BigInt(sent.recordMetadata.timestamp));
      expect(headerText(dead!, KafkaHeaders.ORIGINAL_TIMESTAMP_TYPE)).toBe('CreateTime');
      expect(headerText(dead!, KafkaHeaders.ORIGINAL_CONSUMER_GROUP)).toBe('shipping');
      expect(headerText(dead!, KafkaHeaders.EXCEPTION_FQCN)).toBe('ListenerExecutionFailedException');
      expect(headerText(dead!, KafkaHeaders.EXCEPTION_CAUSE_FQCN)).toBe('InventoryUnavailable');
      expect(dead!.headers.headers(KafkaHeaders.EXCEPTION_FQCN)).toHaveLength(1);
      expect(dead!.headers.headers(RetryTopicHeaders.DEFAULT_HEADER_ATTEMPTS).map((h) => h.value!.readInt32BE(0))).toEqual([2, 3, 4, 5]);
      const originals = dead!.headers.headers(RetryTopicHeaders.DEFAULT_HEADER_ORIGINAL_TIMESTAMP).map((h) => readBigInteger(h.value));
      expect(new Set(originals)).toEqual(new Set([sent.recordMetadata.timestamp]));
      const dueTimes = dead!.headers.headers(RetryTopicHeaders.DEFAULT_HEADER_BACKOFF_TIMESTAMP).map((h) => readBigInteger(h.value)!);
      expect(dueTimes).toHaveLength(4);
      // Each attempt came at or after the due time its predecessor wrote.
      for (let i = 0; i < 3; i++) expect(widget[i + 1]!.at).toBeGreaterThanOrEqual(dueTimes[i]!);
      // Main and every retry container committed past the record.
      await waitFor(async () => (await probe.committed('shipping-retry-800', 'shipments-retry-800')).get(0) === 1, { what: 'retry-800 committed' });
      expect((await probe.committed('shipping', 'shipments')).get(0)).toBe(1);
    } finally {
      await app.stop();
    }
  });
});

const strategies = { failOnError: [] as string[], alwaysRetry: [] as string[], noDlt: new Deliveries(), classLevel: [] as string[], classLevelDlt: [] as string[] };

@injectable()
class FailOnErrorListener {
  @RetryableTopic({ attempts: 2, backoff: { delay: 100 }, dltStrategy: DltStrategy.FAIL_ON_ERROR })
  @KafkaListener({ id: 'fail-on-error', topics: ['fail-on-error'], groupId: 'fail-on-error' })
  listen(record: ConsumerRecord<string, string>) {
    throw new Error(`rejected ${record.value}`);
  }

  @DltHandler()
  dlt(record: ConsumerRecord<string, string>) {
    strategies.failOnError.push(String(record.value));
    throw new Error('the DLT handler fails too');
  }
}

@injectable()
class AlwaysRetryListener {
  @RetryableTopic({ attempts: 2, backoff: { delay: 100 } })
  @KafkaListener({ id: 'always-retry', topics: ['always-retry'], groupId: 'always-retry' })
  listen(record: ConsumerRecord<string, string>) {
    throw new Error(`rejected ${record.value}`);
  }

  @DltHandler()
  dlt(record: ConsumerRecord<string, string>) {
    strategies.alwaysRetry.push(String(record.value));
    if (strategies.alwaysRetry.length === 1) throw new Error('the DLT handler fails once');
  }
}

@injectable()
class NoDltListener {
  @RetryableTopic({ attempts: 2, backoff: { delay: 100 }, dltStrategy: DltStrategy.NO_DLT })
  @KafkaListener({ id: 'no-dlt', topics: ['no-dlt'], groupId: 'no-dlt' })
  listen(record: ConsumerRecord<string, string>) {
    strategies.noDlt.add(record);
    throw new Error(`rejected ${record.value}`);
  }
}

@injectable()
@RetryableTopic({ attempts: 2, backoff: { delay: 50 } })
@KafkaListener({ id: 'class-level', topics: ['class-level'], groupId: 'class-level' })
class ClassLevelListener {
  @KafkaHandler({ isDefault: true })
  handle(value: string, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string) {
    strategies.classLevel.push(`${value} on ${topic}`);
    throw new Error(`rejected ${value}`);
  }

  @DltHandler()
  dlt(record: ConsumerRecord<string, string>) {
    strategies.classLevelDlt.push(String(record.value));
  }
}

describe('DLT strategies', () => {
  test('FAIL_ON_ERROR gives up when the DLT handler fails; ALWAYS_RETRY_ON_ERROR publishes to the DLT again; NO_DLT has no DLT and drops the record after the last attempt; a class-level listener', async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [FailOnErrorListener, AlwaysRetryListener, NoDltListener, ClassLevelListener],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
    });
    try {
      await app.start();
      expect(app.registry.getListenerContainerIds()).toEqual([
        'fail-on-error', 'fail-on-error-retry', 'fail-on-error-dlt',
        'always-retry', 'always-retry-retry', 'always-retry-dlt',
        'no-dlt', 'no-dlt-retry',
        'class-level', 'class-level-retry', 'class-level-dlt',
      ]);
      const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
      await template.send('fail-on-error', 'k', 'f1');
      await template.send('always-retry', 'k', 'a1');
      await template.send('no-dlt', 'k', 'n1');
      await template.send('class-level', 'k', 'c1');

      await waitFor(async () => (await probe.committedAt('fail-on-error-dlt', 'fail-on-error-dlt')) === 1, { what: 'FAIL_ON_ERROR DLT committed', timeoutMs: 15_000 });
      await waitFor(async () => (await probe.committedAt('always-retry-dlt', 'always-retry-dlt')) === 2, { what: 'ALWAYS_RETRY DLT committed twice', timeoutMs: 15_000 });
      await waitFor(async () => (await probe.committedAt('no-dlt-retry', 'no-dlt-retry')) === 1, { what: 'NO_DLT retry committed', timeoutMs: 15_000 });

      expect(strategies.failOnError).toEqual(['f1']);
      expect(await readTopic(kafka, 'fail-on-error-dlt', 1)).toHaveLength(1);
      expect(strategies.alwaysRetry).toEqual(['a1', 'a1']);
      const republished = await readTopic(kafka, 'always-retry-dlt', 2);
      expect(republished.map((r) => r.value!.toString())).toEqual(['a1', 'a1']);
      expect(headerText(republished[1]!, KafkaHeaders.EXCEPTION_MESSAGE)).toContain('the DLT handler fails once');

      expect(strategies.noDlt.values()).toEqual(['n1', 'n1']);
      // @RetryableTopic on a class-level @KafkaListener.
      await waitFor(() => strategies.classLevelDlt.length === 1, { what: 'class-level DLT handler', timeoutMs: 15_000 });
      expect(strategies.classLevel).toEqual(['c1 on class-level', 'c1 on class-level-retry']);
      expect(strategies.classLevelDlt).toEqual(['c1']);
      expect(await admin.listTopics()).not.toContain('no-dlt-dlt');
    } finally {
      await app.stop();
    }
  });
});

const batches = { sizes: [] as number[], processed: [] as string[], bad: new Deliveries(), dlt: [] as string[] };

@injectable()
class BatchShipmentListener {
  @RetryableTopic({ attempts: 3, backoff: { delay: 200 } })
  @KafkaListener({ id: 'batch-shipments', topics: ['batch-shipments'], groupId: 'batch-shipping', batch: true })
  onBatch(records: ConsumerRecords<string, string>) {
    batches.sizes.push(records.length);
    for (const [index, record] of records.entries()) {
      if (record.value?.startsWith('bad')) {
        batches.bad.add(record);
        throw new BatchListenerFailedException(`cannot ship ${record.value}`, index, { cause: new InventoryUnavailable(String(record.value)) });
      }
      batches.processed.push(String(record.value));
    }
  }

  @DltHandler()
  onDead(record: ConsumerRecord<string, string>) {
    batches.dlt.push(String(record.value));
  }
}

describe('@RetryableTopic with a batch listener', () => {
  test('the failed record of a batch goes through the retry topic on time and to the DLT; the others are processed once', async () => {
    const app = await KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [BatchShipmentListener], consumerConfig: FAST_CONSUMER, logger: testLogger });
    try {
      await app.start();
      expect(app.registry.getListenerContainerIds()).toEqual(['batch-shipments', 'batch-shipments-retry', 'batch-shipments-dlt']);
      const producer = await app.get(KafkaTemplate).execute((p) => p);
      await producer.send({ topic: 'batch-shipments', messages: ['s1', 's2', 'bad-1', 's3', 's4'].map((value) => ({ key: 'k', value })) });
      await waitFor(() => batches.dlt.length === 1, { what: 'DLT handler', timeoutMs: 15_000 });

      expect(batches.sizes[0]).toBeGreaterThan(1);
      expect(batches.processed).toEqual(['s1', 's2', 's3', 's4']);
      const bad = batches.bad.of('bad-1');
      expect(bad).toHaveLength(3);
      expect(bad[1]!.at - bad[0]!.at).toBeGreaterThanOrEqual(200);
      expect(bad[2]!.at - bad[1]!.at).toBeGreaterThanOrEqual(200);
      expect(batches.dlt).toEqual(['bad-1']);
      const [dead] = await readTopic(kafka, 'batch-shipments-dlt', 1);
      expect(headerText(dead!, KafkaHeaders.EXCEPTION_CAUSE_FQCN)).toBe('InventoryUnavailable');
      expect(header(dead!, KafkaHeaders.ORIGINAL_OFFSET)!.readBigInt64BE(0)).toBe(2n);
      await waitFor(async () => (await probe.committedAt('batch-shipping', 'batch-shipments')) === 5, { what: 'main topic committed' });
    } finally {
      await app.stop();
    }
  });
});
