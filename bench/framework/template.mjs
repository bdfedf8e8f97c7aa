// KafkaTemplate against raw kafkajs on the same records, in one run (ratios are what count):
//  - throughput: windows of 1,000 concurrent template.send() against producer.send() of the
//    same 1,000 records as one batch;
//  - latency: one awaited send at a time, template against a raw single-message send.
//
//   npm run bench:template                 # build, then ~1-2 min
//   node bench/framework/template.mjs --quick
//
// The broker runs in a child process; rounds alternate raw and template, the median round counts.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { loadavg } from 'node:os';
import { DefaultKafkaProducerFactory, KafkaTemplate, silentLogger, StringSerializer } from '../../dist/index.js';
import { median, startBrokerProcess } from './broker-process.mjs';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const rounds = quick ? 1 : 5;
const batchRecords = 1000;
const throughputRecords = quick ? 5_000 : 50_000;
const sequentialSends = quick ? 200 : 2_000;
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

async function rawThroughput() {
  const start = performance.now();
  for (let sent = 0; sent < throughputRecords; sent += batchRecords) {
    await raw.send({ topic, messages: Array.from({ length: batchRecords }, () => ({ value })) });
  }
  return throughputRecords / ((performance.now() - start) / 1000);
}

async function templateThroughput() {
  const start = performance.now();
  for (let sent = 0; sent < throughputRecords; sent += batchRecords) {
    await Promise.all(Array.from({ length: batchRecords }, () => template.send(topic, value)));
  }
  return throughputRecords / ((performance.now() - start) / 1000);
}

async function rawLatency() {
  const start = performance.now();
  for (let i = 0; i < sequentialSends; i++) await raw.send({ topic, messages: [{ value }] });
  return ((performance.now() - start) * 1000) / sequentialSends;
}

async function templateLatency() {
  const start = performance.now();
  for (let i = 0; i < sequentialSends; i++) await template.send(topic, value);
  return ((performance.now() - start) * 1000) / sequentialSends;
}

try {
  // Warm-up: connections, metadata, JIT.
  await rawThroughput();
  await templateThroughput();
  await rawLatency();
  await templateLatency();
  const results = { rawRate: [], templateRate: [], rawLatency: [], templateLatency: [] };
  for (let round = 0; round < rounds; round++) {
    results.rawRate.push(await rawThroughput());
    results.templateRate.push(await templateThroughput());
    results.rawLatency.push(await rawLatency());
    results.templateLatency.push(await templateLatency());
  }
  const rawRate = median(results.rawRate);
  const templateRate = median(results.templateRate);
  const rawUs = median(results.rawLatency);
  const templateUs = median(results.templateLatency);
  console.log(`node ${process.version}, ${rounds} round(s), medians, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| scenario | raw kafkajs | KafkaTemplate | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(`| ${throughputRecords} records, 1,000 at a time (records/s) | ${Math.round(rawRate).toLocaleString('en')} | ${Math.round(templateRate).toLocaleString('en')} | ${(templateRate / rawRate).toFixed(2)}× throughput |`);
  console.log(`| one awaited send at a time (µs per send) | ${rawUs.toFixed(0)} | ${templateUs.toFixed(0)} | ${(templateUs / rawUs).toFixed(2)}× time |`);
} finally {
  await raw.disconnect();
  await factory.close();
  await broker.stop();
}
