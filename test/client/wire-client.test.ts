// The tools' Kafka client on the project codec: connection handshake, version choice,
// timeouts and closed connections, leader routing, producer batching and the simple
// consumer's handling of fetches that start inside a batch.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { decodeRecordBatches } from '../../src/protocol/records/index.js';
import { ClusterClient, parseBootstrapServers } from '../../src/client/cluster-client.js';
import { ConnectionError, RequestTimeoutError, UnsupportedVersionError } from '../../src/client/errors.js';
import { codecVersions, KafkaConnection } from '../../src/client/kafka-connection.js';
import { Producer } from '../../src/client/producer.js';
import { SimpleConsumer } from '../../src/client/simple-consumer.js';

let kafka: EmbeddedKafka;
let host: string;
let port: number;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start();
  [host, port] = [kafka.broker().instance.host, kafka.broker().instance.port];
});
afterAll(async () => {
  await kafka?.stop();
});

/** A TCP server that accepts connections and does whatever `onSocket` does with them. */
async function fakeBroker(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('KafkaConnection', () => {
  it('negotiates versions with ApiVersions (falling back from a version the broker lacks) and picks min(ours, theirs)', async () => {
    const connection = await KafkaConnection.connect({ host, port });
    try {
      // Our codec knows ApiVersions v4, the broker serves 0-3: the v0-shaped error answer made us retry.
      expect(codecVersions(ApiKeys.ApiVersions).max).toBeGreaterThan(connection.brokerRange(ApiKeys.ApiVersions)!.max);
      for (const api of [ApiKeys.Metadata, ApiKeys.Produce, ApiKeys.Fetch, ApiKeys.ListOffsets]) {
        const theirs = connection.brokerRange(api)!;
        expect(connection.versionFor(api)).toBe(Math.min(theirs.max, codecVersions(api).max));
      }
      expect(connection.versionFor(ApiKeys.Fetch, { max: 12 })).toBe(12);
      // No overlap between what we accept and what the broker serves.
      expect(() => connection.versionFor(ApiKeys.Metadata, { min: connection.brokerRange(ApiKeys.Metadata)!.max + 1 })).toThrow(UnsupportedVersionError);

      // Pipelined requests each get their own response.
      const version = connection.versionFor(ApiKeys.Metadata);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => connection.request(ApiKeys.Metadata, version, { topics: [{ name: `pipelined-${i}` }], allowAutoTopicCreation: false })),
      );
      responses.forEach((r, i) => expect(r.topics[0]!.name).toBe(`pipelined-${i}`));
    } finally {
      connection.close();
    }
  });

  it('times out a request the broker never answers, and fails pending requests when the connection closes', async () => {
    const silent = await fakeBroker(() => {});
    try {
      const error = await KafkaConnection.connect({ host: '127.0.0.1', port: silent.port, requestTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
    } finally {
      await silent.close();
    }
    const hangUp = await fakeBroker((socket) => socket.once('data', () => socket.destroy()));
    try {
      const error = await KafkaConnection.connect({ host: '127.0.0.1', port: hangUp.port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
    } finally {
      await hangUp.close();
    }
    const refused = await KafkaConnection.connect({ host: '127.0.0.1', port: hangUp.port }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectionError);
  });
});

describe('ClusterClient', () => {
  it('parses bootstrap lists', () => {
    expect(parseBootstrapServers('a:1, b:2')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(parseBootstrapServers(['[::1]:9092'])).toEqual([{ host: '::1', port: 9092 }]);
    expect(() => parseBootstrapServers('nohost')).toThrow(/host:port/);
    expect(() => parseBootstrapServers('h:0')).toThrow(/host:port/);
  });

  it('skips an unreachable bootstrap server and routes to partition leaders from Metadata', async () => {
    const dead = await fakeBroker((socket) => socket.destroy());
    await dead.close();
    const client = await ClusterClient.connect({ bootstrapServers: `127.0.0.1:${dead.port},${host}:${port}` });
    try {
      const metadata = await client.metadata(null);
      expect([...metadata.brokers.values()]).toEqual([{ nodeId: kafka.broker().instance.nodeId, host, port, rack: null }]);
      const leader = await client.connectionToNode(kafka.broker().instance.nodeId);
      expect(leader.broker).toBe(`${host}:${port}`);
      // The bootstrap connection is reused for the same address.
      expect(leader).toBe(await client.anyConnection());
    } finally {
      client.close();
    }
  });
});

describe('Producer and SimpleConsumer', () => {
  it('writes queued records as one batch per partition and reads from an offset inside that batch', async () => {
    const client = await ClusterClient.connect({ bootstrapServers: `${host}:${port}` });
    try {
      const producer = new Producer(client, { lingerMs: 10_000 });
      for (let i = 0; i < 5; i++) await producer.send('mid-batch', { key: null, value: Buffer.from(`r${i}`), partition: 0, headers: [{ key: 'i', value: Buffer.from(String(i)) }] });
      await producer.flush();
      expect(producer.failedCount).toBe(0);

      // The log holds a single batch of five: a fetch from offset 2 returns it from offset 0.
      const connection = await client.anyConnection();
      const topicId = (await client.metadata(['mid-batch'])).topics[0]!.topicId;
      const fetched = await connection.request(ApiKeys.Fetch, connection.versionFor(ApiKeys.Fetch), {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        sessionEpoch: -1,
        topics: [{ topic: 'mid-batch', topicId, partitions: [{ partition: 0, fetchOffset: 2, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 }] }],
      });
      const batches = await decodeRecordBatches(fetched.responses[0]!.partitions[0]!.records!);
      expect(batches.map((b) => [b.baseOffset, b.records.length])).toEqual([[0n, 5]]);

      const consumer = new SimpleConsumer(client, { topic: 'mid-batch', start: 2n, resetTo: 'earliest' });
      await consumer.start();
      const records = await consumer.poll(1000);
      expect(records.map((r) => [r.offset, r.value?.toString(), r.headers[0]?.value?.toString()])).toEqual([
        [2n, 'r2', '2'],
        [3n, 'r3', '3'],
        [4n, 'r4', '4'],
      ]);
      expect(consumer.currentPositions.get(0)).toBe(5n);

      // An offset beyond the log end resets to resetTo.
      const warnings: string[] = [];
      const reset = new SimpleConsumer(client, { topic: 'mid-batch', start: 100n, resetTo: 'earliest', onWarning: (m) => warnings.push(m) });
      await reset.start();
      expect(await reset.poll(200)).toEqual([]);
      expect(warnings.join('\n')).toContain('out of range');
      expect((await reset.poll(1000)).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
    } finally {
      client.close();
    }
  });
});
