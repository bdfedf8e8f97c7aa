import { afterAll, beforeAll, expect, it } from 'vitest';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import type { ConnectionStats } from '../../../src/broker/server/connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { kafkajsClient, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// Kafka's socket server mutes a connection while one of its requests is in progress: the next
// request on it is taken up once the response is written. A request that waits (a long-polling
// Fetch) holds up its own connection, never another one.

const TOPIC = 'one-at-a-time';
let kafka: EmbeddedKafka;
let host: string;
let port: number;

beforeAll(async () => {
  kafka = await startKafka();
  const bootstrap = kafka.bootstrapServers[0]!;
  host = bootstrap.slice(0, bootstrap.lastIndexOf(':'));
  port = Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1));
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});
afterAll(() => stopKafkas());

const stats = (): ConnectionStats[] => kafka.broker().instance.connectionStats();

/** A Fetch that waits (up to a minute) for the first record at `offset`. */
function longPoll(connection: KafkaConnection, offset: number) {
  return connection.request(ApiKeys.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 60_000,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
}

it('takes up a request only after the one before it on the connection is answered, while other connections go on', async () => {
  const connection = await KafkaConnection.connect({ host, port, clientId: 'one-at-a-time' });
  try {
    const end = kafka.broker().instance.replicaManager.partition(TOPIC, 0)!.logEndOffset;
    const answered: string[] = [];
    const slow = longPoll(connection, end).then((response) => {
      answered.push('fetch');
      return response;
    });
    const fast = connection.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }).then((response) => {
      answered.push('metadata');
      return response;
    });
    // Closing the connection on a failure below fails both: not an unhandled rejection.
    void Promise.allSettled([slow, fast]);

    // The Fetch waits in purgatory; the Metadata request has arrived but is not taken up.
    const muted = await waitFor(() => stats().find((s) => s.pendingResponses === 1 && s.heldRequests === 1), { what: 'the Metadata request to be held behind the Fetch' });
    expect(answered).toEqual([]);

    // Another connection is served meanwhile, and its write completes the waiting Fetch.
    const producer = kafkajsClient(kafka.bootstrapServers[0]!).producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: [{ value: 'wakes the fetch' }] });
    await producer.disconnect();

    const [fetched, metadata] = await Promise.all([slow, fast]);
    expect(answered).toEqual(['fetch', 'metadata']);
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    expect(metadata.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const after = stats().find((s) => s.clientAddress === muted.clientAddress)!;
    expect(after.pendingResponses).toBe(0);
    expect(after.heldRequests).toBe(0);
  } finally {
    connection.close();
  }
});

it('answers requests written back to back one by one, in order', async () => {
  const connection = await KafkaConnection.connect({ host, port, clientId: 'back-to-back' });
  try {
    const order: number[] = [];
    const requests = Array.from({ length: 20 }, (_, i) =>
      connection.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }).then(() => order.push(i)),
    );
    await Promise.all(requests);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  } finally {
    connection.close();
  }
});
