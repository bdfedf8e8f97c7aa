// @KafkaListener dispatch against a raw kafkajs `eachMessage` consumer on the same records, in
// one run: records/s and client CPU (µs per record) for each, and their ratio.
//
//   npm run bench:listener                 # build, then ~1-2 min
//   node bench/framework/listener-dispatch.mjs --quick
//
// The broker runs in a child process. The records are produced once; every round reads them
// all again with a fresh group, alternating raw and listener; the median round counts.
import 'reflect-metadata';
import { injectable } from 'inversify';
import { Kafka, logLevel } from 'kafkajs';
import { loadavg } from 'node:os';
import { KafkaApplication, KafkaListener, silentLogger } from '../../dist/index.js';
import { median, startBrokerProcess } from './broker-process.mjs';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const rounds = quick ? 1 : 3;
const records = quick ? 5_000 : 40_000;
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
for (let sent = 0; sent < records; sent += 1000) await producer.send({ topic, messages: Array.from({ length: 1000 }, (_, i) => ({ key: String(sent + i), value })) });
await producer.disconnect();

let group = 0;
let received = 0;
let done = () => {};
const allReceived = () => new Promise((resolve) => (done = resolve));

let firstAt = 0;
let firstCpu;

/** Time and client CPU from the first record to the last (group joins and start-up excluded). */
async function measure(run) {
  received = 0;
  const finished = allReceived();
  const stop = await run();
  await finished;
  const seconds = (performance.now() - firstAt) / 1000;
  const used = process.cpuUsage(firstCpu);
  await stop();
  return { rate: (records - 1) / seconds, cpuUs: (used.user + used.system) / (records - 1) };
}

function count(_payload) {
  if (++received === 1) {
    firstAt = performance.now();
    firstCpu = process.cpuUsage();
  }
  if (received === records) done();
}

const consumerSettings = { maxWaitTimeInMs: 100 };

async function raw() {
  return measure(async () => {
    const consumer = kafka.consumer({ groupId: `raw-${group++}`, ...consumerSettings });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // The same work the listener gets done for it: the value as a parsed JSON payload.
    await consumer.run({ eachMessage: async ({ message }) => count(JSON.parse(message.value.toString('utf8'))) });
    return () => consumer.disconnect();
  });
}

// The listener, decorated by hand (plain JavaScript has no decorator syntax).
class Counter {
  consume(payload) {
    count(payload);
  }
}
async function listener() {
  class Listener extends Counter {}
  const method = Object.getOwnPropertyDescriptor(Counter.prototype, 'consume');
  Object.defineProperty(Listener.prototype, 'consume', method);
  KafkaListener({ id: `listener-${group}`, topics: [topic], groupId: `listener-${group++}` })(Listener.prototype, 'consume', method);
  injectable()(Listener);
  return measure(async () => {
    const app = await KafkaApplication.create({ kafka: kafkaConfig, listeners: [Listener], consumerConfig: { ...consumerSettings, autoOffsetReset: 'earliest' }, logger: silentLogger, config: false });
    await app.start();
    return () => app.stop();
  });
}

try {
  await raw(); // warm-up
  await listener();
  const rawRuns = [];
  const listenerRuns = [];
  for (let round = 0; round < rounds; round++) {
    rawRuns.push(await raw());
    listenerRuns.push(await listener());
  }
  const rawRate = median(rawRuns.map((r) => r.rate));
  const listenerRate = median(listenerRuns.map((r) => r.rate));
  const rawCpu = median(rawRuns.map((r) => r.cpuUs));
  const listenerCpu = median(listenerRuns.map((r) => r.cpuUs));
  console.log(`node ${process.version}, ${records} records, ${rounds} round(s), medians, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| consumer | records/s | client CPU µs/record |');
  console.log('|---|---:|---:|');
  console.log(`| raw kafkajs eachMessage | ${Math.round(rawRate).toLocaleString('en')} | ${rawCpu.toFixed(1)} |`);
  console.log(`| @KafkaListener | ${Math.round(listenerRate).toLocaleString('en')} | ${listenerCpu.toFixed(1)} |`);
  console.log(`| ratio | ${(listenerRate / rawRate).toFixed(2)}× | ${(listenerCpu / rawCpu).toFixed(2)}× |`);
} finally {
  await broker.stop();
}
