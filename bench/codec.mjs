// Codec throughput: encode + decode of Produce requests and Fetch responses (the hot paths of
// a broker), a metadata-heavy response (structure-dominated), and CRC-32C.
//
//   npm run build && node bench/codec.mjs
//
// Each figure is the median of 5 timed rounds of ~300 ms after a warm-up round.
import { randomBytes } from 'node:crypto';
import { ApiKeys, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../dist/protocol/index.js';

function measure(fn, bytesPerOp) {
  const rounds = [];
  for (let round = 0; round < 6; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 300) {
      for (let i = 0; i < 16; i++) fn();
      ops += 16;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    if (round > 0) rounds.push(ops / (elapsed / 1000));
  }
  rounds.sort((a, b) => a - b);
  const opsPerSec = rounds[2];
  return { opsPerSec, mbPerSec: (opsPerSec * bytesPerOp) / 1e6 };
}

const partitions = (n, size) => Array.from({ length: n }, (_, i) => ({ index: i, records: randomBytes(size) }));

function produceCase(version, partitionCount, batchSize) {
  const header = { apiKey: ApiKeys.Produce, apiVersion: version, correlationId: 1, clientId: 'bench' };
  const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'bench-topic', partitionData: partitions(partitionCount, batchSize) }] };
  const frame = encodeRequest(header, body);
  return {
    name: `Produce v${version} request, ${partitionCount} x ${batchSize / 1024} KiB batches`,
    bytes: frame.length,
    encode: () => encodeRequest(header, body, frame.length),
    decode: () => decodeRequest(frame.subarray(4)),
  };
}

function fetchCase(version, partitionCount, batchSize) {
  const body = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic: 'bench-topic', partitions: partitions(partitionCount, batchSize).map((p) => ({
      partitionIndex: p.index, errorCode: 0, highWatermark: 1000n, lastStableOffset: 1000n, logStartOffset: 0n,
      abortedTransactions: [], preferredReadReplica: -1, records: p.records })) }],
  };
  const frame = encodeResponse(1, version, 1, body);
  return {
    name: `Fetch v${version} response, ${partitionCount} x ${batchSize / 1024} KiB batches`,
    bytes: frame.length,
    encode: () => encodeResponse(1, version, 1, body, frame.length),
    decode: () => decodeResponse(1, version, frame.subarray(4)),
  };
}

function metadataCase(version, topicCount, partitionCount) {
  const body = {
    brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9092, rack: null }], clusterId: 'bench', controllerId: 0,
    topics: Array.from({ length: topicCount }, (_, t) => ({
      errorCode: 0, name: `topic-${t}`, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isInternal: false,
      partitions: Array.from({ length: partitionCount }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] })),
    })),
  };
  const frame = encodeResponse(3, version, 1, body);
  return {
    name: `Metadata v${version} response, ${topicCount} topics x ${partitionCount} partitions`,
    bytes: frame.length,
    encode: () => encodeResponse(3, version, 1, body),
    decode: () => decodeResponse(3, version, frame.subarray(4)),
  };
}

const cases = [
  produceCase(7, 10, 16 * 1024),
  produceCase(9, 10, 16 * 1024),
  produceCase(7, 1, 1024),
  fetchCase(11, 10, 64 * 1024),
  fetchCase(12, 10, 64 * 1024),
  metadataCase(12, 100, 10),
];

console.log('| message | frame bytes | encode ops/s | encode MB/s | decode ops/s | decode MB/s |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const enc = measure(c.encode, c.bytes);
  const dec = measure(c.decode, c.bytes);
  console.log(`| ${c.name} | ${c.bytes} | ${Math.round(enc.opsPerSec)} | ${Math.round(enc.mbPerSec)} | ${Math.round(dec.opsPerSec)} | ${Math.round(dec.mbPerSec)} |`);
}

// CRC-32C, when the module is built: native (when it loads) and the pure-JS fallback.
try {
  const crc = await import('../dist/protocol/crc32c.js');
  console.log(`\nCRC-32C (implementation in use: ${crc.crc32cImplementation})\n`);
  console.log('| implementation | buffer | MB/s |');
  console.log('|---|---:|---:|');
  for (const size of [1024 * 1024, 16 * 1024, 1024]) {
    const data = randomBytes(size);
    /** @type {[string, (data: Buffer) => number][]} */
    const implementations = [['crc32c (default)', crc.crc32c], ['pure JS fallback', crc.crc32cPureJs]];
    for (const [name, fn] of implementations) {
      const r = measure(() => fn(data), size);
      console.log(`| ${name} | ${size >= 1048576 ? size / 1048576 + ' MiB' : size / 1024 + ' KiB'} | ${Math.round(r.mbPerSec)} |`);
    }
  }
} catch (error) {
  console.log(`\n(CRC-32C module not available: ${error instanceof Error ? error.message : String(error)})`);
}
