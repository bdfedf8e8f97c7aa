import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import type { TransactionMarkerChannel } from '../../../src/broker/coordinator/transaction/transaction-marker-channel.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { rawFetch } from './support/helpers.js';
import { batch, initProducerId, produce } from './support/raw-producer.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// The transaction APIs request by request: the error codes of each state and version,
// epoch bumps and fencing (KIP-98, KIP-360, KIP-890), partition verification of
// transactional writes, CONCURRENT_TRANSACTIONS while markers are written, and pending
// transactional offsets.

let kafka: EmbeddedKafka;
let raw: KafkaConnection;
const topic = 'proto-txn';

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent'), config: { 'transaction.max.timeout.ms': 300_000 } });
  raw = await connectWire(kafka.bootstrapServers[0]!);
  kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 3, replicationFactor: 1 });
});
afterAll(async () => {
  raw?.close();
  await kafka?.stop();
});

function addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: Array<[string, number]>, version = 1) {
  const byTopic = new Map<string, number[]>();
  for (const [t, p] of partitions) byTopic.set(t, [...(byTopic.get(t) ?? []), p]);
  return raw
    .request(ApiKeys.AddPartitionsToTxn, version, {
      v3AndBelowTransactionalId: transactionalId,
      v3AndBelowProducerId: producerId,
      v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })),
    })
    .then((r) => r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => [t.name, p.partitionIndex, p.partitionErrorCode])));
}

const endTxn = (transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 1) =>
  raw.request(ApiKeys.EndTxn, version, { transactionalId, producerId, producerEpoch, committed });

describe('InitProducerId', () => {
  it('bumps the epoch for each new producer of a transactional id and validates the request', async () => {
    const first = await initProducerId(raw, { transactionalId: 'proto-init' });
    const second = await initProducerId(raw, { transactionalId: 'proto-init' });
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
    expect((await initProducerId(raw, { transactionalId: 'proto-init', timeoutMs: 300_001 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await initProducerId(raw, { transactionalId: 'proto-init', timeoutMs: 0 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await initProducerId(raw, { transactionalId: '' })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    // Flexible versions, and FindCoordinator's batched form for transactional ids.
    expect((await initProducerId(raw, { transactionalId: 'proto-init', version: 4 })).producerEpoch).toBe(2);
    const found = await raw.request(ApiKeys.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['proto-init', 'other'] });
    expect(found.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([['proto-init', 0, 0], ['other', 0, 0]]);
  });

  it('KIP-360: a producer naming its id and epoch gets the next epoch; a replaced one is fenced', async () => {
    const id = 'proto-kip360';
    const init = await initProducerId(raw, { transactionalId: id, version: 4 });
    const resumed = await initProducerId(raw, { transactionalId: id, version: 4, producerId: init.producerId, producerEpoch: init.producerEpoch });
    expect(resumed).toMatchObject({ errorCode: ErrorCode.NONE, producerId: init.producerId, producerEpoch: init.producerEpoch + 1 });
    // The same request again (its response was lost): the same epoch again, not another bump.
    const retried = await initProducerId(raw, { transactionalId: id, version: 4, producerId: init.producerId, producerEpoch: init.producerEpoch });
    expect(retried).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: init.producerEpoch + 1 });
    // A new producer (no id given) takes over: the old one's epoch no longer counts.
    await initProducerId(raw, { transactionalId: id, version: 4 });
    expect((await initProducerId(raw, { transactionalId: id, version: 4, producerId: init.producerId, producerEpoch: resumed.producerEpoch })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await initProducerId(raw, { transactionalId: id, version: 3, producerId: init.producerId, producerEpoch: resumed.producerEpoch })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await initProducerId(raw, { transactionalId: id, version: 4, producerId: init.producerId + 1000n, producerEpoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await initProducerId(raw, { transactionalId: id, version: 4, producerId: init.producerId, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('AddPartitionsToTxn, Produce and EndTxn', () => {
  it('answer producer, epoch, partition and state errors as Kafka does', async () => {
    const id = 'proto-errors';
    const { producerId, producerEpoch } = await initProducerId(raw, { transactionalId: id });
    expect(await addPartitions(id, producerId + 1n, producerEpoch, [[topic, 0]])).toEqual([[topic, 0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    expect(await addPartitions('proto-nobody', producerId, producerEpoch, [[topic, 0]])).toEqual([[topic, 0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    expect(await addPartitions(id, producerId, producerEpoch + 1, [[topic, 0]])).toEqual([[topic, 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);
    expect(await addPartitions(id, producerId, producerEpoch + 1, [[topic, 0]], 2)).toEqual([[topic, 0, ErrorCode.PRODUCER_FENCED]]);
    expect(await addPartitions(id, producerId, producerEpoch, [[topic, 0], [topic, 9], ['proto-missing', 0]])).toEqual([
      [topic, 0, ErrorCode.OPERATION_NOT_ATTEMPTED],
      [topic, 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['proto-missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect((await endTxn(id, producerId, producerEpoch, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);

    expect(await addPartitions(id, producerId, producerEpoch, [[topic, 0]], 3)).toEqual([[topic, 0, ErrorCode.NONE]]);
    const producer = { producerId, producerEpoch };
    // Transactional records need the transactional id, and a partition of the transaction.
    expect((await produce(raw, topic, 0, batch(producer, 0, ['x'], true))).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await produce(raw, topic, 1, batch(producer, 0, ['x'], true), id)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await produce(raw, topic, 0, batch(producer, 0, ['in-txn'], true), id)).toMatchObject({ errorCode: ErrorCode.NONE });

    expect((await endTxn(id, producerId, producerEpoch + 1, true)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn(id, producerId, producerEpoch + 1, true, 3)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await endTxn(id, producerId, producerEpoch, true)).errorCode).toBe(ErrorCode.NONE);
    // A retried commit succeeds again; an abort of the committed transaction does not.
    expect((await endTxn(id, producerId, producerEpoch, true)).errorCode).toBe(ErrorCode.NONE);
    expect((await endTxn(id, producerId, producerEpoch, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // The transaction is over: a late write of it is refused instead of opening a new one.
    expect((await produce(raw, topic, 0, batch(producer, 1, ['late'], true), id)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('v4+ batches transactions and verifies partitions without adding them', async () => {
    const a = await initProducerId(raw, { transactionalId: 'proto-batch-a' });
    const b = await initProducerId(raw, { transactionalId: 'proto-batch-b' });
    const request = (verifyOnly: boolean) =>
      raw.request(ApiKeys.AddPartitionsToTxn, 4, {
        transactions: [
          { transactionalId: 'proto-batch-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly, topics: [{ name: topic, partitions: [0, 1] }] },
          { transactionalId: 'proto-batch-b', producerId: b.producerId, producerEpoch: b.producerEpoch + 5, verifyOnly, topics: [{ name: topic, partitions: [2] }] },
        ],
      });
    const codes = (r: Awaited<ReturnType<typeof request>>) => r.resultsByTransaction.map((t) => [t.transactionalId, t.topicResults.flatMap((x) => x.resultsByPartition.map((p) => p.partitionErrorCode))]);
    expect(codes(await request(true))).toEqual([['proto-batch-a', [ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_TXN_STATE]], ['proto-batch-b', [ErrorCode.PRODUCER_FENCED]]]);
    expect(codes(await request(false))).toEqual([['proto-batch-a', [0, 0]], ['proto-batch-b', [ErrorCode.PRODUCER_FENCED]]]);
    expect(codes(await request(true))[0]).toEqual(['proto-batch-a', [0, 0]]);
    expect(kafka.broker().instance.transactionCoordinator.describeTransactions(['proto-batch-a'])[0]!.topics).toEqual([{ topic, partitions: [0, 1] }]);
  });

  it('answers CONCURRENT_TRANSACTIONS while the markers of the previous transaction are being written', async () => {
    const id = 'proto-concurrent';
    const coordinator = kafka.broker().instance.transactionCoordinator;
    const original = coordinator.markerChannel;
    const held: Array<() => void> = [];
    const holding: TransactionMarkerChannel = { send: (request) => new Promise((resolve) => held.push(() => resolve(kafka.broker().instance.transactionCoordinator.writeTxnMarkers(request)))) };
    coordinator.markerChannel = holding;
    try {
      const { producerId, producerEpoch } = await initProducerId(raw, { transactionalId: id });
      await addPartitions(id, producerId, producerEpoch, [[topic, 2]]);
      await produce(raw, topic, 2, batch({ producerId, producerEpoch }, 0, ['held'], true), id);
      expect((await endTxn(id, producerId, producerEpoch, true)).errorCode).toBe(ErrorCode.NONE);
      expect(coordinator.describeTransactions([id])[0]!.state).toBe('PrepareCommit');
      expect(await addPartitions(id, producerId, producerEpoch, [[topic, 2]])).toEqual([[topic, 2, ErrorCode.CONCURRENT_TRANSACTIONS]]);
      expect((await endTxn(id, producerId, producerEpoch, true)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      expect((await endTxn(id, producerId, producerEpoch, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
      expect((await initProducerId(raw, { transactionalId: id })).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      // Until the marker is there, read_committed readers stop before the transaction.
      const partition = kafka.broker().instance.replicaManager.partition(topic, 2)!;
      const first = partition.logEndOffset - 1;
      expect(partition.lastStableOffset).toBe(first);

      for (const release of held.splice(0)) release();
      await new Promise((r) => setImmediate(r));
      expect(coordinator.describeTransactions([id])[0]!.state).toBe('CompleteCommit');
      expect(partition.lastStableOffset).toBe(partition.logEndOffset);
      expect(await addPartitions(id, producerId, producerEpoch, [[topic, 2]])).toEqual([[topic, 2, ErrorCode.NONE]]);
    } finally {
      coordinator.markerChannel = original;
    }
  });

  it('EndTxn v5 (KIP-890) bumps the epoch with every transaction and fences the previous one', async () => {
    const id = 'proto-kip890';
    const init = await initProducerId(raw, { transactionalId: id, version: 5 });
    await addPartitions(id, init.producerId, init.producerEpoch, [[topic, 1]], 3);
    await produce(raw, topic, 1, batch(init, 0, ['e0'], true), id);
    const ended = await endTxn(id, init.producerId, init.producerEpoch, true, 5);
    expect(ended).toMatchObject({ errorCode: ErrorCode.NONE, producerId: init.producerId, producerEpoch: init.producerEpoch + 1 });
    // A retry with the old epoch is recognised as one.
    expect(await endTxn(id, init.producerId, init.producerEpoch, true, 5)).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: init.producerEpoch + 1 });
    // The old epoch cannot start another transaction; the new one starts its sequence at 0.
    expect(await addPartitions(id, init.producerId, init.producerEpoch, [[topic, 1]], 3)).toEqual([[topic, 1, ErrorCode.PRODUCER_FENCED]]);
    const next = { producerId: ended.producerId, producerEpoch: ended.producerEpoch };
    expect(await addPartitions(id, next.producerId, next.producerEpoch, [[topic, 1]], 3)).toEqual([[topic, 1, ErrorCode.NONE]]);
    expect((await produce(raw, topic, 1, batch(next, 0, ['e1'], true), id)).errorCode).toBe(ErrorCode.NONE);
    expect((await endTxn(id, next.producerId, next.producerEpoch, false, 5)).producerEpoch).toBe(next.producerEpoch + 1);
    const fetched = await rawFetch(raw, topic, 1, 0, 1);
    expect(fetched.batches.filter((b) => !b.isControl).flatMap((b) => b.values)).toEqual(['e0', 'e1']);
    expect(fetched.abortedTransactions).toHaveLength(1);
  });
});

describe('TxnOffsetCommit', () => {
  it('needs AddOffsetsToTxn, stays pending (UNSTABLE_OFFSET_COMMIT with require_stable) and shows once committed', async () => {
    const id = 'proto-offsets';
    const groupId = 'proto-offsets-group';
    const { producerId, producerEpoch } = await initProducerId(raw, { transactionalId: id });
    const commit = (offset: bigint, epoch = producerEpoch, version = 1) =>
      raw.request(ApiKeys.TxnOffsetCommit, version, {
        transactionalId: id, groupId, producerId, producerEpoch: epoch,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: 'm' }, { partitionIndex: 9, committedOffset: offset, committedMetadata: null }] }],
      }).then((r) => r.topics[0]!.partitions.map((p) => p.errorCode));
    const fetch = (requireStable: boolean) =>
      raw.request(ApiKeys.OffsetFetch, 7, { groupId, topics: [{ name: topic, partitionIndexes: [0] }], requireStable }).then((r) => r.topics[0]!.partitions[0]!);

    expect(await commit(11n)).toEqual([ErrorCode.INVALID_TXN_STATE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const added = await raw.request(ApiKeys.AddOffsetsToTxn, 1, { transactionalId: id, producerId, producerEpoch, groupId });
    expect(added.errorCode).toBe(ErrorCode.NONE);
    expect(await commit(11n, producerEpoch + 1)).toEqual([ErrorCode.INVALID_TXN_STATE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await commit(11n)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

    expect(await fetch(true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n });
    expect(await fetch(false)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: -1n });
    expect((await endTxn(id, producerId, producerEpoch, true)).errorCode).toBe(ErrorCode.NONE);
    expect(await fetch(true)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 11n, metadata: 'm' });
  });
});
