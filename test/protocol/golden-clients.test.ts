/**
 * Golden tests against real clients: kafkajs 2.2.4, kcat 1.7.1 and confluent-kafka-python 1.7.0
 * (both librdkafka 2.0.2) and kafka-python 2.0.2 talk to a capture server; every request frame
 * they send must decode with the project codec and re-encode to exactly the same bytes.
 *
 * The system clients are not optional: CI installs them (.ci/run); a missing one fails with
 * spawn ENOENT / ModuleNotFoundError rather than skipping silently.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest } from '../../src/protocol/codec.js';
import { ApiKeys, type ApiVersionsRequest, type MetadataRequest, type ProduceRequest } from '../../src/protocol/generated/messages.js';
import { CLASSIC_API_RANGES, startCaptureServer, withRanges, type ApiRange, type CaptureServer, type CapturedRequest } from '../support/capture-server.js';
import { kafkajsClient, KCAT_CODECS, killChildren, produceWithKafkajs, produceWithKafkaPython, produceWithKcat, producedBatches, runProcess } from '../support/produced-batches.js';

/** APIs widened into their flexible versions (request header v2, compact encodings). */
const FLEXIBLE_API_RANGES: readonly ApiRange[] = withRanges(CLASSIC_API_RANGES, [
  { apiKey: ApiKeys.Metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKeys.Produce, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKeys.OffsetFetch, minVersion: 0, maxVersion: 8 },
  { apiKey: ApiKeys.InitProducerId, minVersion: 0, maxVersion: 4 },
  // Flexible-only APIs that kafkajs implements (v0, with a hand-made header v2).
  { apiKey: ApiKeys.AlterPartitionReassignments, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKeys.ListPartitionReassignments, minVersion: 0, maxVersion: 0 },
]);

const servers: CaptureServer[] = [];
async function captureServer(apiRanges?: readonly ApiRange[]): Promise<CaptureServer> {
  const server = await startCaptureServer({ apiRanges, topics: ['golden', 'other'] });
  servers.push(server);
  return server;
}

afterEach(async () => {
  killChildren();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => killChildren());

const hex = (b: Buffer): string => b.toString('hex');
const label = (r: CapturedRequest): string => `${r.apiKey}v${r.apiVersion}`;

/**
 * Every frame that does not decode, or re-encodes to other bytes, as a readable line with
 * the frame's hex and the first differing byte: the test prints it on failure.
 */
function roundTripFailures(requests: readonly CapturedRequest[]): string[] {
  const failures: string[] = [];
  for (const request of requests) {
    const where = `${label(request)} (client ${request.clientId}, correlation ${request.correlationId})`;
    try {
      const { header, body } = decodeRequest(request.frame);
      const reencoded = encodeRequest(header as never, body as never).subarray(4);
      if (!reencoded.equals(request.frame)) {
        let at = 0;
        while (at < reencoded.length && at < request.frame.length && reencoded[at] === request.frame[at]) at++;
        failures.push(`${where}: re-encoding differs at byte ${at}\n  captured ${hex(request.frame)}\n  encoded  ${hex(reencoded)}`);
      }
    } catch (error) {
      failures.push(`${where}: ${(error as Error).message}\n  captured ${hex(request.frame)}`);
    }
  }
  return failures;
}

function expectAllRoundTrip(server: CaptureServer): void {
  expect(server.errors).toEqual([]); // the fixture could encode every answer it owed
  expect(server.requests.length).toBeGreaterThan(0);
  expect(roundTripFailures(server.requests)).toEqual([]);
}

/** The distinct `keyvVersion` labels seen, e.g. `['0v7', '3v6', '18v2']`. */
function versionsSeen(server: CaptureServer): string[] {
  return [...new Set(server.requests.map(label))].sort();
}
function versionsOf(server: CaptureServer, apiKey: number): number[] {
  return [...new Set(server.requests.filter((r) => r.apiKey === apiKey).map((r) => r.apiVersion))].sort((a, b) => a - b);
}

function decodedBodies<T>(server: CaptureServer, apiKey: number): T[] {
  return server.requests.filter((r) => r.apiKey === apiKey).map((r) => decodeRequest(r.frame).body as T);
}

/** Runs an admin call that the capture server may answer with an error; only hangs would matter. */
async function attempt(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // expected for APIs the capture server answers with UNSUPPORTED_VERSION
  }
}

describe('the round-trip check', () => {
  it('reports frames that do not decode, and frames that decode but re-encode differently', () => {
    const header = { apiKey: ApiKeys.ApiVersions, apiVersion: 3, correlationId: 7, clientId: 'check' } as const;
    const frame = encodeRequest(header, { clientSoftwareName: 'check', clientSoftwareVersion: '1.0' }).subarray(4);
    const captured = (bytes: Buffer): CapturedRequest => ({ ...header, frame: bytes });
    expect(roundTripFailures([captured(frame)])).toEqual([]);
    // A trailing byte: decodeRequest refuses it.
    expect(roundTripFailures([captured(Buffer.concat([frame, Buffer.from([0])]))])).toEqual([expect.stringContaining('trailing bytes')]);
    // An unknown tagged field (tag 5, 1 byte) in the body's tag section: decodes (unknown tags
    // are skipped) but is not written back, so the bytes differ.
    const withUnknownTag = Buffer.concat([frame.subarray(0, frame.length - 1), Buffer.from([1, 5, 1, 0xff])]);
    expect(roundTripFailures([captured(withUnknownTag)])).toEqual([expect.stringContaining('re-encoding differs')]);
  });
});

describe('kafkajs 2.2.4', () => {
  it('producer (plain and gzip) frames round-trip byte for byte; ApiVersions v2, Metadata v6, Produce v7', async () => {
    const server = await captureServer();
    await produceWithKafkajs(server.port, 'golden', 'none');
    await produceWithKafkajs(server.port, 'golden', 'gzip');

    expectAllRoundTrip(server);
    expect(server.requests[0]).toMatchObject({ apiKey: ApiKeys.ApiVersions, apiVersion: 2, clientId: 'golden' });
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([2]);
    expect(versionsOf(server, ApiKeys.Metadata)).toEqual([6]);
    expect(versionsOf(server, ApiKeys.Produce)).toEqual([7]);

    const produces = decodedBodies<ProduceRequest>(server, ApiKeys.Produce);
    expect(produces).toHaveLength(2);
    for (const p of produces) {
      expect(p).toMatchObject({ transactionalId: null, acks: -1, topicData: [{ name: 'golden', partitionData: [{ index: 0 }] }] });
    }
    // attributes (int16 at byte 21 of the batch): compression codec in bits 0-2.
    const codecs = producedBatches(server.requests).map((b) => b.records.readInt16BE(21) & 7);
    expect(codecs).toEqual([0, 1]);
  });

  it('admin calls (metadata, cluster, topics, groups, offsets, configs) round-trip byte for byte', async () => {
    const server = await captureServer();
    const kafka = kafkajsClient(server.port, 'golden-admin');
    const admin = kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: ['golden'] });
      expect(metadata.topics.map((t) => t.name)).toEqual(['golden']);
      expect((await admin.listTopics()).sort()).toEqual(['golden', 'other']);
      expect(await admin.describeCluster()).toMatchObject({ clusterId: 'capture-cluster', controller: 0 });
      // Answered with UNSUPPORTED_VERSION (or empty bodies): captured for their request frames only.
      await attempt(() => admin.createTopics({ topics: [{ topic: 'created', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] }));
      await attempt(() => admin.deleteTopics({ topics: ['created'], timeout: 1000 }));
      await attempt(() => admin.listGroups());
      await attempt(() => admin.fetchTopicOffsets('golden'));
      await attempt(() => admin.describeConfigs({ resources: [{ type: 2, name: 'golden' }], includeSynonyms: true }));
      await attempt(() => admin.describeGroups(['golden-group']));
      await attempt(() => admin.fetchOffsets({ groupId: 'golden-group', topics: ['golden'] }));
    } finally {
      await admin.disconnect();
    }

    expectAllRoundTrip(server);
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([2]);
    expect(versionsOf(server, ApiKeys.Metadata)).toEqual([6]);
    const seen = versionsSeen(server);
    // CreateTopics, DeleteTopics, ListGroups, ListOffsets, DescribeConfigs, FindCoordinator, DescribeGroups, OffsetFetch
    expect(seen).toEqual(expect.arrayContaining(['19v3', '20v1', '16v2', '2v3', '32v2', '10v2', '15v2', '9v4']));
    const metadataRequests = decodedBodies<MetadataRequest>(server, ApiKeys.Metadata);
    // listTopics asks for all topics: a null array in v6.
    expect(metadataRequests.some((m) => m.topics === null)).toBe(true);
    expect(metadataRequests.some((m) => m.topics?.some((t) => t.name === 'golden'))).toBe(true);
  });

  it('with flexible ranges advertised, kafkajs still sends only versions it implements, and they round-trip', async () => {
    const server = await captureServer(FLEXIBLE_API_RANGES);
    await produceWithKafkajs(server.port, 'golden', 'gzip');
    const kafka = kafkajsClient(server.port, 'golden-flex');
    const admin = kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: ['golden'] });
      await attempt(() => admin.fetchOffsets({ groupId: 'golden-group', topics: ['golden'] }));
      await attempt(() => admin.listPartitionReassignments({ topics: [{ topic: 'golden', partitions: [0] }] }));
      await attempt(() => admin.alterPartitionReassignments({ topics: [{ topic: 'golden', partitionAssignment: [{ partition: 0, replicas: [0] }] }] }));
    } finally {
      await admin.disconnect();
    }

    expectAllRoundTrip(server);
    // min(kafkajs max, broker max): Metadata 6, Produce 7, ApiVersions 2, OffsetFetch 4.
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([2]);
    expect(versionsOf(server, ApiKeys.Metadata)).toEqual([6]);
    expect(versionsOf(server, ApiKeys.Produce)).toEqual([7]);
    expect(versionsOf(server, ApiKeys.OffsetFetch)).toEqual([4]);
    // The only flexible requests kafkajs can send: request header v2 emulated by a leading 0x00.
    expect(versionsOf(server, ApiKeys.ListPartitionReassignments)).toEqual([0]);
    expect(versionsOf(server, ApiKeys.AlterPartitionReassignments)).toEqual([0]);
  });
});

/** A consumer asking for its committed offsets: FindCoordinator, then OffsetFetch (answered with an error). */
const CONFLUENT_KAFKA_COMMITTED = `
import sys
from confluent_kafka import Consumer, TopicPartition
consumer = Consumer({'bootstrap.servers': '127.0.0.1:' + sys.argv[1], 'group.id': 'golden-group', 'client.id': 'golden-ck'})
try:
    consumer.committed([TopicPartition('golden', 0)], timeout=15)
except Exception as error:
    print('committed failed as expected:', error)
consumer.close()
print('done')
`;

describe('kcat 1.7.1 (librdkafka 2.0.2)', () => {
  it('kcat -L: ApiVersions v3 (header v2) and Metadata v4 round-trip byte for byte', async () => {
    const server = await captureServer();
    const listing = runProcess('kcat', ['-b', `127.0.0.1:${server.port}`, '-L', '-m', '10'], { timeoutMs: 25_000 });
    const metadata = await server.waitFor((r) => r.apiKey === ApiKeys.Metadata);
    expect(metadata.apiVersion).toBe(4);
    const result = await listing;
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toContain('topic "golden" with 1 partitions');

    expectAllRoundTrip(server);
    const first = server.requests[0]!;
    expect(first).toMatchObject({ apiKey: ApiKeys.ApiVersions, apiVersion: 3, clientId: 'rdkafka' });
    // Request header v2: the classic clientId string is followed by an (empty) tag section.
    const clientIdEnd = 10 + first.frame.readInt16BE(8);
    expect(first.frame[clientIdEnd]).toBe(0);
    const [apiVersions] = decodedBodies<ApiVersionsRequest>(server, ApiKeys.ApiVersions);
    expect(apiVersions).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    expect(versionsOf(server, ApiKeys.Metadata)).toEqual([4]);
  });

  it.each(KCAT_CODECS)('kcat -P -z %s: Produce v7 round-trips byte for byte', async (codec) => {
    const server = await captureServer();
    const topic = `golden-${codec}`;
    const result = await produceWithKcat(server.port, topic, codec);
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.code, result.stderr).toBe(0);

    expectAllRoundTrip(server);
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([3]);
    expect(versionsOf(server, ApiKeys.Produce)).toEqual([7]);
    const batches = producedBatches(server.requests);
    expect(batches.length).toBeGreaterThan(0);
    const expectedCodec = KCAT_CODECS.indexOf(codec);
    for (const batch of batches) {
      expect(batch.topic).toBe(topic);
      expect(batch.records.readInt16BE(21) & 7).toBe(expectedCodec);
    }
  });

  it('with flexible ranges advertised (and an idempotent producer), every frame still round-trips', async () => {
    const server = await captureServer(FLEXIBLE_API_RANGES);
    const list = await runProcess('kcat', ['-b', `127.0.0.1:${server.port}`, '-L', '-m', '10'], { timeoutMs: 25_000 });
    expect(list.timedOut).toBe(false);
    const produce = await produceWithKcat(server.port, 'golden', 'zstd', ['-X', 'enable.idempotence=true']);
    expect(produce.code, produce.stderr).toBe(0);

    expectAllRoundTrip(server);
    // librdkafka 2.0.2 caps Metadata at 4 and Produce at 7, but takes flexible InitProducerId v4.
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([3]);
    expect(versionsOf(server, ApiKeys.Metadata)).toEqual([4]);
    expect(versionsOf(server, ApiKeys.Produce)).toEqual([7]);
    expect(versionsOf(server, ApiKeys.InitProducerId)).toEqual([4]);
  });

  it('confluent-kafka-python (same librdkafka) with flexible ranges: OffsetFetch v7 round-trips', async () => {
    const server = await captureServer(FLEXIBLE_API_RANGES);
    const result = await runProcess('/usr/bin/python3', ['-c', CONFLUENT_KAFKA_COMMITTED, String(server.port)], { timeoutMs: 25_000 });
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.stdout, result.stderr).toContain('done');

    expectAllRoundTrip(server);
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([3]);
    expect(versionsOf(server, ApiKeys.FindCoordinator)).toEqual([2]);
    expect(versionsOf(server, ApiKeys.OffsetFetch)).toEqual([7]); // flexible: compact strings, tagged fields
    const [apiVersions] = decodedBodies<ApiVersionsRequest>(server, ApiKeys.ApiVersions);
    expect(apiVersions?.clientSoftwareName).toBe('confluent-kafka-python');
  });

  it('an ApiVersions answer of UNSUPPORTED_VERSION makes librdkafka fall back, and the fallback frames round-trip', async () => {
    // Advertising ApiVersions 0-2 makes the v3 request get a v0-shaped error-35 body.
    const server = await captureServer(withRanges(CLASSIC_API_RANGES, [{ apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: 2 }]));
    const result = await runProcess('kcat', ['-b', `127.0.0.1:${server.port}`, '-L', '-m', '10'], { timeoutMs: 25_000 });
    expect(result.timedOut).toBe(false);
    expectAllRoundTrip(server);
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual(expect.arrayContaining([3]));
    expect(versionsOf(server, ApiKeys.ApiVersions).some((v) => v < 3)).toBe(true);
  });
});

describe('kafka-python 2.0.2', () => {
  it.each(['none', 'gzip'] as const)('KafkaProducer (compression %s): ApiVersions v0 + Metadata + Produce round-trip byte for byte', async (compression) => {
    const server = await captureServer();
    const result = await produceWithKafkaPython(server.port, 'golden', compression);
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.stdout, result.stderr).toContain('sent');

    expectAllRoundTrip(server);
    expect(server.requests[0]).toMatchObject({ apiKey: ApiKeys.ApiVersions, apiVersion: 0 });
    expect(versionsOf(server, ApiKeys.ApiVersions)).toEqual([0]);
    expect(versionsOf(server, ApiKeys.Metadata)).toContain(0);
    expect(versionsOf(server, ApiKeys.Produce)).toEqual([7]);
    expect(producedBatches(server.requests).map((b) => b.records.readInt16BE(21) & 7)).toEqual([compression === 'gzip' ? 1 : 0]);
  });
});
