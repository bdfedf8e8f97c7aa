import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { consumeUntil, kafkaClient, latestOffset, rawFetch } from './support/helpers.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { waitFor } from '../../support/wait-for.js';

// kafkajs 2.2.4's transactional producer against the broker: what read_committed and
// read_uncommitted consumers see, sendOffsets, fencing by a second producer and the
// transaction timeout.

let kafka: EmbeddedKafka;
let bootstrap: string;
let raw: KafkaConnection;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    logger: consoleLogger('silent'),
    config: {
      'group.min.session.timeout.ms': 500,
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
    },
  });
  bootstrap = kafka.bootstrapServers[0]!;
  raw = await connectWire(bootstrap);
});
afterAll(async () => {
  raw?.close();
  await kafka?.stop();
});

function createTopic(name: string, numPartitions = 1): void {
  kafka.broker().instance.controller.createTopic({ name, numPartitions, replicationFactor: 1 });
}

const values = (seen: Array<{ value: string | null }>) => seen.map((s) => s.value);

describe('kafkajs transactional producer', () => {
  it('committed records reach a read_committed consumer; aborted ones only read_uncommitted, without control records', async () => {
    const topic = 'kjs-commit-abort';
    createTopic(topic);
    const client = kafkaClient(bootstrap);
    const producer = client.producer({ transactionalId: 'kjs-tx-1', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ key: 'k', value: 'c1' }, { key: 'k', value: 'c2' }] });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: 'k', value: 'a1' }, { key: 'k', value: 'a2' }] });
      await aborted.abort();

      const last = await producer.transaction();
      await last.send({ topic, messages: [{ key: 'k', value: 'c3' }] });
      await last.commit();
    } finally {
      await producer.disconnect();
    }

    // read_committed reads in order: seeing c3 proves a1/a2 (written before it) were filtered.
    const committedView = await consumeUntil(client, topic, (seen) => seen.some((s) => s.value === 'c3'));
    expect(values(committedView)).toEqual(['c1', 'c2', 'c3']);

    const uncommittedView = await consumeUntil(client, topic, (seen) => seen.some((s) => s.value === 'c3'), { readUncommitted: true });
    expect(values(uncommittedView)).toEqual(['c1', 'c2', 'a1', 'a2', 'c3']);

    // On the wire: three markers between the data, the aborted range listed for read_committed.
    const fetched = await rawFetch(raw, topic, 0, 0, 1);
    expect(fetched.batches.map((b) => (b.isControl ? 'marker' : b.values.join(',')))).toEqual(['c1,c2', 'marker', 'a1,a2', 'marker', 'c3', 'marker']);
    expect(fetched.batches.every((b) => b.isTransactional)).toBe(true);
    const abortedBatch = fetched.batches[2]!;
    expect(fetched.abortedTransactions).toEqual([{ producerId: abortedBatch.producerId, firstOffset: abortedBatch.baseOffset }]);
    expect(fetched.lastStableOffset).toBe(fetched.highWatermark);
    expect((await rawFetch(raw, topic, 0, 0, 0)).abortedTransactions).toBeNull();
  });

  it('keeps an open transaction from read_committed readers: LSO, Fetch and ListOffsets stop at its first offset', async () => {
    const topic = 'kjs-open';
    createTopic(topic);
    const client = kafkaClient(bootstrap);
    const plain = client.producer();
    await plain.connect();
    await plain.send({ topic, messages: [{ value: 'before' }] });
    const producer = client.producer({ transactionalId: 'kjs-open-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ value: 'pending' }] });
      await plain.send({ topic, messages: [{ value: 'after' }] });

      const open = await rawFetch(raw, topic, 0, 0, 1);
      expect(open.highWatermark).toBe(3);
      expect(open.lastStableOffset).toBe(1);
      expect(open.batches.flatMap((b) => b.values)).toEqual(['before']);
      expect(await latestOffset(raw, topic, 0, 1)).toBe(1);
      expect(await latestOffset(raw, topic, 0, 0)).toBe(3);
      // read_uncommitted sees everything up to the high watermark.
      expect((await rawFetch(raw, topic, 0, 0, 0)).batches.flatMap((b) => b.values)).toEqual(['before', 'pending', 'after']);

      await txn.commit();
      const done = await rawFetch(raw, topic, 0, 0, 1);
      expect(done.lastStableOffset).toBe(done.highWatermark);
      expect(done.batches.filter((b) => !b.isControl).flatMap((b) => b.values)).toEqual(['before', 'pending', 'after']);
      expect(await latestOffset(raw, topic, 0, 1)).toBe(4);
    } finally {
      await producer.disconnect();
      await plain.disconnect();
    }
  });

  it('sendOffsets commits the group offsets with the transaction, and not before', async () => {
    const input = 'kjs-offsets-in';
    const output = 'kjs-offsets-out';
    const groupId = 'kjs-offsets-group';
    createTopic(input, 2);
    createTopic(output);
    const client = kafkaClient(bootstrap);
    const producer = client.producer({ transactionalId: 'kjs-offsets-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: output, messages: [{ value: 'derived' }] });
      await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '7' }] }] });
      // Pending: not visible as the group's offsets yet.
      expect(kafka.broker().instance.groupCoordinator.group(groupId)?.offset(input, 0)).toBeUndefined();
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    const group = kafka.broker().instance.groupCoordinator.group(groupId)!;
    expect(group.offset(input, 0)?.offset).toBe(5);
    expect(group.offset(input, 1)?.offset).toBe(7);

    const admin = client.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
      expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '5'], [1, '7']]);
    } finally {
      await admin.disconnect();
    }

    // An aborted sendOffsets leaves the committed offsets alone.
    const again = client.producer({ transactionalId: 'kjs-offsets-tx', idempotent: true, maxInFlightRequests: 1 });
    await again.connect();
    try {
      const txn = await again.transaction();
      await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }] });
      await txn.abort();
    } finally {
      await again.disconnect();
    }
    expect(kafka.broker().instance.groupCoordinator.group(groupId)!.offset(input, 0)?.offset).toBe(5);
  });

  it('a second producer with the same transactional id fences the first', async () => {
    const topic = 'kjs-fence';
    createTopic(topic);
    const client = kafkaClient(bootstrap);
    const first = client.producer({ transactionalId: 'kjs-fenced', idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
    await first.connect();
    const zombie = await first.transaction();
    await zombie.send({ topic, messages: [{ value: 'zombie' }] });

    const second = client.producer({ transactionalId: 'kjs-fenced', idempotent: true, maxInFlightRequests: 1 });
    await second.connect();
    try {
      const txn = await second.transaction();
      await txn.send({ topic, messages: [{ value: 'winner' }] });
      await txn.commit();

      // The first producer's next operation fails: its epoch is older than the new producer's.
      const error = await zombie.commit().then(() => null, (e: unknown) => e as { type?: string; name?: string });
      expect(error).not.toBeNull();
      expect(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']).toContain(error!.type);

      const seen = await consumeUntil(client, topic, (s) => s.some((r) => r.value === 'winner'));
      expect(values(seen)).toEqual(['winner']);
      // The zombie's transaction was aborted when the second producer took over.
      const fetched = await rawFetch(raw, topic, 0, 0, 1);
      expect(fetched.abortedTransactions).toHaveLength(1);
    } finally {
      await second.disconnect();
      await first.disconnect().catch(() => undefined);
    }
  });

  it('aborts a transaction left open past its timeout; read_committed readers never see it and the LSO moves on', async () => {
    const topic = 'kjs-timeout';
    createTopic(topic);
    const client = kafkaClient(bootstrap);
    const producer = client.producer({ transactionalId: 'kjs-timeout-tx', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 1000, retry: { retries: 2 } });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'abandoned' }] });
    expect((await rawFetch(raw, topic, 0, 0, 1)).lastStableOffset).toBe(0);

    // The coordinator aborts it (with an ABORT marker), which moves the LSO past it.
    const after = await waitFor(async () => {
      const f = await rawFetch(raw, topic, 0, 0, 1);
      return f.lastStableOffset === f.highWatermark && f.highWatermark === 2 ? f : undefined;
    });
    expect(after.abortedTransactions).toEqual([{ producerId: after.batches[0]!.producerId, firstOffset: 0 }]);
    const state = kafka.broker().instance.transactionCoordinator.describeTransactions(['kjs-timeout-tx'])[0]!;
    expect(state.state).toBe('CompleteAbort');

    // The producer was fenced by the abort.
    const error = await txn.commit().then(() => null, (e: unknown) => e as { type?: string });
    expect(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']).toContain(error?.type);
    await producer.disconnect().catch(() => undefined);

    const plain = client.producer();
    await plain.connect();
    await plain.send({ topic, messages: [{ value: 'later' }] });
    await plain.disconnect();
    const seen = await consumeUntil(client, topic, (s) => s.some((r) => r.value === 'later'));
    expect(values(seen)).toEqual(['later']);
  });
});
