/** Unit checks of the transaction wiring that need no broker. */
import { describe, expect, test } from 'vitest';
import { ContainerTransactionSupport } from '../../../src/framework/transaction/container-transaction-support.js';
import { isFencingError, TransactionalMessageListener } from '../../../src/framework/transaction/transactional-message-listener.js';
import type { ContainerConsumer } from '../../../src/framework/listener/container-consumer.js';
import type { ConsumerRecord } from '../../../src/framework/support/consumer-record.js';
import { ContainerProperties, DefaultAfterRollbackProcessor, DefaultKafkaProducerFactory, KafkaTransactionManager, containerTransactionSuffix } from '../../../src/index.js';
import { testLogger } from '../support/framework-harness.js';

const manager = new KafkaTransactionManager(new DefaultKafkaProducerFactory({ transactionIdPrefix: 'tx-', logger: testLogger }));

describe('read_committed for transactional containers', () => {
  test('object overrides get isolationLevel read_committed unless they name one', () => {
    expect(ContainerTransactionSupport.consumerOverrides({ transactionManager: manager, kafkaConsumerProperties: { sessionTimeout: 7000 } })).toEqual({ sessionTimeout: 7000, isolationLevel: 'read_committed' });
    expect(ContainerTransactionSupport.consumerOverrides({ transactionManager: manager, kafkaConsumerProperties: { isolationLevel: 'read_uncommitted' } })).toEqual({ isolationLevel: 'read_uncommitted' });
    expect(ContainerTransactionSupport.consumerOverrides({ transactionManager: manager, kafkaConsumerProperties: { readUncommitted: true } })).toEqual({ readUncommitted: true });
  });

  test("Kafka property strings get 'isolation.level=read_committed' unless they name one", () => {
    expect(ContainerTransactionSupport.consumerOverrides({ transactionManager: manager, kafkaConsumerProperties: ['session.timeout.ms=7000'] })).toEqual(['session.timeout.ms=7000', 'isolation.level=read_committed']);
    expect(ContainerTransactionSupport.consumerOverrides({ transactionManager: manager, kafkaConsumerProperties: ['isolation.level=read_uncommitted'] })).toEqual(['isolation.level=read_uncommitted']);
  });

  test('non-transactional containers keep their overrides and error handler', () => {
    const overrides = { sessionTimeout: 7000 };
    expect(ContainerTransactionSupport.consumerOverrides({ kafkaConsumerProperties: overrides })).toBe(overrides);
    expect(ContainerTransactionSupport.errorHandler({ kafkaConsumerProperties: {} }, testLogger)).toBeUndefined();
  });
});

describe('container properties and ids', () => {
  test('transactionManager and afterRollbackProcessor survive ContainerProperties.with()', () => {
    const processor = new DefaultAfterRollbackProcessor({ logger: testLogger });
    const props = new ContainerProperties({ transactionManager: manager, afterRollbackProcessor: processor }).with({ groupId: 'g' });
    expect(props.transactionManager).toBe(manager);
    expect(props.afterRollbackProcessor).toBe(processor);
  });

  test('a container transaction id names group, topic and partition', () => {
    expect(containerTransactionSuffix('billing', { topic: 'orders', partition: 3 })).toBe('billing.orders.3');
  });

  test('the processor commits the recovered offset in its own transaction, never through the container', () => {
    expect(new DefaultAfterRollbackProcessor({ commitRecovered: true, logger: testLogger }).isCommitRecovered()).toBe(false);
    expect(new DefaultAfterRollbackProcessor({ commitRecovered: true, logger: testLogger }).commitRecoveredOffsets).toBe(true);
  });
});

describe('fencing', () => {
  test('after a fencing error the next attempt heartbeats first, so a zombie leaves instead of fencing the new owner', async () => {
    const calls: string[] = [];
    const fencedError = Object.assign(new Error('There is a newer producer with the same transactionalId which fences the current one'), { type: 'PRODUCER_FENCED' });
    const fakeManager = {
      isInDoubt: () => false,
      clearInDoubt: () => undefined,
      // The partition's first record: its id is initialized (fencing the previous owner) and verified.
      initializeAfresh: async (suffix: string) => {
        calls.push(`init ${suffix}`);
      },
      executeInContainerTransaction: async (suffix: string) => {
        calls.push(`tx ${suffix}`);
        throw new Error('commit failed', { cause: fencedError });
      },
    } as unknown as KafkaTransactionManager;
    const rebalance = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const consumer = {
      groupId: 'g',
      committed: async () => undefined,
      heartbeat: async () => {
        calls.push('heartbeat');
        throw rebalance;
      },
    } as unknown as ContainerConsumer;
    const listener = TransactionalMessageListener.wrap({ onMessage: () => undefined }, fakeManager);
    const record = { topic: 't', partition: 0, offset: 5 } as ConsumerRecord;
    await expect(Promise.resolve(listener.onMessage(record as never, undefined as never, consumer))).rejects.toThrow('commit failed');
    await expect(Promise.resolve(listener.onMessage(record as never, undefined as never, consumer))).rejects.toBe(rebalance);
    // The zombie learns of the rebalance from its heartbeat and never initializes the id again.
    expect(calls).toEqual(['init g.t.0', 'tx g.t.0', 'heartbeat']);
  });

  test('isFencingError looks through causes', () => {
    expect(isFencingError(new Error('x', { cause: { type: 'INVALID_PRODUCER_EPOCH' } }))).toBe(true);
    expect(isFencingError(new Error('business failure'))).toBe(false);
  });
});
