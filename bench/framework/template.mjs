// KafkaTemplate against raw kafkajs on the same records, in one run (ratios are what count):
//  - throughput: windows of 1,000 concurrent template.send() against producer.send() of the
//    same 1,000 records as one batch;
//  - latency: one awaited send at a time, template against a raw single-message send.
//
//   npm run bench:template                 # build, then ~1-2 min
//   node bench/framework/template.mjs --quick
//   node bench/framework/template.mjs --rounds=9 --only=throughput
//
// The broker runs in a child process. On a shared machine the load moves by more than the
// difference measured, so raw and template alternate in short slices (A B B A ...) and each
// ratio is the median of the ratios of neighbouring slices; each figure is the median of its
// slices. CPU is the client process's (process.cpuUsage()), per record.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { loadavg } from 'node:os';
import { DefaultKafkaProducerFactory, KafkaTemplate, silentLogger, StringSerializer } from '../../dist/index.js';
import { median, startBrokerProcess } from './broker-process.mjs';

const options = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const quick = options.has('quick');
const rounds = Number(options.get('rounds') ?? (quick ? 1 : 5));
const only = options.get('only');
const batchRecords = 1000;
// Per round: slices of this many windows, alternating raw and template.
const windowsPerSlice = 5;
const slicesPerRound = quick ? 2 : 10;
const sendsPerLatencySlice = quick ? 50 : 100;
const latencySlicesPerRound = quick ? 2 : 10;
const value = 'x'.repeat(100);

const broker = await startBrokerProcess();
const kafkaConfig = { brokers: [broker.address], clientId: 'template-bench', logLevel: logLevel.NOTHING };
const topic = 'template-bench';
const admin = new Kafka(kafkaConfig).admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
await admin.disconnect();

const raw = new Kafka(kafkaConfig).producer({ createPartitioner: Partitioners.DefaultPartitioner });
await raw.connect();
const factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig, valueSerializer: new StringSerializer(), logger: silentLogger });
// The default batching: sends started in the same event-loop turn share a request per leader.
const template = new KafkaTemplate(factory, { logger: silentLogger, producerListener: {} });

const throughput = {
  raw: async (windows) => {
    for (let w = 0; w < windows; w++) await raw.send({ topic, messages: Array.from({ length: batchRecords }, () => ({ value })) });
    return windows * batchRecords;
  },
  template: async (windows) => {
    for (let w = 0; w < windows; w++) await Promise.all(Array.from({ length: batchRecords }, () => template.send(topic, value)));
    return windows * batchRecords;
  },
};

const latency = {
  raw: async (sends) => {
    for (let i = 0; i < sends; i++) await raw.send({ topic, messages: [{ value }] });
    return sends;
  },
  template: async (sends) => {
    for (let i = 0; i < sends; i++) await template.send(topic, value);
    return sends;
  },
};

/** Runs one slice: wall µs and client CPU µs per record. */
/** @typedef {{ usPerRecord: number, cpuPerRecord: number }} Slice */

/** @returns {Promise<Slice>} */
async function slice(run, size) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const records = await run(size);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { usPerRecord: (wall * 1000) / records, cpuPerRecord: (used.user + used.system) / records };
}

/** Alternates raw and template slices (A B B A ...); the ratios of each neighbouring pair. */
async function compare(runs, size, slices) {
  /** @type {{ raw: Slice[], template: Slice[], timeRatio: number[], cpuRatio: number[] }} */
  const result = { raw: [], template: [], timeRatio: [], cpuRatio: [] };
  for (let i = 0; i < slices; i++) {
    const order = i % 2 === 0 ? ['raw', 'template'] : ['template', 'raw'];
    /** @type {Record<string, Slice>} */
    const pair = {};
    for (const side of order) pair[side] = await slice(runs[side], size);
    result.raw.push(pair.raw);
    result.template.push(pair.template);
    result.timeRatio.push(pair.template.usPerRecord / pair.raw.usPerRecord);
    result.cpuRatio.push(pair.template.cpuPerRecord / pair.raw.cpuPerRecord);
  }
  return result;
}

function summary(samples) {
  return {
    raw: median(samples.raw.map((s) => s.usPerRecord)),
    template: median(samples.template.map((s) => s.usPerRecord)),
    rawCpu: median(samples.raw.map((s) => s.cpuPerRecord)),
    templateCpu: median(samples.template.map((s) => s.cpuPerRecord)),
    timeRatio: median(samples.timeRatio),
    cpuRatio: median(samples.cpuRatio),
    timeRatioRange: [Math.min(...samples.timeRatio), Math.max(...samples.timeRatio)],
  };
}

const merge = (all) => ({
  raw: all.flatMap((r) => r.raw),
  template: all.flatMap((r) => r.template),
  timeRatio: all.flatMap((r) => r.timeRatio),
  cpuRatio: all.flatMap((r) => r.cpuRatio),
});

try {
  const loadBefore = loadavg()[0];
  // Warm-up: connections, metadata, JIT.
  await compare(throughput, windowsPerSlice, 2);
  await compare(latency, sendsPerLatencySlice, 2);
  const rates = [];
  const latencies = [];
  for (let round = 0; round < rounds; round++) {
    if (only !== 'latency') rates.push(await compare(throughput, windowsPerSlice, slicesPerRound));
    if (only !== 'throughput') latencies.push(await compare(latency, sendsPerLatencySlice, latencySlicesPerRound));
  }
  console.log(`node ${process.version}, ${rounds} round(s), load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
  console.log('| scenario | raw kafkajs | KafkaTemplate | ratio (min–max of slice pairs) | client CPU µs/record, raw / template |');
  console.log('|---|---:|---:|---:|---:|');
  if (rates.length > 0) {
    const s = summary(merge(rates));
    const pairs = rates.length * slicesPerRound;
    console.log(
      `| ${batchRecords.toLocaleString('en')} concurrent sends at a time, ${pairs} slice pairs of ${(windowsPerSlice * batchRecords).toLocaleString('en')} records (records/s) | ` +
        `${Math.round(1e6 / s.raw).toLocaleString('en')} | ${Math.round(1e6 / s.template).toLocaleString('en')} | ` +
        `**${(1 / s.timeRatio).toFixed(2)}×** throughput (${(1 / s.timeRatioRange[1]).toFixed(2)}–${(1 / s.timeRatioRange[0]).toFixed(2)}) | ` +
        `${s.rawCpu.toFixed(2)} / ${s.templateCpu.toFixed(2)} (${s.cpuRatio.toFixed(2)}×) |`,
    );
  }
  if (latencies.length > 0) {
    const s = summary(merge(latencies));
    const pairs = latencies.length * latencySlicesPerRound;
    console.log(
      `| one awaited send at a time, ${pairs} slice pairs of ${sendsPerLatencySlice} sends (µs per send) | ` +
        `${s.raw.toFixed(0)} | ${s.template.toFixed(0)} | **${s.timeRatio.toFixed(2)}×** time (${s.timeRatioRange[0].toFixed(2)}–${s.timeRatioRange[1].toFixed(2)}) | ` +
        `${s.rawCpu.toFixed(1)} / ${s.templateCpu.toFixed(1)} (${s.cpuRatio.toFixed(2)}×) |`,
    );
  }
} finally {
  await raw.disconnect();
  await factory.close();
  await broker.stop();
}
