import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { decodeResponse, type KnownApiKey } from '../../../src/protocol/codec.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { closeRawConnections, kafkajsClient, openRaw, seededRandom, startKafka, stopKafkas, type RawConnection } from '../../support/broker-harness.js';

// Many requests written back to back on one connection, before reading anything: the broker
// takes them up one at a time and answers each, in request order; the ones behind an early
// long-polling Fetch wait for its answer (see one-request-at-a-time.test.ts).

const TOPIC = 'pipelined';
let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});
afterEach(() => closeRawConnections());
afterAll(() => stopKafkas());

interface Sent {
  correlationId: number;
  apiKey: KnownApiKey;
  version: number;
}

const logEnd = () => kafka.broker().instance.replicaManager.partition(TOPIC, 0)!.logEndOffset;

function fetchBody(offset: number, maxWaitMs: number, minBytes: number) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Encodes `count` mixed requests; request 0 is a Fetch that long-polls for `slowFetchMs`. */
function mixedRequests(connection: RawConnection, count: number, slowFetchMs: number): { frames: Buffer[]; sent: Sent[]; produces: number } {
  const frames: Buffer[] = [];
  const sent: Sent[] = [];
  let produces = 0;
  const add = <K extends KnownApiKey>(apiKey: K, version: number, body: Parameters<RawConnection['encode']>[2]) => {
    const correlationId = connection.nextCorrelationId();
    frames.push(connection.encode(apiKey, version, body as never, correlationId));
    sent.push({ correlationId, apiKey, version });
  };
  add(ApiKeys.Fetch, 11, fetchBody(logEnd(), slowFetchMs, 1 << 20));
  for (let i = 1; i < count; i++) {
    switch (i % 6) {
      case 0:
        add(ApiKeys.ApiVersions, i % 12 === 0 ? 0 : 3, { clientSoftwareName: 'pipeline', clientSoftwareVersion: '1' });
        break;
      case 1:
        add(ApiKeys.Metadata, i % 2 === 0 ? 1 : 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
        break;
      case 2:
      case 3:
        produces++;
        add(ApiKeys.Produce, i % 3 === 0 ? 3 : 9, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: encodeRecordBatchSync({ records: [{ key: `k${i}`, value: `pipelined request ${i}` }] }) }] }],
        });
        break;
      case 4:
        add(ApiKeys.ListOffsets, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
        break;
      default:
        add(ApiKeys.Fetch, 11, fetchBody(0, 0, 0));
    }
  }
  return { frames, sent, produces };
}

/** Reads `sent.length` frames and checks each answers the request in the same position. */
async function expectInOrder(connection: RawConnection, sent: Sent[]): Promise<Array<{ apiKey: number; body: unknown }>> {
  const out: Array<{ apiKey: number; body: unknown }> = [];
  for (const request of sent) {
    const frame = await connection.nextFrame(20_000);
    const { correlationId, body } = decodeResponse(request.apiKey, request.version, frame);
    expect(correlationId).toBe(request.correlationId);
    out.push({ apiKey: request.apiKey, body });
  }
  return out;
}

it('answers 300 pipelined requests of six APIs in request order, the long-polling Fetch first', async () => {
  const connection = await openRaw(bootstrap, 'pipeline');
  const endBefore = logEnd();
  const { frames, sent, produces } = mixedRequests(connection, 300, 300);
  await connection.write(Buffer.concat(frames));
  const responses = await expectInOrder(connection, sent);

  // The produces were appended in request order.
  const baseOffsets = responses
    .filter((r) => r.apiKey === ApiKeys.Produce)
    .map((r) => (r.body as { responses: Array<{ partitionResponses: Array<{ errorCode: number; baseOffset: bigint }> }> }).responses[0]!.partitionResponses[0]!)
    .map((p) => {
      expect(p.errorCode).toBe(ErrorCode.NONE);
      return Number(p.baseOffset);
    });
  expect(baseOffsets).toEqual(Array.from({ length: produces }, (_, n) => endBefore + n));
  expect(logEnd()).toBe(endBefore + produces);
  // The long-polling Fetch waited its maxWait out (its minBytes were never reached) and came back first.
  const slow = responses[0]!.body as { responses: Array<{ partitions: Array<{ errorCode: number }> }> };
  expect(slow.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  expect(connection.queuedFrames).toBe(0);
});

it('splits pipelined requests that arrive in arbitrary TCP chunks', async () => {
  const connection = await openRaw(bootstrap, 'chunks');
  const { frames, sent } = mixedRequests(connection, 120, 50);
  const bytes = Buffer.concat(frames);
  const random = seededRandom(42);
  // Chunks from 1 byte to a few frames long, so sizes and headers straddle chunk boundaries.
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(random() * (random() < 0.5 ? 7 : 400)));
    await connection.write(bytes.subarray(at, at + n));
    at += n;
  }
  const responses = await expectInOrder(connection, sent);
  expect(responses).toHaveLength(120);
});

it('keeps a connection usable after many round trips interleaved with pipelined bursts', async () => {
  const connection = await openRaw(bootstrap, 'interleaved');
  for (let burst = 0; burst < 5; burst++) {
    const { frames, sent } = mixedRequests(connection, 20, 10);
    await connection.write(Buffer.concat(frames));
    await expectInOrder(connection, sent);
    const versions = await connection.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(versions.errorCode).toBe(0);
  }
  expect(connection.isClosed).toBe(false);
});
