// Request/reply round trips through ReplyingKafkaTemplate and a @SendTo listener:
// latency (p50/p90/p99) with one request in flight, and requests/s with 16 and 64 in flight.
//
//   npm run build && node bench/request-reply.mjs            # ~1 min
//   node bench/request-reply.mjs --quick                     # smoke test of the script, ~10 s
//
// The broker runs in a child process (bench/broker/broker-server.mjs), so it never shares an
// event loop with the client. The application under test hosts both sides, as the orders
// sample does: an echo listener (group `echo`, 3 partitions, concurrency 3) and the replying template (reply
// topic with 3 partitions, a reply group of its own). Each scenario runs `--rounds` times
// (default 3) after a warm-up; the table shows the median round (by p50 / by requests/s).
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { injectable } from 'inversify';
import { KafkaApplication, KafkaListener, ReplyingKafkaTemplate, SendTo, silentLogger, TopicBuilder } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const quick = args.has('quick');
const rounds = Number(args.get('rounds') ?? (quick ? 1 : 3));
const sequentialCount = quick ? 200 : 2000;
const concurrentCount = quick ? 1000 : 10000;

// The responder, decorated by hand (plain JavaScript has no decorator syntax).
class Echo {
  echo(request) {
    return { seq: request.seq, echoed: true, padding: request.padding };
  }
}
const echoMethod = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(Echo.prototype, 'echo'));
KafkaListener({ id: 'echo', topics: ['rr-requests'], groupId: 'echo', concurrency: 3 })(Echo.prototype, 'echo', echoMethod);
SendTo()(Echo.prototype, 'echo', echoMethod);
injectable()(Echo);

async function startBroker() {
  const child = spawn(process.execPath, [join(here, 'broker', 'broker-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const stdout = /** @type {import('node:stream').Readable} */ (child.stdout); // piped above
  let output = '';
  stdout.setEncoding('utf8');
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('broker did not start within 30 s')), 30_000);
    stdout.on('data', (chunk) => {
      output += chunk;
      const match = /LISTENING (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return { address, child };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `total` requests with `window` in flight; latency of each and the overall rate. */
async function run(template, total, window) {
  const latencies = [];
  let next = 0;
  const padding = 'x'.repeat(64);
  const started = process.hrtime.bigint();
  async function worker() {
    while (next < total) {
      const seq = next++;
      const t0 = process.hrtime.bigint();
      const reply = await template.sendAndReceive({ topic: 'rr-requests', key: `k${seq}`, value: { seq, padding } });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (reply.value.seq !== seq) throw new Error(`reply ${reply.value.seq} for request ${seq}`);
    }
  }
  await Promise.all(Array.from({ length: window }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { total, window, rps: total / seconds, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) };
}

const { address, child } = await startBroker();
const app = await KafkaApplication.create({
  kafka: { brokers: [address], clientId: 'rr-bench' },
  listeners: [Echo],
  topics: [TopicBuilder.name('rr-requests').partitions(3).replicas(1).build(), TopicBuilder.name('rr-replies').partitions(3).replicas(1).build()],
  consumerConfig: { maxWaitTimeInMs: 100 },
  replyingTemplate: { replyTopic: 'rr-replies', timeoutMs: 30_000 },
  logger: silentLogger,
});
try {
  await app.start();
  const template = app.get(ReplyingKafkaTemplate);
  await run(template, quick ? 100 : 500, 1); // warm-up
  await run(template, quick ? 200 : 2000, 16);
  const scenarios = [
    { name: '1 in flight (sequential)', total: sequentialCount, window: 1 },
    { name: '16 in flight', total: concurrentCount, window: 16 },
    { name: '64 in flight', total: concurrentCount, window: 64 },
  ];
  const rows = [];
  for (const scenario of scenarios) {
    const results = [];
    for (let round = 0; round < rounds; round++) results.push(await run(template, scenario.total, scenario.window));
    const median = (key) => [...results].sort((a, b) => a[key] - b[key])[Math.floor(results.length / 2)];
    const byLatency = median('p50');
    const byRate = median('rps');
    rows.push({ ...scenario, byLatency, byRate, rpsRange: [Math.min(...results.map((r) => r.rps)), Math.max(...results.map((r) => r.rps))] });
  }
  const fmt = (n) => n.toFixed(2);
  console.log(`node ${process.version}, ${rounds} round(s) per scenario, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| in flight | requests | requests/s (min–max) | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const l = row.byLatency;
    console.log(`| ${row.name} | ${row.total} | ${Math.round(row.byRate.rps).toLocaleString('en')} (${Math.round(row.rpsRange[0]).toLocaleString('en')}–${Math.round(row.rpsRange[1]).toLocaleString('en')}) | ${fmt(l.p50)} | ${fmt(l.p90)} | ${fmt(l.p99)} | ${fmt(l.max)} |`);
  }
} finally {
  await app.stop();
  child.kill('SIGTERM');
  await once(child, 'exit');
}
