// Record-batch compression and CRC-32C throughput.
//
//   npm run build && node bench/compression.mjs                # the codecs streamwright ships
//   node bench/compression.mjs --candidates                    # + the libraries we compared them with,
//                                                              #   if installed (npm install --no-save ...)
// Env: REPS (timed samples per cell, default 15). Prints markdown tables of median MiB/s,
// always per *uncompressed* MiB, so compress and decompress columns are comparable.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { CompressionType, compress, compressSync, decompress, decompressSync } from '../dist/protocol/compression/index.js';
import { crc32c, crc32cImplementation, crc32cPureJs } from '../dist/protocol/crc32c.js';

const REPS = Number(process.env.REPS ?? 15);
const WARMUP = 3;
const MIN_SAMPLE_MS = 5; // small inputs run in an inner loop so one sample is not all timer noise
const MiB = 1024 * 1024;
const require = createRequire(import.meta.url);

/** Deterministic record-like bytes: JSON order events framed like Kafka records (length, key, value, header). */
function recordLikeData(length, seed = 42) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const statuses = ['CREATED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
  const skus = Array.from({ length: 200 }, (_, i) => `SKU-${(i * 7919) % 100000}`);
  const chunks = [];
  let total = 0;
  let timestamp = 1_700_000_000_000;
  while (total < length) {
    timestamp += Math.floor(random() * 50);
    const value = Buffer.from(
      JSON.stringify({
        eventId: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
        type: 'OrderStatusChanged',
        orderId: `ord-${Math.floor(random() * 1e7)}`,
        customerId: Math.floor(random() * 50000),
        status: pick(statuses),
        at: new Date(timestamp).toISOString(),
        lines: Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({ sku: pick(skus), qty: 1 + Math.floor(random() * 5), price: Math.round(random() * 50000) / 100 })),
      }),
    );
    const key = Buffer.from(`ord-${Math.floor(random() * 1e7)}`);
    const header = Buffer.from(`traceparent00-${hex(32)}-${hex(16)}-01`);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(key.length + value.length + header.length);
    for (const part of [size, key, value, header]) {
      chunks.push(part);
      total += part.length;
    }
  }
  return Buffer.concat(chunks).subarray(0, length);
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Median MiB/s of `run` processing `bytes` per call. */
async function throughput(bytes, run) {
  let perSample = 1;
  const t0 = performance.now();
  await run();
  const once = performance.now() - t0;
  if (once < MIN_SAMPLE_MS) perSample = Math.ceil(MIN_SAMPLE_MS / Math.max(once, 0.001));
  for (let i = 0; i < WARMUP; i++) for (let j = 0; j < perSample; j++) await run();
  const samples = [];
  for (let i = 0; i < REPS; i++) {
    const start = performance.now();
    for (let j = 0; j < perSample; j++) await run();
    samples.push((bytes * perSample) / MiB / ((performance.now() - start) / 1000));
  }
  return median(samples);
}

const fmt = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

async function assertRoundTrip(name, input, encode, decode) {
  const back = Buffer.from(await decode(await encode(input)));
  if (!back.equals(input)) throw new Error(`${name}: round trip mismatch`);
}

async function benchShippedCodecs(input, label) {
  const rows = [];
  /** @type {[string, import('../dist/protocol/index.js').CompressionType][]} */
  const codecs = [['gzip', CompressionType.Gzip], ['snappy', CompressionType.Snappy], ['lz4', CompressionType.Lz4], ['zstd', CompressionType.Zstd]];
  for (const [name, type] of codecs) {
    await assertRoundTrip(name, input, (d) => compress(type, d), (d) => decompress(type, d));
    const compressed = compressSync(type, input);
    rows.push({
      name,
      ratio: input.length / compressed.length,
      compressSync: await throughput(input.length, () => compressSync(type, input)),
      decompressSync: await throughput(input.length, () => decompressSync(type, compressed)),
      compressAsync: await throughput(input.length, () => compress(type, input)),
      decompressAsync: await throughput(input.length, () => decompress(type, compressed)),
    });
  }
  const gzip = rows[0];
  console.log(`\n### Shipped codecs, ${label} (sync and async API of src/protocol/compression)\n`);
  console.log('| codec | ratio | compress sync | decompress sync | compress async | decompress async | sync vs gzip (c / d) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.ratio.toFixed(2)} | ${fmt(r.compressSync)} | ${fmt(r.decompressSync)} | ${fmt(r.compressAsync)} | ${fmt(r.decompressAsync)} | ` +
        `${(r.compressSync / gzip.compressSync).toFixed(1)}x / ${(r.decompressSync / gzip.decompressSync).toFixed(1)}x |`,
    );
  }
}

/** Libraries we evaluated; each is skipped with a note when it is not installed. */
async function candidateCodecs() {
  const load = async (specifier) => {
    try {
      return specifier.startsWith('@cloudpss/') || specifier.startsWith('@hpcc-js/') ? await import(specifier) : require(specifier);
    } catch {
      return undefined;
    }
  };
  const candidates = [];
  const add = (name, module, make) => candidates.push(module === undefined ? { name, missing: true } : { name, ...make(module) });
  add('gzip: node:zlib (level 6)', zlib, (z) => ({ encode: (d) => z.gzipSync(d), decode: (d) => z.gunzipSync(d) }));
  add('snappy: snappy (napi-rs)', await load('snappy'), (m) => ({ encode: (d) => m.compressSync(d, { copyOutputData: true }), decode: (d) => m.uncompressSync(d, { copyOutputData: true }) }));
  add('snappy: snappyjs', await load('snappyjs'), (m) => ({ encode: (d) => m.compress(d), decode: (d) => m.uncompress(d) }));
  add('lz4: lz4-napi (frame)', await load('lz4-napi'), (m) => ({ encode: (d) => m.compressFrameSync(d), decode: (d) => m.decompressFrameSync(d) }));
  add('lz4: lz4js (frame)', await load('lz4js'), (m) => ({ encode: (d) => m.compress(d), decode: (d) => m.decompress(d) }));
  add('zstd: @toondepauw/node-zstd', await load('@toondepauw/node-zstd'), (m) => {
    const encoder = new m.Encoder(3);
    const decoder = new m.Decoder();
    return { encode: (d) => encoder.encodeSync(d), decode: (d) => decoder.decodeSync(d) };
  });
  add('zstd: zstd-napi', await load('zstd-napi'), (m) => ({ encode: (d) => m.compress(d, { compressionLevel: 3 }), decode: (d) => m.decompress(d) }));
  add('zstd: @cloudpss/zstd (N-API addon)', await load('@cloudpss/zstd/napi'), (m) => ({ encode: (d) => m.compress(d, 3), decode: (d) => m.decompress(d) }));
  add('zstd: @cloudpss/zstd (WASM build)', await load('@cloudpss/zstd/wasm'), (m) => ({ encode: (d) => m.compress(d, 3), decode: (d) => m.decompress(d) }));
  add('zstd: @bokuweb/zstd-wasm', await load('@bokuweb/zstd-wasm'), (m) => ({
    init: () => m.init(),
    encode: (d) => m.compress(d, 3),
    decode: (d) => m.decompress(d, { defaultHeapSize: 2 * MiB }),
  }));
  add('zstd: @hpcc-js/wasm-zstd', await load('@hpcc-js/wasm-zstd'), (m) => {
    let zstd;
    return { init: async () => (zstd = await m.Zstd.load()), encode: (d) => zstd.compress(d, 3), decode: (d) => zstd.decompress(d) };
  });
  add('zstd: zstd-codec', await load('zstd-codec'), (m) => {
    let simple;
    return {
      init: () => new Promise((resolve) => m.ZstdCodec.run((z) => resolve((simple = new z.Simple())))),
      encode: (d) => simple.compress(d, 3),
      decode: (d) => simple.decompress(d),
    };
  });
  // fzstd only decodes; its input comes from the same libzstd encoder (@cloudpss/zstd, WASM build).
  const fzstd = await load('fzstd');
  const zstdWasm = await load('@cloudpss/zstd/wasm');
  add('zstd: fzstd (decode only)', fzstd && zstdWasm, () => ({ encode: (d) => zstdWasm.compress(d, 3), decode: (d) => fzstd.decompress(d) }));
  return candidates;
}

async function benchCandidates(input) {
  console.log('\n### Candidate libraries, 1 MiB record-like input (sync one-shot APIs)\n');
  console.log('| library | ratio | compress | decompress |');
  console.log('|---|---:|---:|---:|');
  for (const candidate of await candidateCodecs()) {
    if (candidate.missing) {
      console.log(`| ${candidate.name} | not installed | | |`);
      continue;
    }
    await candidate.init?.();
    await assertRoundTrip(candidate.name, input, candidate.encode, candidate.decode);
    const compressed = candidate.encode(input);
    const c = await throughput(input.length, () => candidate.encode(input));
    const d = await throughput(input.length, () => candidate.decode(compressed));
    console.log(`| ${candidate.name} | ${(input.length / compressed.length).toFixed(2)} | ${fmt(c)} | ${fmt(d)} |`);
  }
}

async function benchCrc32c() {
  const nativeCrc32c = require('@node-rs/crc32').crc32c;
  console.log(`\n### CRC-32C (crc32cImplementation = '${crc32cImplementation}')\n`);
  console.log('| input | @node-rs/crc32 | crc32cPureJs (slicing-by-16) | crc32c (dispatch) |');
  console.log('|---|---:|---:|---:|');
  for (const size of [64, 256, 1024, MiB]) {
    const data = recordLikeData(size, size);
    if (nativeCrc32c(data) !== crc32cPureJs(data) || crc32c(data) !== crc32cPureJs(data)) throw new Error(`crc32c mismatch at ${size} bytes`);
    const label = size >= MiB ? `${size / MiB} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    const n = await throughput(size, () => nativeCrc32c(data));
    const js = await throughput(size, () => crc32cPureJs(data));
    const dispatch = await throughput(size, () => crc32c(data));
    console.log(`| ${label} | ${fmt(n)} | ${fmt(js)} | ${fmt(dispatch)} |`);
  }
}

const record1MiB = recordLikeData(MiB);
console.log(`node ${process.version}, ${process.platform}-${process.arch}, REPS=${REPS}; values are median MiB/s of uncompressed data`);
await benchShippedCodecs(record1MiB, '1 MiB record-like batch');
await benchShippedCodecs(recordLikeData(16 * 1024, 7), '16 KiB record-like batch (producer default batch.size)');
if (process.argv.includes('--candidates')) await benchCandidates(record1MiB);
await benchCrc32c();
