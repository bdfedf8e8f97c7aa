/**
 * KafkaTemplate.executeInTransaction against the embedded broker: commits on success, aborts
 * on throw (read_committed readers never see aborted records, read_uncommitted ones do),
 * refuses nesting, and a transactional template refuses sends outside a transaction.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { DefaultKafkaProducerFactory, KafkaProducerException, KafkaTemplate, KafkaTransactionManager } from '../../../src/index.js';
import { BrokerProbe, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';
import { readTopic, values } from './tx-harness.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let factory: DefaultKafkaProducerFactory;
let template: KafkaTemplate<string, string>;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), transactionIdPrefix: unique('tpl-tx-'), logger: testLogger });
  template = new KafkaTemplate(factory, { logger: testLogger });
});

afterAll(async () => {
  await factory?.close();
  await probe?.close();
  await kafka?.stop();
});

async function newTopic(partitions = 1): Promise<string> {
  const topic = unique('tx-topic');
  await probe.createTopic(topic, partitions);
  return topic;
}

describe('executeInTransaction', () => {
  test('commits the sends of a callback that resolves (awaited or not)', async () => {
    const topic = await newTopic();
    const result = await template.executeInTransaction(async (t) => {
      expect(t.inTransaction()).toBe(true);
      await t.send(topic, 'k', 'one');
      void t.send(topic, 'k', 'two'); // not awaited: still part of the transaction
      return 'done';
    });
    expect(result).toBe('done');
    expect(template.inTransaction()).toBe(false);
    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 2 });
    expect(values(read)).toEqual(['one', 'two']);
  });

  test('aborts the sends of a callback that throws: read_committed skips them, read_uncommitted sees them', async () => {
    const topic = await newTopic();
    const failure = new Error('business failure');
    await expect(
      template.executeInTransaction(async (t) => {
        await t.send(topic, 'k', 'aborted-1');
        await t.send(topic, 'k', 'aborted-2');
        throw failure;
      }),
    ).rejects.toBe(failure);
    await template.executeInTransaction((t) => t.send(topic, 'k', 'committed'));

    const committed = await readTopic(kafkaConfig(kafka), topic, { done: (r) => values(r).includes('committed') });
    expect(values(committed)).toEqual(['committed']);
    const uncommitted = await readTopic(kafkaConfig(kafka), topic, { readUncommitted: true, done: (r) => values(r).includes('committed') });
    expect(values(uncommitted)).toEqual(['aborted-1', 'aborted-2', 'committed']);
  });

  test('refuses a nested executeInTransaction of the same template; the outer one still commits', async () => {
    const topic = await newTopic();
    let nestedError: unknown;
    await template.executeInTransaction(async (t) => {
      await t.send(topic, 'k', 'outer');
      nestedError = await t.executeInTransaction(() => 'never').then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect(String(nestedError)).toMatch(/Nested calls to executeInTransaction are not allowed/);
    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 1 });
    expect(values(read)).toEqual(['outer']);
  });

  test('concurrent transactions use their own producers and both commit', async () => {
    const topic = await newTopic(2);
    await Promise.all(
      [0, 1].map((partition) =>
        template.executeInTransaction(async (t) => {
          for (let i = 0; i < 5; i++) await t.send(topic, partition, `k${partition}`, `p${partition}-${i}`);
        }),
      ),
    );
    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 10 });
    for (const partition of [0, 1]) {
      expect(read.filter((r) => r.partition === partition).map((r) => r.value)).toEqual([0, 1, 2, 3, 4].map((i) => `p${partition}-${i}`));
    }
  });

  test('a transactional template refuses sends outside a transaction unless allowNonTransactional', async () => {
    const topic = await newTopic();
    await expect(template.send(topic, 'k', 'outside')).rejects.toThrow(KafkaProducerException);
    await expect(template.send(topic, 'k', 'outside')).rejects.toThrow(/No transaction is in process/);
    const lenient = new KafkaTemplate<string, string>(factory, { allowNonTransactional: true, logger: testLogger });
    await lenient.send(topic, 'k', 'plain');
    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 1 });
    expect(values(read)).toEqual(['plain']);
  });

  test('a non-transactional template cannot start a transaction', async () => {
    const plainFactory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
    const plain = new KafkaTemplate(plainFactory, { logger: testLogger });
    await expect(plain.executeInTransaction(() => undefined)).rejects.toThrow(/transactional producer factory/);
    await plainFactory.close();
  });

  test('KafkaTransactionManager transactions are joined by template sends and may run inside another transaction', async () => {
    const topic = await newTopic();
    const manager = new KafkaTransactionManager(factory, { logger: testLogger });
    await expect(
      manager.executeInTransaction(async () => {
        await template.send(topic, 'k', 'outer-aborted');
        // An independent transaction (REQUIRES_NEW): it commits although the outer one aborts.
        await manager.executeInTransaction(() => template.send(topic, 'k', 'inner-committed'));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    const read = await readTopic(kafkaConfig(kafka), topic, { done: (r) => r.length >= 1 });
    expect(values(read)).toEqual(['inner-committed']);
  });
});
