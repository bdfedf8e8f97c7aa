// Many partitions on one broker: creation time per 1,000 partitions, memory, open descriptors,
// Metadata latency, clean shutdown, and restart after a clean stop and after kill -9.
//
//   npm run bench:partitions                                  # 10,000 partitions, ulimit -n 20000
//   node bench/broker/partitions-scale.mjs --partitions=50000 --nofile=65536
//
// The broker is `streamwright broker` (dist/cli/main.js) as a child of `sh -c 'ulimit -n N; exec
// node ...'`, so the descriptor limit is the broker's own. Topics of --per-topic partitions are
// created with CreateTopics requests of --batch partitions each (the project's wire client);
// after each 1,000 partitions the broker's RSS (/proc/PID/status) and open descriptors
// (/proc/PID/fd) are read. Then one record goes to every partition (a kafkajs producer,
// acks=-1), Metadata for all topics is timed (median of --metadata-runs), SIGTERM is timed to
// the exit, the broker is restarted on the same data (timed from spawn to "listening on"),
// killed with SIGKILL, and restarted again (timed the same way); after each restart Metadata
// must list every partition and a fetch of a sample of partitions must return the record.
//
// --partitions=N      partitions in total (default 10000)
// --per-topic=N       partitions per topic (default 100)
// --batch=N           partitions per CreateTopics request (default 1000)
// --nofile=N          the broker's descriptor limit (default 20000)
// --config=KEY=VALUE  a broker config (repeatable), e.g. --config=log.max.open.files=1000
// --no-produce        skip the record per partition
// --cpu-prof          run the broker under node --cpu-prof (profiles in ./bench-profiles)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { KafkaConnection } from '../../dist/client/kafka-connection.js';
import { ApiKeys } from '../../dist/protocol/generated/messages.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : found.slice(name.length + 3);
};
const flag = (name) => process.argv.includes(`--${name}`);
const total = Number(arg('partitions', 10_000));
const perTopic = Number(arg('per-topic', 100));
const batch = Number(arg('batch', 1000));
const nofile = Number(arg('nofile', 20_000));
const metadataRuns = Number(arg('metadata-runs', 7));
const configs = process.argv.filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
// streamwright.max.partitions (default 4000) would refuse the topics: raised unless given.
if (!configs.some((c) => c.startsWith('streamwright.max.partitions='))) configs.push(`streamwright.max.partitions=${total + 1000}`);
const produce = !flag('no-produce');
const cpuProf = flag('cpu-prof');

const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-bench-partitions-'));
const profileDir = join(ROOT, 'bench-profiles');
if (cpuProf) mkdirSync(profileDir, { recursive: true });

function startBroker() {
  const started = performance.now();
  const nodeArgs = [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), CLI, 'broker', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...configs.flatMap((c) => ['--config', c])];
  const quoted = [process.execPath, ...nodeArgs].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${nofile} && exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const match = /listening on (\S+):(\d+)/.exec(stdout);
      if (match) resolve({ child, host: match[1], port: Number(match[2]), startMs: performance.now() - started, exited, stderr: () => stderr });
    });
    void exited.then(({ code, signal }) => reject(new Error(`broker exited (${code ?? signal}) before listening:\n${stderr}`)));
  });
}

function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return { rssMb: Math.round(rssKb / 1024), fds: readdirSync(`/proc/${pid}/fd`).length };
}

const topicName = (i) => `scale-${String(i).padStart(5, '0')}`;
const topicCount = Math.ceil(total / perTopic);
const partitionsOf = (i) => Math.min(perTopic, total - i * perTopic);

async function metadataAll(connection) {
  const times = [];
  let response;
  for (let i = 0; i < metadataRuns; i++) {
    const t = performance.now();
    response = await connection.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const partitions = response.topics.reduce((n, t) => n + (t.name.startsWith('scale-') && t.errorCode === 0 ? t.partitions.filter((p) => p.errorCode === 0).length : 0), 0);
  return { medianMs: round(times[Math.floor(times.length / 2)]), partitions };
}

const round = (x) => Math.round(x * 10) / 10;

async function produceOnePerPartition(broker) {
  const client = new kafkajs.Kafka({ clientId: 'partitions-bench', brokers: [`${broker.host}:${broker.port}`], logLevel: kafkajs.logLevel.NOTHING });
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t = performance.now();
  const topicsPerSend = Math.max(1, Math.floor(1000 / perTopic));
  for (let i = 0; i < topicCount; i += topicsPerSend) {
    const topicMessages = [];
    for (let j = i; j < Math.min(topicCount, i + topicsPerSend); j++) {
      topicMessages.push({ topic: topicName(j), messages: Array.from({ length: partitionsOf(j) }, (_, p) => ({ partition: p, value: `record of ${topicName(j)}-${p}` })) });
    }
    await producer.sendBatch({ topicMessages, acks: -1 });
  }
  const ms = performance.now() - t;
  await producer.disconnect();
  return round(ms);
}

/** Fetches offset 0 of a sample of partitions and checks each returns its record. */
async function checkSample(broker) {
  const client = new kafkajs.Kafka({ clientId: 'partitions-bench-check', brokers: [`${broker.host}:${broker.port}`], logLevel: kafkajs.logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const sample = [0, Math.floor(topicCount / 2), topicCount - 1].filter((v, i, a) => a.indexOf(v) === i);
  let checked = 0;
  for (const i of sample) {
    const offsets = await admin.fetchTopicOffsets(topicName(i));
    for (const o of offsets) {
      if (o.high !== (produce ? '1' : '0')) throw new Error(`${topicName(i)}-${o.partition}: high watermark ${o.high}`);
      checked++;
    }
  }
  await admin.disconnect();
  return checked;
}

async function stopBroker(broker, signal) {
  const t = performance.now();
  broker.child.kill(signal);
  const result = await broker.exited;
  const ms = performance.now() - t;
  if (signal === 'SIGTERM' && result.code !== 0) throw new Error(`broker exited with ${result.code ?? result.signal}:\n${broker.stderr()}`);
  return round(ms);
}

/** @type {{ partitions: number, perTopic: number, batch: number, nofile: number, configs: unknown, creation: { upTo: number, ms: number, rssMb: number, fds: number }[], [key: string]: unknown }} */
const report = { partitions: total, perTopic, batch, nofile, configs, creation: [] };
let broker = await startBroker();
try {
  const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port, clientId: 'partitions-bench' });
  let created = 0;
  let sinceMark = 0;
  let markStart = performance.now();
  const creationStart = performance.now();
  for (let i = 0; i < topicCount; ) {
    const topics = [];
    let inRequest = 0;
    while (i < topicCount && inRequest < batch) {
      topics.push({ name: topicName(i), numPartitions: partitionsOf(i), replicationFactor: 1, assignments: [], configs: [] });
      inRequest += partitionsOf(i);
      i++;
    }
    const response = await connection.request(ApiKeys.CreateTopics, 7, { topics, timeoutMs: 60_000, validateOnly: false }, { timeoutMs: 120_000 });
    const failed = response.topics.filter((t) => t.errorCode !== 0);
    if (failed.length > 0) throw new Error(`CreateTopics failed after ${created} partitions: ${failed.map((t) => `${t.name}: ${t.errorCode} ${t.errorMessage ?? ''}`).join('; ')}`);
    created += inRequest;
    sinceMark += inRequest;
    if (sinceMark >= 1000 || i === topicCount) {
      const stats = procStats(broker.child.pid);
      report.creation.push({ upTo: created, ms: round(performance.now() - markStart), ...stats });
      console.error(`created ${created}: ${round(performance.now() - markStart)} ms for the last ${sinceMark}, RSS ${stats.rssMb} MB, ${stats.fds} fds`);
      sinceMark = 0;
      markStart = performance.now();
    }
  }
  report.createMs = round(performance.now() - creationStart);
  report.afterCreate = procStats(broker.child.pid);
  if (produce) {
    report.produceMs = await produceOnePerPartition(broker);
    report.afterProduce = procStats(broker.child.pid);
    console.error(`produced one record per partition in ${report.produceMs} ms`);
  }
  const metadata = await metadataAll(connection);
  report.metadata = metadata;
  if (metadata.partitions !== total) throw new Error(`Metadata lists ${metadata.partitions} partitions, not ${total}`);
  connection.close();
  report.shutdownMs = await stopBroker(broker, 'SIGTERM');
  console.error(`clean shutdown ${report.shutdownMs} ms`);

  broker = await startBroker();
  const cleanRestart = { startMs: round(broker.startMs), ...procStats(broker.child.pid), sampled: await checkSample(broker) };
  report.cleanRestart = cleanRestart;
  console.error(`restart after a clean stop: ${cleanRestart.startMs} ms`);
  await stopBroker(broker, 'SIGKILL');

  broker = await startBroker();
  const killRestart = { startMs: round(broker.startMs), ...procStats(broker.child.pid) };
  const again = await KafkaConnection.connect({ host: broker.host, port: broker.port, clientId: 'partitions-bench' });
  const metadataAfterKill = await metadataAll(again);
  again.close();
  report.killRestart = { ...killRestart, metadata: metadataAfterKill, sampled: await checkSample(broker) };
  console.error(`restart after kill -9: ${killRestart.startMs} ms`);
  report.finalShutdownMs = await stopBroker(broker, 'SIGTERM');
} catch (error) {
  broker.child.kill('SIGKILL');
  console.error(error);
  process.exitCode = 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report, null, 1));
