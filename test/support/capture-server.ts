/**
 * A tiny Kafka-speaking TCP server for golden tests: it records every request frame a real
 * client sends and answers just enough (ApiVersions, Metadata, Produce, FindCoordinator,
 * InitProducerId) for the client to get to the requests we want to capture. A test fixture, not
 * a broker: one node (itself, node 0), one partition per topic, nothing stored.
 *
 * All encoding and decoding goes through the project codec, so the answers themselves also
 * exercise `encodeResponse`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { decodeRequest, encodeResponse, readRequestHeaderFrom, type KnownApiKey } from '../../src/protocol/codec.js';
import { ApiKeys, type FindCoordinatorRequest, type MetadataRequest, type ProduceRequest } from '../../src/protocol/generated/messages.js';

export interface ApiRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** One request frame exactly as received: `frame` excludes the 4-byte size prefix. */
export interface CapturedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly frame: Buffer;
}

export interface CaptureServerOptions {
  /** The ranges ApiVersions advertises (default {@link CLASSIC_API_RANGES}). */
  readonly apiRanges?: readonly ApiRange[];
  /** Topics reported when a Metadata request asks for all topics. */
  readonly topics?: readonly string[];
}

export interface CaptureServer {
  readonly port: number;
  readonly requests: readonly CapturedRequest[];
  /** Answers the fixture failed to build or encode (the connection was closed instead). */
  readonly errors: readonly Error[];
  /** Resolves with the first captured request matching `predicate` (already seen or future). */
  waitFor(predicate: (request: CapturedRequest) => boolean, timeoutMs?: number): Promise<CapturedRequest>;
  close(): Promise<void>;
}

/**
 * Roughly what an Apache Kafka 2.4 broker advertises, capped at the classic (non-flexible)
 * versions. OffsetFetch never has max 0 (kafkajs has no OffsetFetch v0 and breaks on it).
 */
export const CLASSIC_API_RANGES: readonly ApiRange[] = (
  [
    [ApiKeys.Produce, 0, 7], [ApiKeys.Fetch, 0, 11], [ApiKeys.ListOffsets, 0, 5], [ApiKeys.Metadata, 0, 8],
    [ApiKeys.OffsetCommit, 0, 7], [ApiKeys.OffsetFetch, 0, 5], [ApiKeys.FindCoordinator, 0, 2], [ApiKeys.JoinGroup, 0, 5],
    [ApiKeys.Heartbeat, 0, 3], [ApiKeys.LeaveGroup, 0, 3], [ApiKeys.SyncGroup, 0, 3], [ApiKeys.DescribeGroups, 0, 4],
    [ApiKeys.ListGroups, 0, 2], [ApiKeys.ApiVersions, 0, 3], [ApiKeys.CreateTopics, 0, 4], [ApiKeys.DeleteTopics, 0, 3],
    [ApiKeys.InitProducerId, 0, 1], [ApiKeys.DescribeConfigs, 0, 2],
  ] as const
).map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion }));

/** The classic ranges with some APIs widened into their flexible versions. */
export function withRanges(base: readonly ApiRange[], overrides: readonly ApiRange[]): ApiRange[] {
  const byKey = new Map(base.map((r) => [r.apiKey, r]));
  for (const r of overrides) byKey.set(r.apiKey, r);
  return [...byKey.values()].sort((a, b) => a.apiKey - b.apiKey);
}

const UNSUPPORTED_VERSION = 35;
/** The highest ApiVersions version this fixture can answer in kind. */
const MAX_API_VERSIONS_VERSION = 3;

export async function startCaptureServer(options: CaptureServerOptions = {}): Promise<CaptureServer> {
  const apiRanges = options.apiRanges ?? CLASSIC_API_RANGES;
  const allTopics = options.topics ?? ['golden'];
  const requests: CapturedRequest[] = [];
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const nextOffset = new Map<string, bigint>();
  // ApiVersions versions above what is advertised (or above v3) get the UNSUPPORTED_VERSION answer.
  const apiVersionsMax = Math.min(MAX_API_VERSIONS_VERSION, apiRanges.find((r) => r.apiKey === ApiKeys.ApiVersions)?.maxVersion ?? 0);
  let port = 0;

  function respond(socket: Socket, request: CapturedRequest, body: unknown, version = request.apiVersion): void {
    const frame = encodeResponse(request.apiKey as KnownApiKey, version, request.correlationId, body as never);
    if (!socket.destroyed) socket.write(frame);
  }

  function handle(socket: Socket, request: CapturedRequest): void {
    // A body the codec cannot decode is the tests' business (they report it as a round-trip
    // failure); here it only degrades the answer to one built from the header.
    let body: unknown;
    try {
      body = decodeRequest(request.frame).body;
    } catch {
      body = undefined;
    }
    const { apiKey, apiVersion } = request;
    switch (apiKey) {
      case ApiKeys.ApiVersions:
        if (apiVersion > apiVersionsMax) {
          // The Kafka convention: a v0-shaped body so any client can read the error and the ranges.
          respond(socket, request, { errorCode: UNSUPPORTED_VERSION, apiKeys: apiRanges }, 0);
        } else {
          respond(socket, request, { errorCode: 0, apiKeys: apiRanges, throttleTimeMs: 0 });
        }
        return;
      case ApiKeys.Metadata: {
        const asked = (body as MetadataRequest | undefined)?.topics;
        // null = all topics (v1+); in v0 an empty array means all topics.
        const all = asked === null || asked === undefined || (apiVersion === 0 && asked.length === 0);
        const names = all ? allTopics : asked.map((t) => t.name ?? '');
        respond(socket, request, {
          throttleTimeMs: 0,
          brokers: [{ nodeId: 0, host: '127.0.0.1', port, rack: null }],
          clusterId: 'capture-cluster',
          controllerId: 0,
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            isInternal: false,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] }],
          })),
        });
        return;
      }
      case ApiKeys.Produce: {
        const produce = body as ProduceRequest | undefined;
        if (produce?.acks === 0) return; // acks=0: the client expects no response at all.
        respond(socket, request, {
          responses: (produce?.topicData ?? []).map((topic) => ({
            name: topic.name,
            partitionResponses: topic.partitionData.map((p) => {
              const key = `${topic.name}/${p.index}`;
              const baseOffset = nextOffset.get(key) ?? 0n;
              nextOffset.set(key, baseOffset + recordCount(p.records));
              return { index: p.index, errorCode: 0, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n };
            }),
          })),
          throttleTimeMs: 0,
        });
        return;
      }
      case ApiKeys.FindCoordinator: {
        // This node coordinates every group and transaction: lets group/admin calls reach their APIs.
        const find = body as FindCoordinatorRequest | undefined;
        const self = { nodeId: 0, host: '127.0.0.1', port, errorCode: 0, errorMessage: null };
        const keys = apiVersion >= 4 ? (find?.coordinatorKeys ?? []) : [find?.key ?? ''];
        respond(socket, request, { throttleTimeMs: 0, ...self, coordinators: keys.map((key) => ({ key, ...self })) });
        return;
      }
      case ApiKeys.InitProducerId:
        // Lets idempotent producers (which some clients turn on) get to Produce.
        respond(socket, request, { errorCode: 0, producerId: 1000n, producerEpoch: 0, throttleTimeMs: 0 });
        return;
      default:
        // Anything else gets a well-formed response of the version asked, all fields at their
        // defaults except a top-level error code (where the response has one) of
        // UNSUPPORTED_VERSION. Silence would make clients wait for their request timeout
        // (30 s for kafkajs), and closing the socket makes librdkafka reconnect and retry;
        // a non-retriable error answer fails the call at once. If the codec cannot encode a
        // response for the key/version, the connection is closed instead.
        try {
          respond(socket, request, { errorCode: UNSUPPORTED_VERSION });
        } catch {
          socket.destroy();
        }
    }
  }

  function onData(socket: Socket, pending: Buffer, chunk: Buffer): Buffer {
    let buffered = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0);
      if (size < 0) {
        errors.push(new Error(`negative frame size ${size}`));
        socket.destroy();
        return Buffer.alloc(0);
      }
      if (buffered.length < 4 + size) break;
      const frame = Buffer.from(buffered.subarray(4, 4 + size)); // own copy: the test keeps it
      buffered = buffered.subarray(4 + size);
      const request = capture(frame);
      requests.push(request);
      for (const wake of [...waiters]) wake();
      try {
        handle(socket, request);
      } catch (error) {
        errors.push(error as Error);
        socket.destroy();
      }
    }
    return buffered;
  }

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = onData(socket, pending, chunk);
    });
    socket.on('error', () => socket.destroy()); // clients killed mid-request reset the socket
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('capture server has no TCP address');
  port = address.port;

  return {
    port,
    requests,
    errors,
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = requests.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
          return found !== undefined;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = requests.map((r) => `${r.apiKey}v${r.apiVersion}`).join(', ');
          reject(new Error(`no matching request within ${timeoutMs} ms; seen: [${seen}]`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Header fields from the raw frame; a frame too short for a header is still recorded. */
function capture(frame: Buffer): CapturedRequest {
  try {
    const { header } = readRequestHeaderFrom(frame);
    return { ...header, frame };
  } catch {
    const int16 = (at: number) => (frame.length >= at + 2 ? frame.readInt16BE(at) : -1);
    return { apiKey: int16(0), apiVersion: int16(2), correlationId: frame.length >= 8 ? frame.readInt32BE(4) : -1, clientId: null, frame };
  }
}

/** Records in a produce payload (sum of the magic-2 batch record counts; 1 per legacy entry). */
function recordCount(records: Buffer | null): bigint {
  let count = 0n;
  for (let at = 0; records && at + 12 <= records.length; ) {
    const length = records.readInt32BE(at + 8);
    if (length < 0) break;
    const magic = at + 16 < records.length ? records.readInt8(at + 16) : -1;
    count += magic === 2 && at + 61 <= records.length ? BigInt(records.readInt32BE(at + 57)) : 1n;
    at += 12 + length;
  }
  return count;
}
