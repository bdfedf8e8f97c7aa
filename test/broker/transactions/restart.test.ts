import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import type { ConfigValue } from '../../../src/broker/config/broker-config.js';
import { consumeUntil, kafkaClient, rawFetch } from './support/helpers.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { waitFor } from '../../support/wait-for.js';

// Transactions across broker restarts on the same data dir: an open transaction stays open
// (its producer commits it after the restart, or the timeout aborts it), and a transaction
// caught between PrepareCommit and its markers is completed by the restarted coordinator.

const dirs: string[] = [];
const running: EmbeddedKafka[] = [];
const clients: KafkaConnection[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamwright-txn-restart-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, port = 0, config: Record<string, ConfigValue> = {}): Promise<EmbeddedKafka> {
  const kafka = await EmbeddedKafka.start({ dataDir, port, logger: consoleLogger('silent'), config: { 'group.min.session.timeout.ms': 500, ...config } });
  running.push(kafka);
  return kafka;
}

async function stop(kafka: EmbeddedKafka): Promise<void> {
  running.splice(running.indexOf(kafka), 1);
  await kafka.stop();
}

async function raw(kafka: EmbeddedKafka): Promise<KafkaConnection> {
  const client = await connectWire(kafka.bootstrapServers[0]!);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  for (const c of clients.splice(0)) c.close();
  for (const k of running.splice(0)) await k.stop();
});
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('transactions across a broker restart', () => {
  it('an open transaction survives a restart and its producer commits it afterwards', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    let kafka = await start(dataDir);
    const port = kafka.broker().instance.port;
    const topic = 'restart-open';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 1, replicationFactor: 1 });
    const client = kafkaClient(kafka.bootstrapServers[0]!);
    const producer = client.producer({ transactionalId: 'restart-open-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'before-restart' }] });

    await stop(kafka);
    kafka = await start(dataDir, port);
    // Reloaded: the transaction is still open and still holds the LSO back.
    expect(kafka.broker().instance.transactionCoordinator.describeTransactions(['restart-open-tx'])[0]!.state).toBe('Ongoing');
    const r = await raw(kafka);
    const held = await rawFetch(r, topic, 0, 0, 1);
    expect(held.highWatermark).toBe(1);
    expect(held.lastStableOffset).toBe(0);

    await txn.send({ topic, messages: [{ value: 'after-restart' }] });
    await txn.commit();
    const seen = await consumeUntil(client, topic, (s) => s.some((x) => x.value === 'after-restart'));
    expect(seen.map((s) => s.value)).toEqual(['before-restart', 'after-restart']);
    const done = await rawFetch(r, topic, 0, 0, 1);
    expect(done.lastStableOffset).toBe(done.highWatermark);
  });

  it('an open transaction whose producer is gone is aborted by its timeout after the restart', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const config = { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200 };
    let kafka = await start(dataDir, 0, config);
    const topic = 'restart-timeout';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 1, replicationFactor: 1 });
    const client = kafkaClient(kafka.bootstrapServers[0]!);
    const producer = client.producer({ transactionalId: 'restart-timeout-tx', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 2000 });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'orphan' }] });
    await producer.disconnect();
    await stop(kafka);

    kafka = await start(dataDir, 0, config);
    const r = await raw(kafka);
    const aborted = await waitFor(async () => {
      const f = await rawFetch(r, topic, 0, 0, 1);
      return f.lastStableOffset === 2 ? f : undefined;
    });
    expect(aborted.abortedTransactions).toEqual([{ producerId: aborted.batches[0]!.producerId, firstOffset: 0 }]);
    expect(kafka.broker().instance.transactionCoordinator.describeTransactions(['restart-timeout-tx'])[0]!.state).toBe('CompleteAbort');
  });

  it('completes a transaction found in PrepareCommit (markers not written) when the broker restarts', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    let kafka = await start(dataDir);
    const topic = 'restart-in-doubt';
    const groupId = 'restart-in-doubt-group';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 2, replicationFactor: 1 });
    kafka.broker().instance.controller.createTopic({ name: 'some-input', numPartitions: 1, replicationFactor: 1 });
    // Markers are held back, as if the broker died right after writing PrepareCommit.
    kafka.broker().instance.transactionCoordinator.markerChannel = { send: () => new Promise(() => {}) };
    const client = kafkaClient(kafka.bootstrapServers[0]!);
    const producer = client.producer({ transactionalId: 'in-doubt-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ partition: 0, value: 'p0' }, { partition: 1, value: 'p1' }] });
    await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: 'some-input', partitions: [{ partition: 0, offset: '42' }] }] });
    await txn.commit();
    expect(kafka.broker().instance.transactionCoordinator.describeTransactions(['in-doubt-tx'])[0]!.state).toBe('PrepareCommit');
    const before = await raw(kafka);
    expect((await rawFetch(before, topic, 0, 0, 1)).lastStableOffset).toBe(0);
    expect(kafka.broker().instance.groupCoordinator.group(groupId)?.offset('some-input', 0)).toBeUndefined();
    await producer.disconnect();
    await stop(kafka);

    kafka = await start(dataDir);
    const r = await raw(kafka);
    const state = await waitFor(() => {
      const d = kafka.broker().instance.transactionCoordinator.describeTransactions(['in-doubt-tx'])[0]!;
      return d.state === 'CompleteCommit' ? d : undefined;
    });
    expect(state.topics).toEqual([]);
    for (const partition of [0, 1]) {
      const f = await rawFetch(r, topic, partition, 0, 1);
      expect(f.lastStableOffset).toBe(2);
      expect(f.batches.map((b) => (b.isControl ? 'marker' : b.values.join()))).toEqual([`p${partition}`, 'marker']);
      expect(f.abortedTransactions).toEqual([]);
    }
    expect(kafka.broker().instance.groupCoordinator.group(groupId)?.offset('some-input', 0)?.offset).toBe(42);
  });

  it('keeps committed transactional offsets and drops aborted ones across a restart', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    let kafka = await start(dataDir);
    const groupId = 'restart-offsets-group';
    kafka.broker().instance.controller.createTopic({ name: 'in', numPartitions: 1, replicationFactor: 1 });
    const client = kafkaClient(kafka.bootstrapServers[0]!);
    const producer = client.producer({ transactionalId: 'restart-offsets-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '10' }] }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '20' }] }] });
    await aborted.abort();
    await producer.disconnect();
    expect(kafka.broker().instance.groupCoordinator.group(groupId)?.offset('in', 0)?.offset).toBe(10);
    await stop(kafka);

    kafka = await start(dataDir);
    expect(kafka.broker().instance.groupCoordinator.group(groupId)?.offset('in', 0)?.offset).toBe(10);
  });
});
