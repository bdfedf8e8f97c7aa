// Listener throughput with metrics on (the default) and off (`metrics: false`), in one run.
// Each round produces RECORDS records to a fresh topic, then times an application consuming
// them all with a no-op listener; the two settings alternate (and swap order each round), and
// the median of each is compared.
// Usage: npm run build && node bench/framework/listener-metrics.mjs [--quick]
import { injectable } from 'inversify';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaApplication, KafkaListener, KafkaMetrics, TopicBuilder, consoleLogger } from '../../dist/index.js';
import { EmbeddedKafka } from '../../dist/testing/index.js';

const quick = process.argv.includes('--quick');
const RECORDS = quick ? 5_000 : 50_000;
const ROUNDS = quick ? 1 : 6;
const logger = consoleLogger('error', 'bench');

const broker = await EmbeddedKafka.start({ port: 0, logger: { debug() {}, info() {}, warn() {}, error: console.error } });
const kafka = { brokers: broker.bootstrapServers, clientId: 'bench', logLevel: logLevel.NOTHING };

let seen = 0;
let done = () => {};

async function produce(topic) {
  const producer = new Kafka(kafka).producer();
  await producer.connect();
  const value = 'x'.repeat(100);
  for (let i = 0; i < RECORDS; i += 1_000) {
    await producer.send({ topic, messages: Array.from({ length: Math.min(1_000, RECORDS - i) }, () => ({ value })) });
  }
  await producer.disconnect();
}

let round = 0;
async function consume(metrics) {
  const topic = `bench-metrics-${round++}`;
  // A fresh listener class per round (one topic each); decorators applied by hand in plain JavaScript.
  class Sink {
    onRecord() {
      if (++seen === RECORDS) done();
    }
  }
  injectable()(Sink);
  KafkaListener({ id: `sink-${round}`, topics: [topic], groupId: `bench-${round}` })(Sink.prototype, 'onRecord', Object.getOwnPropertyDescriptor(Sink.prototype, 'onRecord'));
  const app = await KafkaApplication.create({ kafka, config: false, listeners: [Sink], topics: [TopicBuilder.name(topic).partitions(1).build()], consumerConfig: { maxWaitTimeInMs: 50 }, logger, metrics: metrics ? {} : false });
  // Paused through start and the produce, so that only consumption is timed.
  app.listenerContainer(`sink-${round}`).pause();
  await app.start();
  await produce(topic);
  seen = 0;
  const finished = new Promise((resolve) => (done = resolve));
  const started = performance.now();
  app.listenerContainer(`sink-${round}`).resume();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await app.stop();
  return RECORDS / seconds;
}

const results = { on: [], off: [] };
for (let i = 0; i < ROUNDS; i++) {
  // Alternating which goes first, so that neither always runs on a warmer (or fuller) broker.
  for (const metrics of i % 2 === 0 ? [false, true] : [true, false]) results[metrics ? 'on' : 'off'].push(await consume(metrics));
}
await broker.stop();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const on = median(results.on);
const off = median(results.off);
console.log(`records per round: ${RECORDS}, rounds: ${ROUNDS}`);
console.log(`metrics off: ${Math.round(off)} records/s (median), runs: ${results.off.map(Math.round).join(', ')}`);
console.log(`metrics on:  ${Math.round(on)} records/s (median), runs: ${results.on.map(Math.round).join(', ')}`);
console.log(`ratio on/off: ${(on / off).toFixed(3)}`);

// The observer alone, without Kafka: what metrics add to each record on the listener path.
const observer = new KafkaMetrics({ consumers: () => [], listeners: () => [], breakers: () => [] }, { close: async () => {} });
const container = { listenerId: 'bench-0' };
const CALLS = quick ? 200_000 : 2_000_000;
for (let offset = 0; offset < CALLS / 10; offset++) observer.listenerStarted(container, [{ topic: 't', partition: 0, offset }])();
const started = performance.now();
for (let offset = 0; offset < CALLS; offset++) observer.listenerStarted(container, [{ topic: 't', partition: offset % 3, offset }])();
const nanos = ((performance.now() - started) * 1e6) / CALLS;
console.log(`observer per record: ${Math.round(nanos)} ns (${(nanos / (1e9 / off) * 100).toFixed(1)} % of a record's time at the metrics-off median)`);
