// What the listener metrics add to each record, without Kafka: the observer calls the
// container makes per record, timed in a loop. The end-to-end comparison (an application with
// metrics on and off, against raw kafkajs) is `npm run bench:listener`.
//
//   npm run build && node bench/framework/listener-metrics.mjs [--quick]
import { ConsumerRecord, KafkaMetrics } from '../../dist/index.js';

const quick = process.argv.includes('--quick');
const CALLS = quick ? 300_000 : 3_000_000;
const ROUNDS = 5;

// Stand-ins with only what the observer reads: the benchmark runs no listener containers.
const noContainers = /** @type {import('../../dist/framework/metrics/listener-containers.js').ListenerContainers} */ (
  /** @type {unknown} */ ({ consumers: () => [], listeners: () => [], breakers: () => [] })
);
const noLag = /** @type {import('../../dist/framework/metrics/consumer-lag.js').LagSource} */ (/** @type {unknown} */ ({ close: async () => {} }));
const observer = new KafkaMetrics(noContainers, noLag);
const container = /** @type {import('../../dist/index.js').MessageListenerContainer} */ (/** @type {unknown} */ ({ listenerId: 'bench-0' }));
const records = Array.from({ length: 1000 }, (_, offset) => new ConsumerRecord({ topic: 't', partition: offset % 3, offset }));

let sink = 0;
const cases = {
  // What a record listener's container calls (one clock reading per record, taken by the container anyway).
  'recordObserved (record listeners)': (i) => observer.recordObserved(container, records[i % 1000], 0.000004),
  // Around the listener, with its own two clock readings: record interceptors and batch listeners.
  'listenerStarted + end (interceptors, batches)': (i) => observer.listenerStarted(container, [records[i % 1000]])(),
  // For scale: one reading of the clock.
  'performance.now() alone': () => (sink += performance.now()),
};

/** Nanoseconds per call, median of the rounds. */
function time(call) {
  for (let i = 0; i < CALLS / 10; i++) call(i);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) call(i);
    rounds.push(((performance.now() - started) * 1e6) / CALLS);
  }
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
}

console.log(`node ${process.version}, ${CALLS.toLocaleString('en')} calls per round, median of ${ROUNDS} rounds`);
console.log('| per record | ns |');
console.log('|---|---:|');
for (const [name, call] of Object.entries(cases)) console.log(`| ${name} | ${time(call).toFixed(0)} |`);
if (sink === 0) console.log('');
