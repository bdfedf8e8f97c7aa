// Two builds of the broker side by side, in one run: this checkout (after `npm run build`) and
// another built checkout (`--base=DIR`, e.g. an older commit: `git worktree add /tmp/base <commit>
// && (cd /tmp/base && npm ci && npm run build)`). A round runs every workload once against each
// build, in alternating order (AB, BA, AB, ...), so machine load drifts hit both builds alike;
// the report gives each figure's median and min–max over the rounds, and the load average.
//
//   npm run build && node bench/broker/compare-builds.mjs --base=/tmp/base [--rounds=9]
//
// Workloads, each a fresh process and temp dir per build and round:
// - start-up: bench/broker/startup.mjs --brokers 1 and --brokers 3 of that build (start
//   EmbeddedKafka, create a topic, one acks=-1 produce, stop): its in-process startMs and ackMs.
// - start-up CPU: in one process, EmbeddedKafka.start() and stop() of a single broker 40 times
//   (the first 5 not counted): the median CPU ms (user+system) of a start() and of a stop(),
//   which load on the machine disturbs less than wall time.
// - produce: `streamwright broker` of that build (one broker, then `--brokers 3` with RF 3), a
//   kafkajs producer in this process sends --messages 100-byte records in sends of 1,000 at
//   acks=-1 to one partition: msgs/s, and the broker process's CPU µs per message (user+system,
//   from /proc), which load on the machine disturbs less than throughput.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;
const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const HERE = resolve(new URL('../..', import.meta.url).pathname);
const BASE = option('base', null);
if (!BASE) {
  console.error('usage: node bench/broker/compare-builds.mjs --base=DIR [--rounds=N] [--messages=N]');
  process.exit(2);
}
const ROUNDS = Number(option('rounds', 9));
const MESSAGES = Number(option('messages', 50_000));
const BUILDS = [
  { name: 'base', dir: resolve(BASE) },
  { name: 'this', dir: HERE },
];
const log = (...args) => console.error('[compare]', ...args);

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runStartup(dir, brokers) {
  const child = spawn(process.execPath, [join(dir, 'bench/broker/startup.mjs'), '--brokers', String(brokers)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: dir });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`startup.mjs --brokers ${brokers} in ${dir} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '');
}

// Runs in a child process of the build under test.
const STARTUP_CPU_SCRIPT = `
const { EmbeddedKafka } = await import(process.argv[1]);
const start = [], stop = [];
for (let i = 0; i < 40; i++) {
  let before = process.cpuUsage();
  const kafka = await EmbeddedKafka.start({});
  let used = process.cpuUsage(before);
  if (i >= 5) start.push((used.user + used.system) / 1000);
  before = process.cpuUsage();
  await kafka.stop();
  used = process.cpuUsage(before);
  if (i >= 5) stop.push((used.user + used.system) / 1000);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(JSON.stringify({ startCpuMs: median(start), stopCpuMs: median(stop) }));
`;

async function runStartupCpu(dir) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', STARTUP_CPU_SCRIPT, join(dir, 'dist/broker/index.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the start-up CPU script in ${dir} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '');
}

async function startBrokers(dir, brokers) {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-compare-'));
  const args = [join(dir, 'dist/cli/main.js'), 'broker', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...(brokers > 1 ? ['--brokers', String(brokers)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let out = '';
  child.stdout.setEncoding('utf8');
  const addresses = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('the broker did not start within 30 s')), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = [...out.matchAll(/^listening on (\S+)$/gm)].map((m) => m[1]);
      if (found.length === brokers) {
        clearTimeout(timer);
        resolvePromise(found);
      }
    });
  });
  return {
    addresses,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function runProduce(dir, brokers) {
  const server = await startBrokers(dir, brokers);
  try {
    const kafka = new Kafka({ clientId: 'compare', brokers: server.addresses, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'compare', numPartitions: 1, replicationFactor: brokers }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const value = Buffer.alloc(100, 'x');
    const batch = Array.from({ length: 1_000 }, () => ({ value }));
    await producer.send({ topic: 'compare', acks: -1, messages: batch }); // warm-up
    const cpuBefore = cpuSeconds(server.pid);
    const started = performance.now();
    for (let sent = 0; sent < MESSAGES; sent += batch.length) await producer.send({ topic: 'compare', acks: -1, messages: batch });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    await producer.disconnect();
    return { msgsPerSec: MESSAGES / seconds, cpuUsPerMsg: (cpu * 1e6) / MESSAGES };
  } finally {
    await server.stop();
  }
}

const WORKLOADS = [
  { name: 'start-up, 1 broker', run: (dir) => runStartup(dir, 1), figures: { startMs: 'start() ms', ackMs: 'to first ack ms' } },
  { name: 'start-up, 3 brokers', run: (dir) => runStartup(dir, 3), figures: { startMs: 'start() ms', ackMs: 'to first ack ms' } },
  { name: 'start-up CPU, 1 broker in-process', run: (dir) => runStartupCpu(dir), figures: { startCpuMs: 'start() CPU ms', stopCpuMs: 'stop() CPU ms' } },
  { name: 'produce acks=-1, 1 broker', run: (dir) => runProduce(dir, 1), figures: { msgsPerSec: 'msgs/s', cpuUsPerMsg: 'broker CPU µs/msg' } },
  { name: 'produce acks=-1, 3 brokers RF 3', run: (dir) => runProduce(dir, 3), figures: { msgsPerSec: 'msgs/s', cpuUsPerMsg: 'brokers CPU µs/msg' } },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2));

const loadBefore = loadavg();
const results = new Map(); // `${workload}|${figure}|${build}` -> number[]
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? BUILDS : [...BUILDS].reverse();
  for (const workload of WORKLOADS) {
    for (const build of order) {
      const figures = await workload.run(build.dir);
      for (const key of Object.keys(workload.figures)) {
        const id = `${workload.name}|${key}|${build.name}`;
        results.set(id, [...(results.get(id) ?? []), figures[key]]);
      }
    }
  }
  log(`round ${round + 1}/${ROUNDS} done, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}
const loadAfter = loadavg();

console.log(`${ROUNDS} rounds, builds alternating; load average ${loadBefore.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadAfter.map((x) => x.toFixed(1)).join(' ')} at the end; base = ${BUILDS[0].dir}`);
console.log('');
console.log('| Workload | Figure | base: median (min–max) | this: median (min–max) | this / base (medians) |');
console.log('|---|---|---|---|---|');
for (const workload of WORKLOADS) {
  for (const [key, label] of Object.entries(workload.figures)) {
    const [base, mine] = BUILDS.map((b) => results.get(`${workload.name}|${key}|${b.name}`));
    const cell = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
    console.log(`| ${workload.name} | ${label} | ${cell(base)} | ${cell(mine)} | ${(median(mine) / median(base)).toFixed(2)} |`);
  }
}
