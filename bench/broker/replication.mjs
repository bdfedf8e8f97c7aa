// Replication costs: produce→consume latency with acks=-1 on a 3-broker cluster against acks=1
// and against a single broker, and the start-up time to a first acknowledged produce for 1 and
// 3 brokers. Everything runs in one invocation, so the ratios compare figures taken under the
// same machine load.
//
//   npm run build && node bench/broker/replication.mjs          # ~30 s
//   node bench/broker/replication.mjs --quick                    # smoke test of the script, ~15 s
//
// Latency. The brokers run as `streamwright broker` child processes (dist/cli/main.js): a
// 3-broker cluster (`--brokers 3`, the cluster's defaults, among them replica.fetch.wait.max.ms
// 500 and replica.fetch.min.bytes 1) and a plain single broker, each with a temp data dir. Each
// series has a fresh topic and a kafkajs consumer group of one (kafkajs's defaults: a fetch waits
// up to 5 s for 1 byte, and the broker answers it as soon as a record is readable, i.e. below
// the high watermark). One kafkajs producer per cluster sends one small record at a time (its
// send time in a header), waits for the acknowledgement and then for the consumer to receive
// the record before sending the next, so nothing queues. Two latencies per record: ack (send()
// to its acknowledgement) and end to end (the header's send time to eachMessage). After a
// warm-up of every series, the records of a series are spread over --rounds rounds and the
// series take turns within each round (order reversed every other round), so load drifts hit
// every series alike; percentiles are over all records of a series.
//
// Start-up. bench/broker/startup.mjs --brokers N (start EmbeddedKafka, create a topic with RF N,
// produce one record at acks=-1, stop, exit) is run --startup-runs times for each N, alternating
// 1 and 3, after one warm-up run of each; wall time from spawn to exit of the whole process,
// plus the in-process figures the script prints.
//
// --records=N         records per latency series (default 2000; --quick 200)
// --warmup=N          warm-up records per series (default 200; --quick 50)
// --rounds=N          rounds the series' records are spread over (default 4; --quick 2)
// --startup-runs=N    whole-process runs per broker count (default 15; --quick 3; 0 skips them)
// --cluster-config=KEY=VALUE   a broker config for the 3-broker cluster (repeatable), e.g.
//                     --cluster-config=replica.fetch.min.bytes=1048576 to see the follower's
//                     long poll (replica.fetch.wait.max.ms) in the acks=-1 latency
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;
const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', '..', 'dist', 'cli', 'main.js');
const flags = new Set(process.argv.slice(2).filter((a) => !a.includes('=')));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const QUICK = flags.has('--quick');
const RECORDS = option('records', QUICK ? 200 : 2000);
const WARMUP = option('warmup', QUICK ? 50 : 200);
const ROUNDS = option('rounds', QUICK ? 2 : 4);
const STARTUP_RUNS = option('startup-runs', QUICK ? 3 : 15);
const CLUSTER_CONFIG = process.argv.filter((a) => a.startsWith('--cluster-config=')).flatMap((a) => ['--config', a.slice('--cluster-config='.length)]);
const RECEIVE_TIMEOUT_MS = 30_000;

const log = (...args) => console.error('[bench]', ...args);
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const percentile = (s, p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
const median = (xs) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f2 = (x) => x.toFixed(2);
const f1 = (x) => x.toFixed(1);
const f0 = (x) => Math.round(x).toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// Brokers: `streamwright broker` as child processes

async function startBrokers(name, args, count) {
  const dataDir = mkdtempSync(join(tmpdir(), `streamwright-bench-${name}-`));
  const child = spawn(process.execPath, [CLI, 'broker', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let out = '';
  child.stdout.setEncoding('utf8');
  const addresses = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = [...out.matchAll(/^listening on (\S+)$/gm)].map((m) => m[1]);
      if (found.length === count) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}`));
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    addresses,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Latency series

/**
 * One series: a topic, a consumer group of one on it, and the cluster's producer. `send(seq)`
 * produces one record and resolves with its ack and end-to-end latencies in ms.
 */
/**
 * @param {{ name: string, kafka: import('kafkajs').Kafka, producer: import('kafkajs').Producer, partitions: number,
 *   replicationFactor: number, acks: number, configEntries?: { name: string, value: string }[] }} definition
 */
async function openSeries({ name, kafka, producer, partitions, replicationFactor, acks, configEntries = [] }) {
  const topic = `latency-${name}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }], waitForLeaders: true });
  await admin.disconnect();

  const waiting = new Map(); // seq -> resolve(end-to-end ms)
  const consumer = kafka.consumer({ groupId: `latency-${name}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const received = performance.now(); // the producer is in this process: same clock
      const seq = Number(String(message.value));
      waiting.get(seq)?.(received - Number(String(message.headers?.['sent-at-ms'])));
      waiting.delete(seq);
    },
  });
  await joined;

  return {
    name,
    /** @type {number[]} */ ack: [],
    /** @type {number[]} */ e2e: [],
    /** @type {number[]} */ roundP50: [],
    /** @param {number} seq */
    async send(seq) {
      let timer;
      const arrived = new Promise((resolve, reject) => {
        waiting.set(seq, resolve);
        timer = setTimeout(() => reject(new Error(`${name}: record ${seq} not consumed within ${RECEIVE_TIMEOUT_MS} ms`)), RECEIVE_TIMEOUT_MS);
      });
      const sent = performance.now();
      await producer.send({ topic, acks, messages: [{ partition: seq % partitions, value: String(seq), headers: { 'sent-at-ms': String(sent) } }] });
      const acked = performance.now();
      const e2e = await arrived.finally(() => clearTimeout(timer));
      return { ack: acked - sent, e2e };
    },
    close: () => consumer.disconnect(),
  };
}

async function latency() {
  const cluster = await startBrokers('cluster', ['--brokers', '3', ...CLUSTER_CONFIG], 3);
  const single = await startBrokers('single', [], 1);
  const client = (brokers, clientId) => new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
  const clusterKafka = client(cluster.addresses, 'latency-cluster');
  const singleKafka = client(single.addresses, 'latency-single');
  const clusterProducer = clusterKafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const singleProducer = singleKafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const series = [];
  try {
    await Promise.all([clusterProducer.connect(), singleProducer.connect()]);
    const minIsr2 = [{ name: 'min.insync.replicas', value: '2' }];
    const definitions = [
      { name: '3b-rf3-p1-acks-all', label: '3 brokers, RF 3, min ISR 2, 1 partition, acks=-1', kafka: clusterKafka, producer: clusterProducer, partitions: 1, replicationFactor: 3, acks: -1, configEntries: minIsr2 },
      { name: '3b-rf3-p1-acks-1', label: '3 brokers, RF 3, min ISR 2, 1 partition, acks=1', kafka: clusterKafka, producer: clusterProducer, partitions: 1, replicationFactor: 3, acks: 1, configEntries: minIsr2 },
      { name: '3b-rf3-p3-acks-all', label: '3 brokers, RF 3, min ISR 2, 3 partitions, acks=-1', kafka: clusterKafka, producer: clusterProducer, partitions: 3, replicationFactor: 3, acks: -1, configEntries: minIsr2 },
      { name: '1b-p1-acks-1', label: '1 broker, 1 partition, acks=1', kafka: singleKafka, producer: singleProducer, partitions: 1, replicationFactor: 1, acks: 1 },
      { name: '1b-p1-acks-all', label: '1 broker, 1 partition, acks=-1', kafka: singleKafka, producer: singleProducer, partitions: 1, replicationFactor: 1, acks: -1 },
    ];
    for (const definition of definitions) series.push({ ...(await openSeries(definition)), label: definition.label });

    let seq = 0;
    log(`warm-up: ${WARMUP} records per series`);
    for (const s of series) for (let i = 0; i < WARMUP; i++) await s.send(seq++);

    const perRound = Math.ceil(RECORDS / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? series : [...series].reverse();
      for (const s of order) {
        const e2e = [];
        for (let i = 0; i < perRound && s.e2e.length < RECORDS; i++) {
          const result = await s.send(seq++);
          s.ack.push(result.ack);
          s.e2e.push(result.e2e);
          e2e.push(result.e2e);
        }
        s.roundP50.push(median(e2e));
      }
      log(`round ${round + 1}/${ROUNDS} done`);
    }
  } finally {
    await Promise.allSettled(series.map((s) => s.close()));
    await Promise.allSettled([clusterProducer.disconnect(), singleProducer.disconnect()]);
    await cluster.stop();
    await single.stop();
  }
  return series.map((s) => {
    const ack = sorted(s.ack);
    const e2e = sorted(s.e2e);
    return {
      name: s.name,
      label: s.label,
      records: e2e.length,
      ackP50: percentile(ack, 50),
      ackP99: percentile(ack, 99),
      e2eP50: percentile(e2e, 50),
      e2eP99: percentile(e2e, 99),
      e2eMax: e2e.at(-1),
      roundP50: [Math.min(...s.roundP50), Math.max(...s.roundP50)],
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Start-up

function runStartup(brokers) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(here, 'startup.mjs'), '--brokers', String(brokers)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`startup.mjs --brokers ${brokers} exited with ${code}: ${out}`));
      resolve({ wallMs, ...JSON.parse(out.trim().split('\n').at(-1) ?? '') });
    });
  });
}

async function startup() {
  /** @type {Record<number, Record<string, number>[]>} */
  const runs = { 1: [], 3: [] };
  await runStartup(1); // warm-up: file cache, first compile of the modules
  await runStartup(3);
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const brokers of i % 2 === 0 ? [1, 3] : [3, 1]) runs[brokers].push(await runStartup(brokers));
  }
  log(`start-up: ${STARTUP_RUNS} runs per broker count done`);
  const summary = (list, key) => ({ min: Math.min(...list.map((r) => r[key])), median: median(list.map((r) => r[key])), max: Math.max(...list.map((r) => r[key])) });
  return [1, 3].map((brokers) => ({
    brokers,
    runs: runs[brokers].length,
    wall: summary(runs[brokers], 'wallMs'),
    importMs: summary(runs[brokers], 'importMs'),
    startMs: summary(runs[brokers], 'startMs'),
    topicMs: summary(runs[brokers], 'topicMs'),
    ackMs: summary(runs[brokers], 'ackMs'),
    stopMs: summary(runs[brokers], 'stopMs'),
  }));
}

// ---------------------------------------------------------------------------------------------

const loadBefore = loadavg();
const began = performance.now();
log(`latency: ${RECORDS} records per series in ${ROUNDS} rounds, ${WARMUP} warm-up${CLUSTER_CONFIG.length ? `, cluster ${CLUSTER_CONFIG.join(' ')}` : ''}`);
const latencies = await latency();

console.log(`node ${process.version}, kafkajs ${(await import('kafkajs/package.json', { with: { type: 'json' } })).default.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadBefore.map(f1).join(' ')} at the start`);
console.log();
console.log(`Produce→consume latency, one record at a time (${RECORDS} records per series after ${WARMUP} warm-up, ${ROUNDS} interleaved rounds${CLUSTER_CONFIG.length ? `; cluster ${CLUSTER_CONFIG.join(' ')}` : ''}), ms:`);
console.log();
console.log('| series | ack p50 | ack p99 | end-to-end p50 | end-to-end p99 | end-to-end max | e2e p50 per round (min–max) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const s of latencies) console.log(`| ${s.label} | ${f2(s.ackP50)} | ${f2(s.ackP99)} | ${f2(s.e2eP50)} | ${f2(s.e2eP99)} | ${f2(s.e2eMax)} | ${f2(s.roundP50[0])}–${f2(s.roundP50[1])} |`);
const by = Object.fromEntries(latencies.map((s) => [s.name, s]));
const ratio = (a, b, key) => f2(by[a][key] / by[b][key]);
console.log();
console.log('Ratios (p50 / p99):');
console.log();
console.log('| comparison | ack | end-to-end |');
console.log('|---|---:|---:|');
for (const [label, a, b] of [
  ['3 brokers acks=-1 / 3 brokers acks=1', '3b-rf3-p1-acks-all', '3b-rf3-p1-acks-1'],
  ['3 brokers acks=-1 / 1 broker acks=1', '3b-rf3-p1-acks-all', '1b-p1-acks-1'],
  ['3 brokers acks=1 / 1 broker acks=1', '3b-rf3-p1-acks-1', '1b-p1-acks-1'],
  ['3 brokers acks=-1, 3 partitions / 1 partition', '3b-rf3-p3-acks-all', '3b-rf3-p1-acks-all'],
  ['1 broker acks=-1 / 1 broker acks=1', '1b-p1-acks-all', '1b-p1-acks-1'],
]) {
  console.log(`| ${label} | ${ratio(a, b, 'ackP50')} / ${ratio(a, b, 'ackP99')} | ${ratio(a, b, 'e2eP50')} / ${ratio(a, b, 'e2eP99')} |`);
}

if (STARTUP_RUNS > 0) {
  const startups = await startup();
  console.log();
  console.log(`Start-up to the first acknowledged produce (bench/broker/startup.mjs), ${STARTUP_RUNS} runs per broker count, ms, median (min–max):`);
  console.log();
  console.log('| brokers | whole process (wall) | module loading | start() | admin connect + CreateTopics | start() → produce ack | stop() |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  const mmm = (s) => `${f0(s.median)} (${f0(s.min)}–${f0(s.max)})`;
  const mmm1 = (s) => `${f1(s.median)} (${f1(s.min)}–${f1(s.max)})`;
  for (const s of startups) console.log(`| ${s.brokers} | ${mmm(s.wall)} | ${mmm(s.importMs)} | ${mmm1(s.startMs)} | ${mmm1(s.topicMs)} | ${mmm1(s.ackMs)} | ${mmm1(s.stopMs)} |`);
  console.log();
  console.log(`Start-up ratio 3 brokers / 1 broker (medians): whole process ${f2(startups[1].wall.median / startups[0].wall.median)}, start() → ack ${f2(startups[1].ackMs.median / startups[0].ackMs.median)}`);
}
console.log();
console.log(`load average ${loadavg().map(f1).join(' ')} at the end, ${f0((performance.now() - began) / 1000)} s in all`);
