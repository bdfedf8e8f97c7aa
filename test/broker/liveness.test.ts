/**
 * Work that takes the broker long (creating thousands of partitions, inflating a compression
 * bomb to refuse it) runs in slices or off the event loop, so other connections keep being
 * served meanwhile. Shown by order, not by timing: a request sent on another connection after
 * the long one is answered before it.
 */
import { connect } from 'node:net';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync, recomputeCrc } from '../../src/protocol/records/index.js';
import { encodeRequest } from '../../src/protocol/codec.js';
import { ByteWriter } from '../../src/protocol/primitives/byte-writer.js';
import { closeRawConnections, openRaw, startKafka, stopKafkas } from '../support/broker-harness.js';
import { waitFor } from '../support/wait-for.js';

const MiB = 1024 * 1024;
const PARTITIONS = 1000;

let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await startKafka({ config: { 'streamwright.max.partitions': String(2 * PARTITIONS + 100) } });
  bootstrap = kafka.bootstrapServers[0]!;
});
// A clean shutdown closes every log (an fsync each): thousands of them take a while.
afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
}, 120_000);

/** Which of two requests' answers came first. */
async function firstAnswered(slow: Promise<unknown>, quick: Promise<unknown>): Promise<'slow' | 'quick'> {
  const order: string[] = [];
  await Promise.all([slow.then(() => order.push('slow')), quick.then(() => order.push('quick'))]);
  return order[0] as 'slow' | 'quick';
}

describe('a stored compression bomb is not inflated again', () => {
  // First in the file, so that the process's peak RSS is still low and a spike would show.
  it('answers ListOffsets by timestamp on a one-record gzip batch of a 48 MiB value without inflating it', { timeout: 60_000 }, async () => {
    const conn = await openRaw(bootstrap);
    await conn.request(ApiKeys.CreateTopics, 5, { topics: [{ name: 'liveness-stored-bomb', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    const stored = await conn.request(
      ApiKeys.Produce,
      9,
      { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: 'liveness-stored-bomb', partitionData: [{ index: 0, records: await zeroBomb(48) }] }] },
      60_000,
    );
    expect(stored.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const answer = await conn.request(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'liveness-stored-bomb', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: 0n }] }] });
    expect(answer.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: 0n });
    // Inflating the value would have taken 48 MiB at least (96 with zlib's concatenation).
    expect(process.resourceUsage().maxRSS * 1024 - peakBefore).toBeLessThan(24 * MiB);
  });
});

describe('the broker serves other connections meanwhile', () => {
  it(`answers a Metadata request sent after a ${PARTITIONS}-partition CreateTopics on another connection first; the topic is whole when CreateTopics answers`, { timeout: 120_000 }, async () => {
    const admin = await openRaw(bootstrap);
    const other = await openRaw(bootstrap);
    await other.request(ApiKeys.ApiVersions, 0, {}); // connected and answering before the big request
    const create = admin.request(
      ApiKeys.CreateTopics,
      5,
      { topics: [{ name: 'liveness-many', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 120_000, validateOnly: false },
      120_000,
    );
    // Sent once the broker is working on the CreateTopics (its first slice has run).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metadata = other.request(ApiKeys.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(await firstAnswered(create, metadata)).toBe('quick');
    const created = await create;
    expect(created.topics[0]).toMatchObject({ name: 'liveness-many', errorCode: ErrorCode.NONE, numPartitions: PARTITIONS });
    // Every partition exists and leads once CreateTopics has answered.
    for (const index of [0, PARTITIONS / 2, PARTITIONS - 1]) expect(kafka.broker().instance.replicaManager.partition('liveness-many', index)?.isLeader).toBe(true);
  });

  it('answers ApiVersions sent after a gzip batch inflating to 256 MiB on another connection first, and refuses the batch', { timeout: 120_000 }, async () => {
    await openRaw(bootstrap).then((c) =>
      c.request(ApiKeys.CreateTopics, 5, { topics: [{ name: 'liveness-bomb', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false }),
    );
    const producer = await openRaw(bootstrap);
    const other = await openRaw(bootstrap);
    await other.request(ApiKeys.ApiVersions, 0, {});
    const bomb = await zeroBomb(256);
    const produce = producer.request(
      ApiKeys.Produce,
      9,
      { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: 'liveness-bomb', partitionData: [{ index: 0, records: bomb }] }] },
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const versions = other.request(ApiKeys.ApiVersions, 0, {});
    expect(await firstAnswered(produce, versions)).toBe('quick');
    const answer = (await produce).responses[0]!.partitionResponses[0]!;
    expect(answer.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });
});

describe('appends keep the order requests came in', () => {
  it('appends a small batch sent right after a streamed 12 MiB gzip record, to the same partition, after it', { timeout: 60_000 }, async () => {
    const conn = await openRaw(bootstrap);
    await conn.request(ApiKeys.CreateTopics, 5, { topics: [{ name: 'liveness-order', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    const produce = (records: Buffer) =>
      conn.request(ApiKeys.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: 'liveness-order', partitionData: [{ index: 0, records }] }] }, 60_000);
    // Pipelined on one connection: the big one inflates as a stream, the small one needs nothing.
    const [big, small] = await Promise.all([produce(await zeroBomb(12)), produce(encodeRecordBatchSync({ records: [{ value: Buffer.from('after') }] }))]);
    expect(big.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(small.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
  });
});

describe('a client that sends and never reads', () => {
  it('is muted once 8 MiB of its responses are unsent: the broker holds its further requests, and answers them all once it reads', { timeout: 60_000 }, async () => {
    const conn = await openRaw(bootstrap);
    await conn.request(ApiKeys.CreateTopics, 5, { topics: [{ name: 'liveness-slow-reader', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    const batch = encodeRecordBatchSync({ records: [{ value: Buffer.alloc(900 * 1024, 7) }] });
    const stored = await conn.request(ApiKeys.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: 'liveness-slow-reader', partitionData: [{ index: 0, records: batch }] }] });
    expect(stored.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);

    // 100 Fetch requests of about 900 KiB each, written at once by a socket that does not read.
    const FETCHES = 100;
    const fetch = (correlationId: number) =>
      encodeRequest(
        { apiKey: ApiKeys.Fetch, apiVersion: 11, correlationId, clientId: 'slow-reader' },
        {
          replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 2 * MiB, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
          topics: [{ topic: 'liveness-slow-reader', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 2 * MiB }] }],
        },
      );
    const socket = connect({ host: '127.0.0.1', port: Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1)) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(Buffer.concat(Array.from({ length: FETCHES }, (_, i) => fetch(i + 1))));
    const address = `127.0.0.1:${socket.localPort}`;
    const stats = () => kafka.broker().instance.connectionStats().find((c) => c.clientAddress === address);
    const muted = await waitFor(() => {
      const s = stats();
      return s && s.heldRequests > 0 && s.pendingResponses === 0 ? s : undefined;
    }, { what: 'the connection to be muted' });
    // Unmuted, all 100 answers (about 90 MiB) would be queued for the socket.
    expect(muted.unsentResponseBytes).toBeLessThan(8 * MiB + 2 * MiB);
    expect(muted.heldRequests).toBeGreaterThan(0);

    let answers = 0;
    let buffered = Buffer.alloc(0);
    const all = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
          buffered = buffered.subarray(4 + buffered.readInt32BE(0));
          if (++answers === FETCHES) resolve();
        }
      }),
    );
    socket.resume();
    await all;
    expect(answers).toBe(FETCHES);
    socket.destroy();
  });
});

/** A gzip batch of one record whose value is `mib` MiB of zeros: a few hundred KiB on the wire. */
async function zeroBomb(mib: number): Promise<Buffer> {
  const value = mib * MiB;
  const body = new ByteWriter(32);
  body.writeInt8(0); // attributes
  body.writeVarlong(0n); // timestamp delta
  body.writeVarint(0); // offset delta
  body.writeVarint(-1); // null key
  body.writeVarint(value);
  const head = body.finish();
  const length = head.length + value + 1; // + the header count after the value
  const lengthPrefix = new ByteWriter(8);
  lengthPrefix.writeVarint(length);
  const gzip = createGzip({ level: 9 });
  const pieces: Buffer[] = [];
  gzip.on('data', (piece: Buffer) => pieces.push(piece));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write(lengthPrefix.finish());
  gzip.write(head);
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) gzip.write(zeros);
  gzip.end(Buffer.from([0])); // no headers
  await done;
  const payload = Buffer.concat(pieces);
  const batch = Buffer.alloc(61 + payload.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(1, 21); // gzip
  batch.writeInt32BE(0, 23);
  batch.writeBigInt64BE(BigInt(Date.now()), 27);
  batch.writeBigInt64BE(BigInt(Date.now()), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(1, 57);
  payload.copy(batch, 61);
  recomputeCrc(batch, 0);
  return batch;
}
