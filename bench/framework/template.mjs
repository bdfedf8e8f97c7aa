// KafkaTemplate against raw kafkajs on the same records, in one run (ratios are what count):
//  - throughput: windows of 1,000 concurrent template.send() against producer.send() of the
//    same 1,000 records as one batch;
//  - latency: one awaited send at a time, template against a raw single-message send.
//
//   npm run bench:template                 # build, then ~1-2 min
//   node bench/framework/template.mjs --quick
//   node bench/framework/template.mjs --rounds=30 --only=latency
//   node --cpu-prof bench/framework/template.mjs --side=template --only=throughput   # one side only, for a profile
//   node bench/framework/template.mjs --side=raw --only=throughput --heap-profile=raw.heapprofile
//
// The broker runs in a child process. On a shared machine the load moves by more than the
// difference measured, so raw and template take turns at the finest grain there is (A B A B
// ...: one window of 1,000 records, or one awaited send, each; the side that goes first
// alternates), and a round's ratio compares the medians of its two sides, which a GC pause or
// a preempted process does not move. The figure reported is the median of the rounds' ratios,
// with their min–max. Both sides are configured alike: one kafkajs producer each, not
// idempotent, acks=-1, no compression, kafkajs' DefaultPartitioner, the same 100-byte string
// values without a key. CPU is the client process's (process.cpuUsage()), per record.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { DefaultKafkaProducerFactory, KafkaTemplate, silentLogger, StringSerializer } from '../../dist/index.js';
import { median, startBrokerProcess } from './broker-process.mjs';

const options = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const quick = options.has('quick');
const rounds = Number(options.get('rounds') ?? (quick ? 2 : 20));
const only = options.get('only');
const side = options.get('side');
const batchRecords = 1000;
const windowPairsPerRound = quick ? 3 : 10;
const sendPairsPerRound = quick ? 30 : 200;
const warmupRounds = quick ? 1 : 3;
const value = 'x'.repeat(100);

const broker = await startBrokerProcess();
const kafkaConfig = { brokers: [broker.address], clientId: 'template-bench', logLevel: logLevel.NOTHING };
const topic = 'template-bench';
const admin = new Kafka(kafkaConfig).admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
await admin.disconnect();

// The same producer settings on both sides (kafkajs' defaults, spelled out).
const producerConfig = { createPartitioner: Partitioners.DefaultPartitioner, idempotent: false };
const sendOptions = { acks: -1 };
const raw = new Kafka(kafkaConfig).producer(producerConfig);
await raw.connect();
const factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig, producerConfig, sendOptions, valueSerializer: new StringSerializer(), logger: silentLogger });
// The default batching: sends started in the same event-loop turn share a request per leader.
const template = new KafkaTemplate(factory, { logger: silentLogger, producerListener: {} });

/** One unit of each scenario and side, returning the records it sent. */
const throughput = {
  raw: async () => {
    await raw.send({ topic, ...sendOptions, messages: Array.from({ length: batchRecords }, () => ({ value })) });
    return batchRecords;
  },
  template: async () => {
    await Promise.all(Array.from({ length: batchRecords }, () => template.send(topic, value)));
    return batchRecords;
  },
};
const latency = {
  raw: async () => {
    await raw.send({ topic, ...sendOptions, messages: [{ value }] });
    return 1;
  },
  template: async () => {
    await template.send(topic, value);
    return 1;
  },
};

/** Runs one unit: wall µs and client CPU µs per record. */
async function measure(run) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const records = await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall: (wall * 1000) / records, cpu: (used.user + used.system) / records };
}

/** One round: `pairs` turns of raw and template (A B, then B A, ...); medians of each side and their ratio. */
async function round(runs, pairs) {
  const samples = { raw: [], template: [] };
  for (let i = 0; i < pairs; i++) {
    for (const side of i % 2 === 0 ? ['raw', 'template'] : ['template', 'raw']) samples[side].push(await measure(runs[side]));
  }
  const of = (side, key) => median(samples[side].map((s) => s[key]));
  const result = { raw: of('raw', 'wall'), template: of('template', 'wall'), rawCpu: of('raw', 'cpu'), templateCpu: of('template', 'cpu') };
  return { ...result, ratio: result.template / result.raw, cpuRatio: result.templateCpu / result.rawCpu };
}

async function scenario(runs, pairs) {
  for (let r = 0; r < warmupRounds; r++) await round(runs, pairs);
  const all = [];
  for (let r = 0; r < rounds; r++) all.push(await round(runs, pairs));
  const ratios = all.map((r) => r.ratio);
  return {
    raw: median(all.map((r) => r.raw)),
    template: median(all.map((r) => r.template)),
    rawCpu: median(all.map((r) => r.rawCpu)),
    templateCpu: median(all.map((r) => r.templateCpu)),
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    cpuRatio: median(all.map((r) => r.cpuRatio)),
  };
}

/** `--side=raw|template`: that side's units alone (as many as a whole run makes of it), for a CPU or heap profile. */
async function oneSide(runs, pairs) {
  const chosen = /** @type {'raw' | 'template'} */ (side);
  for (let i = 0; i < warmupRounds * pairs; i++) await runs[chosen]();
  const heap = options.get('heap-profile');
  // Every allocation sampled, the collected ones included: what a send allocates, not only what it keeps.
  const session = heap ? new Session() : undefined;
  session?.connect();
  await session?.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const cpu = process.cpuUsage();
  let records = 0;
  for (let i = 0; i < rounds * pairs; i++) records += await runs[chosen]();
  const used = process.cpuUsage(cpu);
  let allocated = '';
  if (session && heap) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(heap, JSON.stringify(profile));
    session.disconnect();
    const bytes = allocatedBytes(profile.head);
    allocated = `; allocated per record: ${Object.entries(bytes).map(([where, b]) => `${where} ${Math.round(b / records)} B`).join(', ')}`;
  }
  return `${records} records, ${((used.user + used.system) / records).toFixed(2)} µs of client CPU per record${allocated}`;
}

/** A sampling heap profile's bytes by who allocated them: the nearest caller with a script (built-ins have none). */
function allocatedBytes(node, owner = '', totals = { kafkajs: 0, streamwright: 0, other: 0 }) {
  const url = node.callFrame.url || owner;
  const where = url.includes('/kafkajs/') ? 'kafkajs' : url.includes('/dist/') ? 'streamwright' : 'other';
  totals[where] += node.selfSize;
  for (const child of node.children) allocatedBytes(child, url, totals);
  return totals;
}

try {
  if (side) {
    if (!(side in throughput)) throw new Error(`--side takes raw or template, not ${side}`);
    if (only !== 'latency') console.log(`${side}, concurrent sends: ${await oneSide(throughput, windowPairsPerRound)}`);
    if (only !== 'throughput') console.log(`${side}, awaited sends: ${await oneSide(latency, sendPairsPerRound)}`);
  } else {
    await compareSides();
  }
} finally {
  await raw.disconnect();
  await factory.close();
  await broker.stop();
}

async function compareSides() {
  const loadBefore = loadavg()[0];
  const rates = only === 'latency' ? undefined : await scenario(throughput, windowPairsPerRound);
  const latencies = only === 'throughput' ? undefined : await scenario(latency, sendPairsPerRound);
  console.log(`node ${process.version}, ${rounds} rounds per scenario after ${warmupRounds} of warm-up, load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
  console.log('| scenario | raw kafkajs | KafkaTemplate | ratio: median of the rounds (min–max) | client CPU µs/record, raw / template |');
  console.log('|---|---:|---:|---:|---:|');
  if (rates) {
    console.log(
      `| ${batchRecords.toLocaleString('en')} concurrent sends at a time, rounds of ${windowPairsPerRound} window pairs (records/s) | ` +
        `${Math.round(1e6 / rates.raw).toLocaleString('en')} | ${Math.round(1e6 / rates.template).toLocaleString('en')} | ` +
        `**${(1 / rates.ratio).toFixed(2)}×** throughput (${(1 / rates.max).toFixed(2)}–${(1 / rates.min).toFixed(2)}) | ` +
        `${rates.rawCpu.toFixed(2)} / ${rates.templateCpu.toFixed(2)} (${rates.cpuRatio.toFixed(2)}×) |`,
    );
  }
  if (latencies) {
    console.log(
      `| one awaited send at a time, rounds of ${sendPairsPerRound} send pairs (µs per send) | ` +
        `${latencies.raw.toFixed(0)} | ${latencies.template.toFixed(0)} | **${latencies.ratio.toFixed(2)}×** time (${latencies.min.toFixed(2)}–${latencies.max.toFixed(2)}) | ` +
        `${latencies.rawCpu.toFixed(1)} / ${latencies.templateCpu.toFixed(1)} (${latencies.cpuRatio.toFixed(2)}×) |`,
    );
  }
}
