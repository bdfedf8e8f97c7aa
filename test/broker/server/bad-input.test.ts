import { crc32 } from 'node:zlib';
import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { decodeResponse, encodeRequest } from '../../../src/protocol/codec.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { Cleanup, closeRawConnections, expectSuccess, kafkajsClient, kcat, openRaw, startKafka, stopKafkas, type RawConnection } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';

// Malformed and refused input: the offending request gets its error (or its connection is
// closed), and the broker keeps serving everyone else: a connection opened before, and a real
// client round trip (kafkajs produce, kcat consume) after.

const MAX_REQUEST_BYTES = 100_000;
const MAX_MESSAGE_BYTES = 5_000;
const TOPIC = 'bad-input';

let kafka: EmbeddedKafka;
let bootstrap: string;
let client: Kafka;
let bystander: RawConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka({ config: { 'socket.request.max.bytes': MAX_REQUEST_BYTES, 'message.max.bytes': MAX_MESSAGE_BYTES } });
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'bad-input-test');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }, { topic: 'big-messages', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '200000' }] }], waitForLeaders: true });
  await admin.disconnect();
});
afterEach(async () => {
  await cleanup.run();
  closeRawConnections();
  killChildren();
});
afterAll(() => stopKafkas());

/** A connection opened before the bad input; it must still be answered afterwards. */
async function openBystander(): Promise<void> {
  bystander = await openRaw(bootstrap, 'bystander');
  expect((await bystander.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })).errorCode).toBe(0);
}

let roundTrips = 0;
/** The broker still works: the bystander is answered, kafkajs produces, kcat reads the record back. */
async function expectBrokerServes(): Promise<void> {
  const metadata = await bystander.request(ApiKeys.Metadata, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
  expect(metadata.topics[0]!.errorCode).toBe(0);
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  const value = `still serving ${++roundTrips}`;
  const [sent] = await producer.send({ topic: TOPIC, messages: [{ partition: 0, key: 'rt', value }] });
  await producer.disconnect();
  const read = expectSuccess(await kcat(['-b', bootstrap, '-C', '-t', TOPIC, '-p', '0', '-o', String(sent!.baseOffset), '-c', '1', '-e', '-q', '-f', '%o %k %s\\n']), 'kcat round trip');
  expect(read.stdout).toBe(`${sent!.baseOffset} rt ${value}\n`);
}

const frame = (body: Buffer) => {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
};

/** A request header v1 (apiKey, apiVersion, correlationId, clientId) followed by `body`. */
function rawRequest(apiKey: number, apiVersion: number, body: Buffer, correlationId = 7): Buffer {
  const clientId = Buffer.from('raw');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  return frame(Buffer.concat([header, clientId, body]));
}

function produceRequest(records: Buffer, version = 9, topic = TOPIC): Buffer {
  return encodeRequest({ apiKey: ApiKeys.Produce, apiVersion: version, correlationId: 42, clientId: 'raw' }, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, records.length + 256);
}

async function produceError(records: Buffer, version = 9, topic = TOPIC): Promise<{ errorCode: number; errorMessage: string | null }> {
  const connection = await openRaw(bootstrap);
  await connection.write(produceRequest(records, version, topic));
  const response = decodeResponse(ApiKeys.Produce, version, await connection.nextFrame());
  expect(response.correlationId).toBe(42);
  const partition = response.body.responses[0]!.partitionResponses[0]!;
  return { errorCode: partition.errorCode, errorMessage: partition.errorMessage };
}

const logEnd = (topic = TOPIC) => kafka.broker().instance.replicaManager.partition(topic, 0)!.logEndOffset;

describe('malformed frames close only their connection', () => {
  it.each([
    { name: 'an unknown API key', bytes: () => rawRequest(0x7fff, 0, Buffer.alloc(8)) },
    { name: 'a negative API key', bytes: () => rawRequest(-1, 0, Buffer.alloc(8)) },
    { name: 'a frame too short for a request header', bytes: () => frame(Buffer.from([0, 3, 0])) },
    { name: 'random bytes', bytes: () => frame(Buffer.from('this is not a kafka request at all, just text!!', 'latin1')) },
    { name: 'a Metadata v1 header followed by garbage', bytes: () => rawRequest(ApiKeys.Metadata, 1, Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])) },
    { name: 'a Produce v3 whose topic array overruns the frame', bytes: () => rawRequest(ApiKeys.Produce, 3, Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0x13, 0x88, 0, 0, 0, 50])) },
    { name: 'a negative frame size', bytes: () => Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 4]) },
    { name: 'a frame larger than socket.request.max.bytes (only its size is sent)', bytes: () => Buffer.from([0, 0x01, 0x86, 0xa1]) /* 100001 */ },
  ])('$name', async ({ bytes }) => {
    await openBystander();
    const bad = await openRaw(bootstrap, 'bad');
    await bad.write(bytes());
    expect(await bad.closesWithin(10_000)).toBe(true);
    await expectBrokerServes();
  });

  it('reads a request just under socket.request.max.bytes, and closes the connection at one byte more', async () => {
    await openBystander();
    // A Produce whose frame is close to the limit (the batch itself is refused as too large for the topic, but it is read and answered).
    const value = 'v'.repeat(MAX_REQUEST_BYTES - 400);
    const big = produceRequest(encodeRecordBatchSync({ records: [{ key: 'k', value }] }));
    expect(big.length - 4).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    const ok = await openRaw(bootstrap);
    await ok.write(big);
    const response = decodeResponse(ApiKeys.Produce, 9, await ok.nextFrame());
    expect(response.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);

    const tooBig = await openRaw(bootstrap);
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_REQUEST_BYTES + 1);
    await tooBig.write(size);
    expect(await tooBig.closesWithin()).toBe(true);
    await expectBrokerServes();
  });
});

describe('refused record batches', () => {
  it('answers CORRUPT_MESSAGE for a batch with a wrong CRC and appends nothing', async () => {
    await openBystander();
    const batch = encodeRecordBatchSync({ records: [{ key: 'k1', value: 'a value whose bytes get flipped' }, { key: 'k2', value: 'another' }] });
    const endBefore = logEnd();
    for (const position of [batch.length - 3, 61 + 2, 21 /* attributes: covered by the CRC */]) {
      const corrupt = Buffer.from(batch);
      corrupt[position] ^= 0x20;
      for (const version of [3, 7, 9, 11]) {
        const { errorCode } = await produceError(corrupt, version);
        expect(errorCode, `flipped byte ${position}, Produce v${version}`).toBe(ErrorCode.CORRUPT_MESSAGE);
      }
    }
    expect(logEnd()).toBe(endBefore);
    // The same batch unflipped is accepted.
    expect((await produceError(batch)).errorCode).toBe(ErrorCode.NONE);
    expect(logEnd()).toBe(endBefore + 2);
    await expectBrokerServes();
  });

  it('answers MESSAGE_TOO_LARGE for a batch over message.max.bytes (the topic default), accepts it where max.message.bytes is raised', async () => {
    await openBystander();
    const large = encodeRecordBatchSync({ records: [{ key: 'big', value: 'x'.repeat(MAX_MESSAGE_BYTES + 100) }] });
    const endBefore = logEnd();
    const refused = await produceError(large);
    expect(refused.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(logEnd()).toBe(endBefore);
    expect((await produceError(large, 9, 'big-messages')).errorCode).toBe(ErrorCode.NONE);
    expect(logEnd('big-messages')).toBe(1);

    // kafkajs sees the error too (MESSAGE_TOO_LARGE is not retriable).
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
    await producer.connect();
    cleanup.add(() => producer.disconnect());
    await expect(producer.send({ topic: TOPIC, messages: [{ partition: 0, value: 'y'.repeat(MAX_MESSAGE_BYTES + 100) }] })).rejects.toThrow(/too large|MESSAGE_TOO_LARGE|larger than/i);
    expect(logEnd()).toBe(endBefore);
    await expectBrokerServes();
  });

  it('answers UNSUPPORTED_FOR_MESSAGE_FORMAT for a magic 1 message set (Produce v2)', async () => {
    await openBystander();
    // One magic-1 message: offset, size, crc, magic, attributes, timestamp, key, value.
    const key = Buffer.from('legacy-key');
    const value = Buffer.from('legacy value');
    const body = Buffer.alloc(1 + 1 + 8 + 4 + key.length + 4 + value.length);
    let at = body.writeInt8(1, 0);
    at = body.writeInt8(0, at);
    at = body.writeBigInt64BE(BigInt(Date.now()), at);
    at = body.writeInt32BE(key.length, at);
    at += key.copy(body, at);
    at = body.writeInt32BE(value.length, at);
    value.copy(body, at);
    const message = Buffer.alloc(12 + 4);
    message.writeBigInt64BE(0n, 0);
    message.writeInt32BE(4 + body.length, 8);
    message.writeUInt32BE(crc32(body), 12);
    const messageSet = Buffer.concat([message, body]);
    const endBefore = logEnd();
    expect((await produceError(messageSet, 2)).errorCode).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    expect(logEnd()).toBe(endBefore);
    await expectBrokerServes();
  });
});

describe('unsupported versions', () => {
  it.each([
    { name: 'Metadata v13', apiKey: ApiKeys.Metadata, version: 13 },
    { name: 'Produce v12', apiKey: ApiKeys.Produce, version: 12 },
    { name: 'Fetch v18', apiKey: ApiKeys.Fetch, version: 18 },
    { name: 'a negative version', apiKey: ApiKeys.Metadata, version: -1 },
  ])('closes the connection for $name', async ({ apiKey, version }) => {
    await openBystander();
    const bad = await openRaw(bootstrap);
    await bad.write(rawRequest(apiKey, version, Buffer.alloc(16)));
    expect(await bad.closesWithin()).toBe(true);
    await expectBrokerServes();
  });

  it('answers ApiVersions v9 with a v0 body: UNSUPPORTED_VERSION and the supported ranges, and keeps the connection', async () => {
    await openBystander();
    const connection = await openRaw(bootstrap);
    await connection.write(rawRequest(ApiKeys.ApiVersions, 9, Buffer.from([0, 0]), 99));
    const reply = decodeResponse(ApiKeys.ApiVersions, 0, await connection.nextFrame());
    expect(reply.correlationId).toBe(99);
    expect(reply.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const ranges = new Map(reply.body.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(ranges.get(ApiKeys.ApiVersions)).toEqual([0, 3]);
    expect(ranges.get(ApiKeys.Metadata)).toEqual([0, 12]);
    expect(ranges.get(ApiKeys.Fetch)![0]).toBeLessThanOrEqual(4);
    expect(ranges.get(ApiKeys.Fetch)![1]).toBe(17);
    expect(ranges.get(ApiKeys.Produce)![0]).toBeLessThanOrEqual(3);
    expect(ranges.get(ApiKeys.Produce)![1]).toBe(11);
    // The client retries with a version it knows, on the same connection.
    const retried = await connection.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(retried.errorCode).toBe(0);
    expect(retried.apiKeys.length).toBe(ranges.size);
    expect(connection.isClosed).toBe(false);
    await expectBrokerServes();
  });
});
