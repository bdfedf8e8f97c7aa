import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { consumeUntil, kafkaClient } from './support/helpers.js';
import { batch, initProducerId, produce, type ProducerIdentity } from './support/raw-producer.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// Idempotent producers: a retried batch gets its original offset (also after a clean restart
// and after a crash, from the producer state snapshots and the log), gaps and old epochs are
// refused, and kafkajs with idempotent: true writes each record once although a Produce
// response is lost on the way.

const dirs: string[] = [];
const running: EmbeddedKafka[] = [];
const clients: KafkaConnection[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamwright-idempotence-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, port = 0): Promise<{ kafka: EmbeddedKafka; raw: KafkaConnection }> {
  const kafka = await EmbeddedKafka.start({ dataDir, port, logger: consoleLogger('silent') });
  running.push(kafka);
  const raw = await connectWire(kafka.bootstrapServers[0]!);
  clients.push(raw);
  return { kafka, raw };
}

async function stop(kafka: EmbeddedKafka): Promise<void> {
  running.splice(running.indexOf(kafka), 1);
  await kafka.stop();
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const k of running.splice(0)) await k.stop();
});
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function idempotentProducer(raw: KafkaConnection): Promise<ProducerIdentity> {
  const init = await initProducerId(raw);
  expect(init.errorCode).toBe(ErrorCode.NONE);
  expect(init.producerEpoch).toBe(0);
  return { producerId: init.producerId, producerEpoch: init.producerEpoch };
}

describe('idempotent produce', () => {
  it('answers a resent batch with its original offset, and refuses gaps, old epochs and new epochs not starting at 0', async () => {
    const { kafka, raw } = await start(tempDir());
    kafka.broker().instance.controller.createTopic({ name: 'idem', numPartitions: 1, replicationFactor: 1 });
    const producer = await idempotentProducer(raw);
    const log = () => kafka.broker().instance.replicaManager.partition('idem', 0)!;

    const first = batch(producer, 0, ['a', 'b']);
    expect(await produce(raw, 'idem', 0, first)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    // The response was "lost": the producer sends the very same batch again.
    expect(await produce(raw, 'idem', 0, first)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(log().logEndOffset).toBe(2);

    // Six more batches; each of the last five is still recognised, older ones are not.
    for (let i = 0; i < 6; i++) expect((await produce(raw, 'idem', 0, batch(producer, 2 + i, [`v${i}`]))).baseOffset).toBe(2 + i);
    expect(await produce(raw, 'idem', 0, batch(producer, 4, ['v2']))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 4 });
    expect((await produce(raw, 'idem', 0, batch(producer, 2, ['v0']))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log().logEndOffset).toBe(8);

    // A gap in the sequence.
    expect((await produce(raw, 'idem', 0, batch(producer, 10, ['gap']))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // A new epoch must start at sequence 0; after it, the old epoch is fenced.
    const bumped = { ...producer, producerEpoch: 1 };
    expect((await produce(raw, 'idem', 0, batch(bumped, 5, ['x']))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await produce(raw, 'idem', 0, batch(bumped, 0, ['x']))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 8 });
    expect((await produce(raw, 'idem', 0, batch(producer, 8, ['old']))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(log().logEndOffset).toBe(9);

    // Another producer id is independent; one unknown to the partition may start anywhere (KIP-360).
    const other = await idempotentProducer(raw);
    expect(other.producerId).not.toBe(producer.producerId);
    expect((await produce(raw, 'idem', 0, batch(other, 42, ['o']))).errorCode).toBe(ErrorCode.NONE);
  });

  it('still answers the last batch with its original offset after a clean restart, and new ids are never reused', async () => {
    const dataDir = tempDir();
    let { kafka, raw } = await start(dataDir);
    kafka.broker().instance.controller.createTopic({ name: 'idem-restart', numPartitions: 1, replicationFactor: 1 });
    const producer = await idempotentProducer(raw);
    expect(Number(producer.producerId)).toBeLessThan(1000);
    const last = batch(producer, 3, ['three', 'four']);
    await produce(raw, 'idem-restart', 0, batch(producer, 0, ['zero', 'one', 'two']));
    expect((await produce(raw, 'idem-restart', 0, last)).baseOffset).toBe(3);
    await stop(kafka);
    // A clean shutdown leaves a producer state snapshot at the log end.
    expect(readdirSync(join(dataDir, 'idem-restart-0'))).toContain('00000000000000000005.snapshot');

    ({ kafka, raw } = await start(dataDir));
    expect(await produce(raw, 'idem-restart', 0, last)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 3 });
    expect((await produce(raw, 'idem-restart', 0, batch(producer, 6, ['gap']))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await produce(raw, 'idem-restart', 0, batch(producer, 5, ['five']))).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 5 });
    expect(kafka.broker().instance.replicaManager.partition('idem-restart', 0)!.logEndOffset).toBe(6);
    // The first block of producer ids was persisted before use: the restarted broker starts a new one.
    const next = await idempotentProducer(raw);
    expect(Number(next.producerId)).toBeGreaterThanOrEqual(1000);
  });

  it('rebuilds producer state from the log after a crash (no snapshot at the log end)', async () => {
    const dataDir = tempDir();
    const { kafka, raw } = await start(dataDir);
    kafka.broker().instance.controller.createTopic({ name: 'idem-crash', numPartitions: 1, replicationFactor: 1 });
    const producer = await idempotentProducer(raw);
    for (let i = 0; i < 4; i++) await produce(raw, 'idem-crash', 0, batch(producer, i * 2, [`r${i}a`, `r${i}b`]));
    const last = batch(producer, 8, ['r4a', 'r4b']);
    expect((await produce(raw, 'idem-crash', 0, last)).baseOffset).toBe(8);
    // What a kill -9 leaves: the files as they are, without the clean shutdown marker or a final snapshot.
    const crashed = tempDir();
    cpSync(dataDir, crashed, { recursive: true });
    expect(readdirSync(join(crashed, 'idem-crash-0')).filter((n) => n.endsWith('.snapshot'))).toEqual([]);

    const { kafka: recovered, raw: raw2 } = await start(crashed);
    expect(recovered.broker().instance.replicaManager.partition('idem-crash', 0)!.logEndOffset).toBe(10);
    expect(await produce(raw2, 'idem-crash', 0, last)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 8 });
    expect((await produce(raw2, 'idem-crash', 0, batch(producer, 11, ['gap']))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produce(raw2, 'idem-crash', 0, batch(producer, 10, ['next']))).baseOffset).toBe(10);
  });
});

/**
 * A kafkajs socket that swallows the first Produce response carrying `topic` data and drops
 * the connection instead, as if the network failed after the broker appended.
 */
function droppingSocketFactory(state: { dropped: number }) {
  return ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }): Socket => {
    const socket = connect({ host, port }, onConnect);
    const produceIds = new Set<number>();
    const originalWrite = socket.write.bind(socket) as (chunk: Buffer, ...rest: unknown[]) => boolean;
    (socket as unknown as { write: typeof originalWrite }).write = (chunk: Buffer, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.length >= 12 && chunk.readInt16BE(4) === 0) produceIds.add(chunk.readInt32BE(8));
      return originalWrite(chunk, ...rest);
    };
    let pending = Buffer.alloc(0);
    const originalEmit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    (socket as unknown as { emit: typeof originalEmit }).emit = (event: string | symbol, ...args: unknown[]) => {
      if (event !== 'data') return originalEmit(event, ...args);
      pending = Buffer.concat([pending, args[0] as Buffer]);
      while (pending.length >= 8 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
        pending = pending.subarray(frame.length);
        if (state.dropped === 0 && produceIds.has(frame.readInt32BE(4))) {
          state.dropped++;
          socket.destroy(new Error('connection reset (test)'));
          return true;
        }
        originalEmit('data', Buffer.from(frame));
      }
      return true;
    };
    socket.setKeepAlive(true, 30_000);
    return socket;
  };
}

describe('kafkajs idempotent producer', () => {
  it('writes every record once although a Produce response is lost and the request retried', async () => {
    const { kafka } = await start(tempDir());
    const topic = 'idem-kafkajs';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 1, replicationFactor: 1 });
    const bootstrap = kafka.bootstrapServers[0]!;
    const state = { dropped: 0 };
    const client = kafkaClient(bootstrap, { socketFactory: droppingSocketFactory(state) as never });
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ value: 'one' }, { value: 'two' }] });
      await producer.send({ topic, acks: -1, messages: [{ value: 'three' }] });
    } finally {
      await producer.disconnect();
    }
    expect(state.dropped).toBe(1);
    const partition = kafka.broker().instance.replicaManager.partition(topic, 0)!;
    expect(partition.logEndOffset).toBe(3);
    const seen = await consumeUntil(kafkaClient(bootstrap), topic, (s) => s.some((r) => r.value === 'three'));
    expect(seen.map((s) => s.value)).toEqual(['one', 'two', 'three']);
    // The broker saw the retried batch as its producer's, with sequence numbers continuing after it.
    const producers = [...partition.log.producerState.activeProducers.values()];
    expect(producers).toHaveLength(1);
    expect(producers[0]!.lastSeq).toBe(2);
  });
});
