/**
 * TransactionCoordinator built from fakes of its collaborators (coordinator-fakes.ts), with
 * the group coordinator's side of transactional offsets as a recording fake and a request
 * channel that reaches nobody: a transaction commits through the coordinator runtime, the
 * acks=-1 write and the marker writer; KIP-890's guard judges writes; an unacknowledged write
 * keeps the id busy; a leadership move unloads the ids and a new one loads them back.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ControlRecordType, decodeRecordBatchesSync, transactionMarkerOf } from '../../../src/protocol/records/index.js';
import type { GroupTxnOffsets } from '../../../src/broker/coordinator/transaction/group-txn-offsets.js';
import type { BrokerRequestChannel } from '../../../src/broker/coordinator/transaction/inter-broker-connections.js';
import { TransactionCoordinator } from '../../../src/broker/coordinator/transaction/transaction-coordinator.js';
import { FakeBroker } from './coordinator-fakes.js';

const STATE = '__transaction_state';
const OFFSETS = '__consumer_offsets';
const ID = 'unit-tx';
const coordinators: TransactionCoordinator[] = [];
afterEach(() => {
  for (const coordinator of coordinators.splice(0)) coordinator.shutdown();
});

function build() {
  const broker = new FakeBroker({ 'transaction.state.log.num.partitions': 2, 'offsets.topic.num.partitions': 4 });
  broker.createTopic({ name: 'orders', numPartitions: 2, replicationFactor: 1, configs: {} });
  broker.createTopic({ name: OFFSETS, numPartitions: 4, replicationFactor: 1, configs: {} });
  const completed: Array<[number, number, boolean]> = [];
  const groupOffsets: GroupTxnOffsets = {
    transactionalOffsetsPartition: () => 3,
    onTransactionCompleted: (producerId, partition, commit) => completed.push([producerId, partition, commit]),
  };
  const nobody: BrokerRequestChannel = {
    request: () => Promise.reject(new Error('no other broker in this test')),
    close: () => {},
  };
  let nextBlock = 1000;
  const coordinator = new TransactionCoordinator({
    ...broker.deps,
    allocateProducerIdBlock: (size) => (nextBlock += size) - size,
    connections: nobody,
    groupOffsets,
  });
  coordinators.push(coordinator);
  coordinator.startup();
  return { broker, coordinator, completed };
}

const init = (coordinator: TransactionCoordinator) => coordinator.initProducerId({ transactionalId: ID, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
const describeId = (coordinator: TransactionCoordinator) => coordinator.describeTransactions([ID])[0]!;

describe('TransactionCoordinator with fake collaborators', () => {
  it('creates __transaction_state on first use with the one replication-factor rule and its min.isr capped by it', async () => {
    const { broker, coordinator } = build();
    expect(await init(coordinator)).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
    const created = broker.created.find((t) => t.name === STATE)!;
    expect(created.replicationFactor).toBe(1);
    expect(created.numPartitions).toBe(2);
    expect(created.configs['min.insync.replicas']).toBe('1');
    expect(coordinator.findCoordinator(ID)).toEqual({ errorCode: ErrorCode.NONE, nodeId: 0 });
    // The state change went to the id's partition with the acks=-1 write.
    expect(broker.fakePartition(STATE, coordinator.stateManager.partitionFor(ID)).batches).toHaveLength(1);
  });

  it('commits a transaction: markers to every partition, the group told of its offsets, CompleteCommit', async () => {
    const { broker, coordinator, completed } = build();
    const { producerId, producerEpoch } = await init(coordinator);
    expect(await coordinator.addPartitionsToTransaction(ID, producerId, producerEpoch, [{ topic: 'orders', partition: 1 }])).toBe(ErrorCode.NONE);
    expect(await coordinator.addOffsetsToTransaction(ID, producerId, producerEpoch, 'group-1')).toBe(ErrorCode.NONE);
    expect(describeId(coordinator).topics).toEqual([{ topic: OFFSETS, partitions: [3] }, { topic: 'orders', partitions: [1] }]);
    expect((await coordinator.endTransaction(ID, producerId, producerEpoch, true, 3)).errorCode).toBe(ErrorCode.NONE);
    await vi.waitFor(() => expect(describeId(coordinator).state).toBe('CompleteCommit'));
    for (const [topic, index] of [['orders', 1], [OFFSETS, 3]] as const) {
      const [marker] = broker.fakePartition(topic, index).batches.map((b) => transactionMarkerOf(decodeRecordBatchesSync(b.bytes)[0]!));
      expect(marker?.type).toBe(ControlRecordType.Commit);
    }
    expect(completed).toEqual([[producerId, 3, true]]);
  });

  it('hands the write a verification guard: a partition of the open transaction passes, any other is refused', async () => {
    const { coordinator } = build();
    const { producerId, producerEpoch } = await init(coordinator);
    await coordinator.addPartitionsToTransaction(ID, producerId, producerEpoch, [{ topic: 'orders', partition: 0 }]);
    const writes = [{ producerId, producerEpoch, topic: 'orders', partition: 0 }];
    const verdicts = coordinator.verification.verifyThen(ID, writes, 'produce', (guard) => [
      guard.verdict(writes[0]!),
      guard.verdict({ ...writes[0]!, partition: 1 }),
      guard.verdict({ ...writes[0]!, producerEpoch: producerEpoch + 1 }),
    ]);
    expect(verdicts).toEqual([ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_TXN_STATE]);
  });

  it('keeps the id busy (CONCURRENT_TRANSACTIONS) until the ISR acknowledges its state change', async () => {
    const { broker, coordinator } = build();
    const { producerId, producerEpoch } = await init(coordinator);
    broker.holdAcks = true;
    const adding = coordinator.addPartitionsToTransaction(ID, producerId, producerEpoch, [{ topic: 'orders', partition: 0 }]);
    expect(await coordinator.addPartitionsToTransaction(ID, producerId, producerEpoch, [{ topic: 'orders', partition: 1 }])).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect(describeId(coordinator).state).toBe('Empty');
    broker.releaseAcks();
    expect(await adding).toBe(ErrorCode.NONE);
    expect(describeId(coordinator).state).toBe('Ongoing');
  });

  it('drops the ids of a partition it stops leading, and loads them from the log when it leads it again', async () => {
    const { broker, coordinator } = build();
    const { producerId, producerEpoch } = await init(coordinator);
    await coordinator.addPartitionsToTransaction(ID, producerId, producerEpoch, [{ topic: 'orders', partition: 0 }]);
    const partition = coordinator.stateManager.partitionFor(ID);
    broker.moveLeader(STATE, partition, 1);
    expect(describeId(coordinator).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    broker.moveLeader(STATE, partition, 0);
    expect(describeId(coordinator)).toMatchObject({ errorCode: ErrorCode.NONE, state: 'Ongoing', producerId, producerEpoch, topics: [{ topic: 'orders', partitions: [0] }] });
  });
});
