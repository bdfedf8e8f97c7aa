// @KafkaListener dispatch against a raw kafkajs `eachMessage` consumer on the same records, in
// one run: records/s and client CPU (µs per record) of each, and the listener/raw ratios.
//
//   npm run bench:listener                 # build, then ~3-5 min
//   node bench/framework/listener-dispatch.mjs --quick
//   node bench/framework/listener-dispatch.mjs --profile   # + a CPU profile of one more listener round (--profile=raw: of the raw consumer)
//   node bench/framework/listener-dispatch.mjs --allocations=raw --only=raw --rounds=0   # bytes allocated per record, by function
//
// Options: --rounds=N (default 30), --records=N (default 40,000), --only=raw,metricsOn,metricsOff
// (default raw,metricsOn: the listener with the application's metrics on, as by default).
// The broker runs in a child process. The records are produced once; every round reads them
// all again with a fresh group per consumer, raw and listener one right after the other, in
// alternating order (raw first in even rounds, last in odd ones), so that the machine's load,
// which moves more than the difference measured, hits both alike. The verdict is the median of
// the per-round ratios, with their min and max.
//
// Both consumers get the same fetch settings (below) and commit alike: once per batch (a
// partition's share of a fetch). The container does that with its default AckMode.BATCH;
// raw kafkajs with `autoCommit` and neither an interval nor a threshold.
import 'reflect-metadata';
import { injectable } from 'inversify';
import { Kafka, logLevel } from 'kafkajs';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaApplication, KafkaListener, silentLogger } from '../../dist/index.js';
import { summarizeProfile } from '../broker/profile-summary.mjs';
import { startBrokerProcess } from './broker-process.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const quick = argv.includes('--quick');
// --profile profiles one more listener round (metrics on); --profile=raw (or metricsOff) another consumer's.
const profileTarget = argv.find((a) => a === '--profile' || a.startsWith('--profile='))?.split('=')[1] ?? (argv.includes('--profile') ? 'metricsOn' : undefined);
// --allocations=raw (or metricsOn, metricsOff): V8's sampling heap profiler over one more round of that consumer.
const allocationTarget = argv.find((a) => a.startsWith('--allocations='))?.split('=')[1];
const profile = profileTarget !== undefined || allocationTarget !== undefined;
const rounds = option('rounds', quick ? 2 : 30);
const records = option('records', quick ? 5_000 : 40_000);
const topic = 'listener-bench';
const value = JSON.stringify({ id: 1, text: 'x'.repeat(80) });

const broker = await startBrokerProcess();
const kafkaConfig = { brokers: [broker.address], clientId: 'listener-bench', logLevel: logLevel.NOTHING };
const kafka = new Kafka(kafkaConfig);
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();
for (let sent = 0; sent < records; sent += 1000) {
  await producer.send({ topic, messages: Array.from({ length: Math.min(1000, records - sent) }, (_, i) => ({ key: String(sent + i), value })) });
}
await producer.disconnect();

let group = 0;
let received = 0;
/** @type {(value?: unknown) => void} */
let done = () => {};
const allReceived = () => new Promise((resolve) => (done = resolve));

let firstAt = 0;
let firstCpu;
const session = profile ? new Session() : undefined;
/** The inspector session, which exists when a profile was asked for. */
const profiler = () => /** @type {Session} */ (session);
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
}

/** Time and client CPU from the first record to the last (group joins and start-up excluded). */
async function measure(run, profiled) {
  received = 0;
  const finished = allReceived();
  const stop = await run();
  if (profiled === 'allocations') await profiler().post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  else if (profiled) await profiler().post('Profiler.start');
  await finished;
  const seconds = (performance.now() - firstAt) / 1000;
  const used = process.cpuUsage(firstCpu);
  const taken = profiled === 'allocations' ? (await profiler().post('HeapProfiler.stopSampling')).profile : profiled ? (await profiler().post('Profiler.stop')).profile : undefined;
  await stop();
  return { rate: (records - 1) / seconds, cpuUs: (used.user + used.system) / (records - 1), profile: taken };
}

function count(_payload) {
  if (++received === 1) {
    firstAt = performance.now();
    firstCpu = process.cpuUsage();
  }
  if (received === records) done();
}

// Stated, not left to defaults, so that both consumers fetch alike (kafkajs' defaults but the wait).
const consumerSettings = { maxWaitTimeInMs: 100, minBytes: 1, maxBytes: 10_485_760, maxBytesPerPartition: 1_048_576, readUncommitted: false };

async function raw(profiled = false) {
  return measure(async () => {
    const consumer = kafka.consumer({ groupId: `raw-${group++}`, ...consumerSettings });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // The same work the listener gets done for it: the value as a parsed JSON payload.
    // Commits once per batch, as the container's AckMode.BATCH (kafkajs: after each batch when no interval or threshold is set).
    await consumer.run({ autoCommit: true, autoCommitInterval: null, autoCommitThreshold: null, eachMessage: async ({ message }) => count(JSON.parse(String(message.value))) });
    return () => consumer.disconnect();
  }, profiled);
}

// The listener, decorated by hand (plain JavaScript has no decorator syntax).
class Counter {
  consume(payload) {
    count(payload);
  }
}
function listener(metrics) {
  return async (profiled = false) => {
    class Listener extends Counter {}
    const method = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(Counter.prototype, 'consume'));
    Object.defineProperty(Listener.prototype, 'consume', method);
    KafkaListener({ id: `listener-${group}`, topics: [topic], groupId: `listener-${group++}` })(Listener.prototype, 'consume', method);
    injectable()(Listener);
    return measure(async () => {
      const app = await KafkaApplication.create({
        kafka: kafkaConfig,
        listeners: [Listener],
        consumerConfig: { ...consumerSettings, autoOffsetReset: 'earliest' },
        logger: silentLogger,
        config: false,
        metrics: metrics ? {} : false,
      });
      await app.start();
      return () => app.stop();
    }, profiled);
  };
}

const consumers = { raw, metricsOn: listener(true), metricsOff: listener(false) };
/** @type {Record<string, { rate: number, cpuUs: number }[]>} */
const runs = { raw: [], metricsOn: [], metricsOff: [] };
// --only=raw,metricsOff picks the consumers (default: raw against the listener with metrics on).
const only = argv.find((a) => a.startsWith('--only='))?.split('=')[1].split(',') ?? ['raw', 'metricsOn'];
const names = Object.keys(consumers).filter((name) => only.includes(name));
const loadAtStart = loadavg();
/** The middle value (the mean of the middle two for an even count). */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en');
try {
  for (const name of names) await consumers[name](); // warm-up
  for (let round = 0; round < rounds; round++) {
    // A/B, then B/A: no consumer always runs first, or always right after another.
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) runs[name].push(await consumers[name]());
  }
  const loadAtEnd = loadavg();
  console.log(`node ${process.version}, ${records} records a round, ${rounds} round(s); load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at the start, ${loadAtEnd.map((l) => l.toFixed(1)).join(' ')} at the end`);
  if (rounds > 0) {
    const rate = (name) => median(runs[name].map((r) => r.rate));
    const cpu = (name) => median(runs[name].map((r) => r.cpuUs));
    const spread = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
    console.log('| consumer | records/s, median (min–max) | client CPU µs/record, median | throughput / raw, median of rounds (min–max) | CPU / raw, median of rounds (min–max) |');
    console.log('|---|---:|---:|---:|---:|');
    const labels = { raw: 'raw kafkajs eachMessage', metricsOn: '@KafkaListener, metrics on (default)', metricsOff: '@KafkaListener, metrics off' };
    for (const name of names) {
      const rates = runs[name].map((r) => r.rate);
      const perRound = (field) => (runs.raw.length > 0 && name !== 'raw' ? runs[name].map((r, i) => r[field] / runs.raw[i][field]) : undefined);
      const ratio = (values) => (values ? `**${median(values).toFixed(2)}×** (${spread(values)})` : '1.00×');
      console.log(`| ${labels[name]} | ${fmt(rate(name))} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}) | ${cpu(name).toFixed(2)} | ${ratio(perRound('rate'))} | ${ratio(perRound('cpuUs'))} |`);
    }
    if (runs.raw.length > 0) {
      for (const name of names.filter((n) => n !== 'raw')) {
        const ratios = runs[name].map((r, i) => r.rate / runs.raw[i].rate);
        console.log(`${labels[name]}: ${ratios.filter((r) => r >= 0.95).length} of ${ratios.length} rounds at ≥ 0.95× raw; per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
      }
    }
  }
  if (allocationTarget) {
    const { profile: sampled } = await consumers[allocationTarget]('allocations');
    // Bytes allocated per record (sampled, collected objects included), by allocating function.
    const bytes = new Map();
    let total = 0;
    const walk = (node) => {
      const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
      bytes.set(where, (bytes.get(where) ?? 0) + node.selfSize);
      total += node.selfSize;
      node.children.forEach(walk);
    };
    walk(sampled.head);
    console.log(`\nAllocations of one more round (${allocationTarget}): ${Math.round(total / records)} bytes per record`);
    for (const [where, size] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(size / records).toFixed(0).padStart(6)} B/record  ${where}`);
  }
  if (profileTarget) {
    const { profile: taken } = await consumers[profileTarget](true);
    const file = join(tmpdir(), `listener-dispatch-${profileTarget}-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(taken));
    console.log(`\nCPU profile of one more round (${profileTarget}): ${file}\n`);
    console.log(summarizeProfile(taken, { top: 30 }));
  }
} finally {
  await broker.stop();
}
