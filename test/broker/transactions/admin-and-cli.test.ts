import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { cli, killChildren } from '../../cli/cli-process.js';
import { batch, initProducerId, produce } from './support/raw-producer.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// DescribeProducers, DescribeTransactions and ListTransactions on the wire, their ranges in
// ApiVersions, and `streamwright transactions` on top of them.

let kafka: EmbeddedKafka;
let bootstrap: string;
let raw: KafkaConnection;
const topic = 'admin-txn';

/** A transaction left open: producer `pid` has written 2 records to partition 1 of `topic`. */
let openPid: bigint;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent') });
  bootstrap = kafka.bootstrapServers[0]!;
  raw = await connectWire(bootstrap);
  kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 2, replicationFactor: 1 });

  await raw.request(ApiKeys.FindCoordinator, 1, { key: 'admin-open', keyType: 1 });
  const init = await initProducerId(raw, { transactionalId: 'admin-open', timeoutMs: 120_000 });
  expect(init.errorCode).toBe(ErrorCode.NONE);
  openPid = init.producerId;
  const add = await raw.request(ApiKeys.AddPartitionsToTxn, 1, {
    v3AndBelowTransactionalId: 'admin-open', v3AndBelowProducerId: openPid, v3AndBelowProducerEpoch: init.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [1] }],
  });
  expect(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.NONE);
  const written = await produce(raw, topic, 1, batch({ producerId: openPid, producerEpoch: init.producerEpoch }, 0, ['t0', 't1'], true), 'admin-open');
  expect(written).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });

  // A finished one, and a plain idempotent producer on partition 0.
  const done = await initProducerId(raw, { transactionalId: 'admin-done' });
  await raw.request(ApiKeys.AddPartitionsToTxn, 1, { v3AndBelowTransactionalId: 'admin-done', v3AndBelowProducerId: done.producerId, v3AndBelowProducerEpoch: done.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }] });
  await produce(raw, topic, 0, batch({ producerId: done.producerId, producerEpoch: done.producerEpoch }, 0, ['d'], true), 'admin-done');
  const end = await raw.request(ApiKeys.EndTxn, 1, { transactionalId: 'admin-done', producerId: done.producerId, producerEpoch: done.producerEpoch, committed: true });
  expect(end.errorCode).toBe(ErrorCode.NONE);
  const idempotent = await initProducerId(raw);
  await produce(raw, topic, 0, batch({ producerId: idempotent.producerId, producerEpoch: 0 }, 0, ['i0', 'i1', 'i2']));
});
afterAll(async () => {
  killChildren();
  raw?.close();
  await kafka?.stop();
});

describe('admin APIs', () => {
  it('ApiVersions advertises the transaction APIs with their full version ranges', async () => {
    const versions = await raw.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    const range = (key: number) => versions.apiKeys.find((k) => k.apiKey === key);
    expect(range(ApiKeys.InitProducerId)).toMatchObject({ minVersion: 0, maxVersion: 5 });
    expect(range(ApiKeys.AddPartitionsToTxn)).toMatchObject({ minVersion: 0, maxVersion: 5 });
    expect(range(ApiKeys.AddOffsetsToTxn)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    expect(range(ApiKeys.EndTxn)).toMatchObject({ minVersion: 0, maxVersion: 5 });
    expect(range(ApiKeys.TxnOffsetCommit)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    expect(range(ApiKeys.DescribeProducers)).toMatchObject({ minVersion: 0, maxVersion: 0 });
    expect(range(ApiKeys.DescribeTransactions)).toMatchObject({ minVersion: 0, maxVersion: 0 });
    expect(range(ApiKeys.ListTransactions)).toMatchObject({ minVersion: 0, maxVersion: 1 });
  });

  it('DescribeProducers lists each partition\'s producers with their last sequence and open transaction', async () => {
    const response = await raw.request(ApiKeys.DescribeProducers, 0, { topics: [{ name: topic, partitionIndexes: [0, 1, 7] }] });
    const [p0, p1, p7] = response.topics[0]!.partitions;
    expect(p0!.errorCode).toBe(ErrorCode.NONE);
    expect(p0!.activeProducers.map((p) => [p.lastSequence, Number(p.currentTxnStartOffset)]).sort()).toEqual([[0, -1], [2, -1]]);
    expect(p1!.activeProducers).toHaveLength(1);
    expect(p1!.activeProducers[0]).toMatchObject({ producerId: openPid, producerEpoch: 0, lastSequence: 1, currentTxnStartOffset: 0n });
    expect(p7!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('DescribeTransactions and ListTransactions report state, producer and partitions', async () => {
    const described = await raw.request(ApiKeys.DescribeTransactions, 0, { transactionalIds: ['admin-open', 'admin-done', 'admin-unknown'] });
    const [open, done, unknown] = described.transactionStates;
    expect(open).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', transactionTimeoutMs: 120_000, producerId: openPid, producerEpoch: 0, topics: [{ topic, partitions: [1] }] });
    expect(open!.transactionStartTimeMs).toBeGreaterThan(0n);
    expect(done).toMatchObject({ errorCode: 0, transactionState: 'CompleteCommit', topics: [] });
    expect(unknown!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);

    const all = await raw.request(ApiKeys.ListTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1n });
    expect(all.transactionStates.map((t) => [t.transactionalId, t.transactionState])).toEqual([['admin-done', 'CompleteCommit'], ['admin-open', 'Ongoing']]);
    const ongoing = await raw.request(ApiKeys.ListTransactions, 0, { stateFilters: ['Ongoing', 'NoSuchState'], producerIdFilters: [] });
    expect(ongoing.transactionStates.map((t) => t.transactionalId)).toEqual(['admin-open']);
    expect(ongoing.unknownStateFilters).toEqual(['NoSuchState']);
    const byProducer = await raw.request(ApiKeys.ListTransactions, 0, { stateFilters: [], producerIdFilters: [openPid] });
    expect(byProducer.transactionStates.map((t) => t.transactionalId)).toEqual(['admin-open']);
  });
});

describe('streamwright transactions', () => {
  it('--list prints every transactional id with its coordinator, producer id and state', async () => {
    const result = await cli(['transactions', '--bootstrap-server', bootstrap, '--list']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => l.split('\t').map((c) => c.trim()));
    expect(lines[0]).toEqual(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
    expect(lines.slice(1)).toEqual([
      ['admin-done', '0', expect.any(String), 'CompleteCommit'],
      ['admin-open', '0', String(openPid), 'Ongoing'],
    ]);
  });

  it('--describe prints the transaction; an unknown id is an error', async () => {
    const result = await cli(['transactions', '--bootstrap-server', bootstrap, '--describe', '--transactional-id', 'admin-open']);
    expect(result.code, result.stderr).toBe(0);
    const [header, row] = result.stdout.trim().split('\n').map((l) => l.split('\t').map((c) => c.trim()));
    const fields = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
    expect(fields).toMatchObject({ CoordinatorId: '0', TransactionalId: 'admin-open', ProducerId: String(openPid), ProducerEpoch: '0', TransactionState: 'Ongoing', TransactionTimeoutMs: '120000', TopicPartitions: `${topic}-1` });
    expect(Number(fields.CurrentTransactionStartTimeMs)).toBeGreaterThan(0);

    const missing = await cli(['transactions', '--bootstrap-server', bootstrap, '--describe', '--transactional-id', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TRANSACTIONAL_ID_NOT_FOUND');
  });

  it('--describe-producers prints a partition\'s producers; bad flags are usage errors', async () => {
    const result = await cli(['transactions', '--bootstrap-server', bootstrap, '--describe-producers', '--topic', topic, '--partition', '1']);
    expect(result.code, result.stderr).toBe(0);
    const [header, row] = result.stdout.trim().split('\n').map((l) => l.split('\t').map((c) => c.trim()));
    expect(header).toEqual(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset']);
    expect(row).toEqual([String(openPid), '0', '-1', '1', expect.any(String), '0']);

    const usage = await cli(['transactions', '--bootstrap-server', bootstrap, '--describe']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--describe needs --transactional-id');
  });
});
