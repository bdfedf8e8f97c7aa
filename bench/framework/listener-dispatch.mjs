// @KafkaListener dispatch against a raw kafkajs `eachMessage` consumer on the same records, in
// one run, with the application's metrics on (the default) and off (`metrics: false`):
// records/s and client CPU (µs per record) for each, and their ratios.
//
//   npm run bench:listener                 # build, then ~2-3 min
//   node bench/framework/listener-dispatch.mjs --quick
//   node bench/framework/listener-dispatch.mjs --profile   # + a CPU profile of one more listener round (--profile=raw: of the raw consumer)
//   node bench/framework/listener-dispatch.mjs --allocations=raw --only=raw --rounds=0   # bytes allocated per record, by function
//
// Options: --rounds=N (default 5), --records=N (default 40,000), --only=raw,metricsOn,metricsOff.
// The broker runs in a child process. The records are produced once; every round reads them
// all again with a fresh group, the three consumers taking turns (in a rotating order); the
// median round of each counts.
import 'reflect-metadata';
import { injectable } from 'inversify';
import { Kafka, logLevel } from 'kafkajs';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaApplication, KafkaListener, silentLogger } from '../../dist/index.js';
import { summarizeProfile } from '../broker/profile-summary.mjs';
import { median, startBrokerProcess } from './broker-process.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const quick = argv.includes('--quick');
// --profile profiles one more listener round (metrics on); --profile=raw (or metricsOff) another consumer's.
const profileTarget = argv.find((a) => a === '--profile' || a.startsWith('--profile='))?.split('=')[1] ?? (argv.includes('--profile') ? 'metricsOn' : undefined);
// --allocations=raw (or metricsOn, metricsOff): V8's sampling heap profiler over one more round of that consumer.
const allocationTarget = argv.find((a) => a.startsWith('--allocations='))?.split('=')[1];
const profile = profileTarget !== undefined || allocationTarget !== undefined;
const rounds = option('rounds', quick ? 1 : 5);
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

const consumerSettings = { maxWaitTimeInMs: 100 };

async function raw(profiled = false) {
  return measure(async () => {
    const consumer = kafka.consumer({ groupId: `raw-${group++}`, ...consumerSettings });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // The same work the listener gets done for it: the value as a parsed JSON payload.
    await consumer.run({ eachMessage: async ({ message }) => count(JSON.parse(String(message.value))) });
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
// --only=metricsOn,metricsOff runs a subset (the table then leaves out what did not run).
const only = argv.find((a) => a.startsWith('--only='))?.split('=')[1].split(',');
const names = Object.keys(consumers).filter((name) => !only || only.includes(name));
const loadAtStart = loadavg()[0];
try {
  for (const name of names) await consumers[name](); // warm-up
  for (let round = 0; round < rounds; round++) {
    // A rotating order, so that no consumer always runs first (or right after another).
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      runs[name].push(await consumers[name]());
    }
  }
  const rate = (name) => median(runs[name].map((r) => r.rate)) ?? NaN;
  const cpu = (name) => median(runs[name].map((r) => r.cpuUs)) ?? NaN;
  const spread = (name) => `${Math.round(Math.min(...runs[name].map((r) => r.rate))).toLocaleString('en')}–${Math.round(Math.max(...runs[name].map((r) => r.rate))).toLocaleString('en')}`;
  console.log(`node ${process.version}, ${records} records, ${rounds} round(s), medians, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
  console.log('| consumer | records/s (min–max) | client CPU µs/record | throughput / raw | CPU / raw |');
  console.log('|---|---:|---:|---:|---:|');
  const row = (label, name) =>
    runs[name].length > 0 &&
    console.log(`| ${label} | ${Math.round(rate(name)).toLocaleString('en')} (${spread(name)}) | ${cpu(name).toFixed(2)} | ${(rate(name) / rate('raw')).toFixed(2)}× | ${(cpu(name) / cpu('raw')).toFixed(2)}× |`);
  row('raw kafkajs eachMessage', 'raw');
  row('@KafkaListener, metrics on (default)', 'metricsOn');
  row('@KafkaListener, metrics off', 'metricsOff');
  // Paired per round: the consumers of a round ran one right after the other, so the machine's drift cancels better.
  const pairedWithRaw = (name) => median(runs[name].map((r, i) => r.rate / runs.raw[i].rate));
  if (runs.raw.length > 0 && (runs.metricsOn.length > 0 || runs.metricsOff.length > 0)) {
    const parts = [['metrics on', 'metricsOn'], ['metrics off', 'metricsOff']].filter(([, name]) => runs[name].length > 0);
    console.log(`listener / raw paired per round (median): ${parts.map(([label, name]) => `${label} ${pairedWithRaw(name).toFixed(2)}×`).join(', ')}`);
  }
  if (runs.metricsOn.length > 0 && runs.metricsOff.length > 0) {
    const paired = median(runs.metricsOn.map((r, i) => r.rate / runs.metricsOff[i].rate));
    console.log(`metrics on / off: ${(rate('metricsOn') / rate('metricsOff')).toFixed(2)}× throughput (medians; paired per round ${paired.toFixed(2)}×), ${(cpu('metricsOn') / cpu('metricsOff')).toFixed(2)}× CPU`);
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
