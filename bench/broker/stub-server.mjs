// A no-op "broker" for the throughput benchmark: the smallest TCP server a Kafka producer can
// talk to. It answers ApiVersions, Metadata and Produce (and nothing else) with success, keeps
// no data, and acks every produce at once with a made-up base offset. Comparing a client's
// throughput against it with the throughput against the real broker shows what the broker
// costs that client.
//
// Topics exist as soon as they are asked for; a name ending in `-p<N>` has N partitions, any
// other name has one.
//
//   node bench/broker/stub-server.mjs        # prints "LISTENING 127.0.0.1:<port>"
import { createServer } from 'node:net';
import { frameSplitter } from './frames.mjs';
import { ApiKeys, ErrorCode, ZERO_UUID, decodeRequestBody, encodeResponse, readRequestHeaderFrom } from '../../dist/protocol/index.js';

const NODE_ID = 0;
/** The same ranges the real broker advertises for these three APIs. */
const API_RANGES = [
  { apiKey: ApiKeys.Produce, minVersion: 3, maxVersion: 11 },
  { apiKey: ApiKeys.Metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: 3 },
];
/** @type {Map<number, (typeof API_RANGES)[number]>} */
const RANGE_BY_KEY = new Map(API_RANGES.map((r) => [r.apiKey, r]));

const partitionCount = (topic) => Number(/-p(\d+)$/.exec(topic)?.[1] ?? 1);

/** Records in a records blob: the sum of the record counts of its batches (magic 2 layout). */
function countRecords(records) {
  let count = 0;
  for (let at = 0; at + 61 <= records.length; at += 12 + records.readInt32BE(at + 8)) count += records.readInt32BE(at + 57);
  return count;
}

export function startStub({ host = '127.0.0.1', port = 0 } = {}) {
  const nextOffset = new Map(); // "topic/partition" -> next base offset handed out

  function respond(frame) {
    let header, bodyOffset;
    try {
      ({ header, bodyOffset } = readRequestHeaderFrom(frame));
    } catch {
      return null;
    }
    const range = RANGE_BY_KEY.get(header.apiKey);
    if (!range) return null; // unknown API: close, as the real broker does
    const { apiKey, apiVersion, correlationId } = header;
    if (apiVersion < range.minVersion || apiVersion > range.maxVersion) {
      if (apiKey !== ApiKeys.ApiVersions) return null;
      return encodeResponse(ApiKeys.ApiVersions, 0, correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: API_RANGES });
    }
    switch (apiKey) {
      case ApiKeys.ApiVersions:
        return encodeResponse(apiKey, apiVersion, correlationId, { errorCode: ErrorCode.NONE, apiKeys: API_RANGES, throttleTimeMs: 0 });
      case ApiKeys.Metadata: {
        const body = decodeRequestBody(apiKey, apiVersion, frame, bodyOffset);
        const names = body.topics === null ? [] : body.topics.map((t) => t.name).filter((n) => n !== null);
        return encodeResponse(apiKey, apiVersion, correlationId, {
          throttleTimeMs: 0,
          brokers: [{ nodeId: NODE_ID, host: listening().address, port: listening().port, rack: null }],
          clusterId: 'stub-cluster',
          controllerId: NODE_ID,
          topics: names.map((name) => ({
            errorCode: ErrorCode.NONE,
            name,
            topicId: ZERO_UUID,
            isInternal: false,
            partitions: Array.from({ length: partitionCount(name) }, (_, i) => ({
              errorCode: ErrorCode.NONE,
              partitionIndex: i,
              leaderId: NODE_ID,
              leaderEpoch: 0,
              replicaNodes: [NODE_ID],
              isrNodes: [NODE_ID],
              offlineReplicas: [],
            })),
          })),
        });
      }
      case ApiKeys.Produce: {
        const body = decodeRequestBody(apiKey, apiVersion, frame, bodyOffset);
        if (body.acks === 0) return 'none';
        const responses = body.topicData.map((topic) => ({
          name: topic.name,
          partitionResponses: topic.partitionData.map((p) => {
            const key = `${topic.name}/${p.index}`;
            const baseOffset = nextOffset.get(key) ?? 0;
            nextOffset.set(key, baseOffset + (p.records ? countRecords(p.records) : 0));
            return { index: p.index, errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: BigInt(baseOffset), logAppendTimeMs: -1n, logStartOffset: 0n };
          }),
        }));
        return encodeResponse(apiKey, apiVersion, correlationId, { responses, throttleTimeMs: 0 });
      }
    }
    return null;
  }

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let corked = false;
    const split = frameSplitter((frame) => {
      const response = respond(frame);
      if (response === null) {
        socket.destroy();
        return false;
      }
      if (response === 'none') return true;
      if (!corked) socket.cork();
      corked = true;
      socket.write(response);
      return true;
    });
    // Responses to the frames of one chunk go out in one write.
    socket.on('data', (chunk) => {
      split(chunk);
      if (corked) socket.uncork();
      corked = false;
    });
  });
  /** The bound TCP address (a net.Server listening on a port, not a pipe). */
  const listening = () => /** @type {import('node:net').AddressInfo} */ (server.address());

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { address, port: bound } = listening();
      resolve({
        bootstrapServer: `${address}:${bound}`,
        stop: () => new Promise((/** @type {(value?: unknown) => void} */ done) => server.close(() => done())),
        server,
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stub = await startStub();
  console.log(`LISTENING ${stub.bootstrapServer}`);
  const stop = async () => {
    stub.server.closeAllConnections?.();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Spawned with an IPC channel: if the parent dies without signalling us, do not linger.
  process.on('disconnect', stop);
}
