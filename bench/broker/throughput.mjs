// Broker throughput: kafkajs and kcat producers and consumers against the streamwright broker,
// and the same producers against a no-op stub that acks every produce (stub-server.mjs). The
// broker/stub ratio of a producer says how much of that client's throughput the broker costs:
// 1.0 means the broker is free, 0.5 means the client spends half its time waiting on it.
//
//   npm run build && node bench/broker/throughput.mjs [--rounds=5] [--quick] [--profile]
//
// The broker (broker-server.mjs) and the stub each run in their own child process, started
// once; clients run in this process (kafkajs, the raw codec clients) or as their own process
// (kcat). The machine this runs on is noisy, so broker and stub runs are interleaved finely:
// in each round a producer is connected to both, and the workload goes in slices, alternately
// to one and the other (A B B A A B ...); kcat, one process per run, alternates per run. Each
// figure is the median over rounds, each ratio the median of the per-round ratios. Every
// round writes to fresh, empty topics. Results go to stdout as markdown, progress to stderr.
//
// --quick       tiny workloads, 1 round: a smoke test of the script itself.
// --profile     afterwards, profiles the broker (V8 CPU profiler, the same as node --cpu-prof)
//               during a kafkajs produce and during a raw produce that saturates it, and prints
//               the top self-time functions (profile-summary.mjs).
// --rounds=N    producer rounds (default 5); --consume-rounds=N consumer rounds (default 3).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { decodeResponse, encodeRecordBatchSync, encodeRequest } from '../../dist/protocol/index.js';
import { frameSplitter } from './frames.mjs';
import { summarizeProfile } from './profile-summary.mjs';

const { Kafka, logLevel } = kafkajs;
const here = dirname(fileURLToPath(import.meta.url));
const flags = new Set(process.argv.slice(2).filter((a) => !a.includes('=')));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const QUICK = flags.has('--quick');
const PROFILE = flags.has('--profile');

const ROUNDS = option('rounds', QUICK ? 1 : 5);
const CONSUME_ROUNDS = option('consume-rounds', QUICK ? 1 : 3);
const MESSAGE_BYTES = 100;
const KAFKAJS_MESSAGES = QUICK ? 20_000 : 200_000; // per round and server
const KAFKAJS_BATCH = 1_000; // messages per producer.send()
const KAFKAJS_SLICE = 20_000; // messages sent to one server before switching to the other
const KCAT_MESSAGES = QUICK ? 100_000 : 2_000_000;
const RAW_MESSAGES = QUICK ? 100_000 : 2_000_000;
const RAW_BATCH = 1_000; // records per Produce request
const RAW_SLICE = 200_000;
const CONSUME_MESSAGES = QUICK ? 100_000 : 2_000_000;
const RUN_TIMEOUT_MS = 60_000;
const KCAT = process.env.KCAT ?? 'kcat';

const log = (...args) => console.error('[bench]', ...args);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtInt = (x) => (x == null ? '—' : Math.round(x).toLocaleString('en-US'));
const fmt1 = (x) => (x == null ? '—' : x.toFixed(1));
const fmt2 = (x) => (x == null ? '—' : x.toFixed(2));
const mbps = (msgsPerSec) => (msgsPerSec * MESSAGE_BYTES) / 1e6;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Servers: each its own child process, announcing "LISTENING host:port" on stdout.

/** CPU seconds (user + system) a process has used so far, from /proc; null where unavailable. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return null;
  }
}

async function startServer(name, script) {
  const child = spawn(process.execPath, [join(here, script)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const stdout = /** @type {import('node:stream').Readable} */ (child.stdout); // piped above
  const exited = once(child, 'exit');
  let out = '';
  const address = await withTimeout(
    (async () => {
      for await (const chunk of stdout) {
        out += chunk;
        const match = /LISTENING (\S+)/.exec(out);
        if (match) return match[1];
      }
      throw new Error(`${name} exited before listening`);
    })(),
    20_000,
    `${name} start`,
  );
  stdout.resume();
  const reply = (key) => withTimeout(new Promise((resolve) => child.on('message', (m) => m?.[key] !== undefined && resolve(m[key]))), 20_000, `${name} ${key}`);
  return {
    name,
    address,
    cpu: () => cpuSeconds(child.pid),
    async startProfile() {
      const started = reply('profiling');
      child.send({ profile: 'start' });
      await started;
    },
    async stopProfile(file) {
      const written = reply('profiled');
      child.send({ profile: 'stop', file });
      await written;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs fn and adds its wall time, the CPU seconds the server used meanwhile and those this
 * process used (the client's, for the in-process clients) to `into`.
 */
async function timed(server, into, fn) {
  const cpu0 = server.cpu();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const messages = await fn();
  into.seconds += (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu1 = server.cpu();
  into.serverCpu = cpu0 === null || cpu1 === null || into.serverCpu === null ? null : into.serverCpu + cpu1 - cpu0;
  into.clientCpu += (own.user + own.system) / 1e6;
  into.messages += messages;
  return into;
}
const tally = () => ({ seconds: 0, serverCpu: 0, clientCpu: 0, messages: 0 });

// ---------------------------------------------------------------------------------------------
// Producer sessions: open(server, topic) connects and warms up (untimed); send(n) produces n
// messages; close() disconnects.

const kafkaClient = (address) => new Kafka({ clientId: 'streamwright-bench', brokers: [address], logLevel: logLevel.NOTHING });

async function createTopic(server, topic, partitions) {
  if (server.name === 'stub') return; // the stub knows every topic; "-p<N>" gives N partitions
  const admin = kafkaClient(server.address).admin();
  await admin.connect();
  try {
    if (!(await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }))) {
      throw new Error(`topic ${topic} already exists`);
    }
  } finally {
    await admin.disconnect();
  }
}

const payload = Buffer.alloc(MESSAGE_BYTES, 'x');

/** Runs `count` calls of `one`, `inFlight` at a time. */
async function pipelined(count, inFlight, one) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const kafkajsProducer = ({ acks, inFlight }) => async (server, topic) => {
  const producer = kafkaClient(server.address).producer();
  await producer.connect();
  const messages = Array.from({ length: KAFKAJS_BATCH }, () => ({ value: payload }));
  await producer.send({ topic, acks, messages }); // warm-up: metadata, connection
  return {
    send: (n) => pipelined(n / KAFKAJS_BATCH, inFlight, () => producer.send({ topic, acks, messages })),
    close: () => producer.disconnect(),
  };
};

async function rawConnection(address) {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const waiting = [];
  socket.on('data', frameSplitter((frame) => waiting.shift().resolve(frame)));
  socket.on('error', (error) => waiting.splice(0).forEach((w) => w.reject(error)));
  socket.on('close', () => waiting.splice(0).forEach((w) => w.reject(new Error('connection closed'))));
  return {
    request(frame) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(frame);
      });
    },
    close: () => socket.destroy(),
  };
}

const PRODUCE_VERSION = 7; // what kafkajs 2.2.4 uses
const FETCH_VERSION = 11; // likewise

/** The project's codec on a bare socket: one pre-encoded Produce request of RAW_BATCH records, sent over and over. */
const rawProducer = ({ inFlight }) => async (server, topic) => {
  const records = encodeRecordBatchSync({ records: Array.from({ length: RAW_BATCH }, () => ({ value: payload, timestamp: Date.now() })) });
  const frame = encodeRequest(
    { apiKey: 0, apiVersion: PRODUCE_VERSION, correlationId: 1, clientId: 'bench-raw' },
    { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] },
    records.length + 256,
  );
  const connection = await rawConnection(server.address);
  const produce = async () => {
    const { body } = decodeResponse(0, PRODUCE_VERSION, await connection.request(frame));
    const errorCode = body.responses[0].partitionResponses[0].errorCode;
    if (errorCode !== 0) throw new Error(`raw produce to ${server.name} failed with error ${errorCode}`);
  };
  await produce(); // warm-up
  return {
    send: (n) => pipelined(n / RAW_BATCH, inFlight, produce),
    close: async () => connection.close(),
  };
};

/**
 * A producer workload against the broker and the stub in one round: both connected, the
 * messages sent in slices, alternately to each (the first server of each pair alternates too).
 */
async function interleavedRound(servers, { partitions, total, slice: sliceSize, open }, round) {
  const sessions = {};
  for (const which of ['broker', 'stub']) {
    const topic = freshTopic('bench', partitions);
    await createTopic(servers[which], topic, partitions);
    sessions[which] = await open(servers[which], topic);
  }
  const results = { broker: tally(), stub: tally() };
  try {
    const slice = Math.min(sliceSize, total);
    for (let i = 0; i < total / slice; i++) {
      for (const which of (i + round) % 2 === 0 ? ['broker', 'stub'] : ['stub', 'broker']) {
        await timed(servers[which], results[which], async () => {
          await sessions[which].send(slice);
          return slice;
        });
      }
    }
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s.close()));
  }
  return results;
}

/** kcat -P of a prepared file: one process per run, so runs alternate per round. */
async function kcatRound(servers, { file, messages }, round) {
  const results = { broker: tally(), stub: tally() };
  for (const which of round % 2 === 0 ? ['broker', 'stub'] : ['stub', 'broker']) {
    const topic = freshTopic('kcat', 1);
    await createTopic(servers[which], topic, 1);
    await timed(servers[which], results[which], async () => {
      await runProcess(KCAT, ['-P', '-b', servers[which].address, '-t', topic, '-X', 'acks=all', '-l', file]);
      return messages;
    });
    results[which].clientCpu = null; // kcat's CPU is not ours
  }
  return results;
}

async function compare(servers, label, round) {
  /** @typedef {{ rate: number, serverCores: number | null, serverUsPerMsg: number | null, clientCores: number | null }} Sample */
  /** @type {{ broker: Sample[], stub: Sample[] }} */
  const samples = { broker: [], stub: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const results = await withTimeout(round(r), RUN_TIMEOUT_MS, `${label}, round ${r + 1}`);
    for (const which of ['broker', 'stub']) {
      const t = results[which];
      samples[which].push({
        rate: t.messages / t.seconds,
        serverCores: t.serverCpu === null ? null : t.serverCpu / t.seconds,
        serverUsPerMsg: t.serverCpu === null ? null : (t.serverCpu * 1e6) / t.messages,
        clientCores: t.clientCpu === null ? null : t.clientCpu / t.seconds,
      });
    }
    log(`${label}, round ${r + 1}/${ROUNDS}: broker ${fmtInt(samples.broker[r].rate)} msgs/s, stub ${fmtInt(samples.stub[r].rate)} msgs/s`);
  }
  const ratios = samples.broker.map((b, i) => b.rate / samples.stub[i].rate);
  const med = (which, key) => (samples[which].some((s) => s[key] === null) ? null : median(samples[which].map((s) => s[key])));
  return {
    label,
    broker: med('broker', 'rate'),
    stub: med('stub', 'rate'),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    brokerCores: med('broker', 'serverCores'),
    stubCores: med('stub', 'serverCores'),
    brokerUsPerMsg: med('broker', 'serverUsPerMsg'),
    clientCoresBroker: med('broker', 'clientCores'),
    clientCoresStub: med('stub', 'clientCores'),
  };
}

// ---------------------------------------------------------------------------------------------
// Consumers (broker only: the stub serves no Fetch).

function runProcess(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stderr);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim().slice(-500)}`));
    });
  });
}

const kcatConsume = (server, topic, messages) => async (into) =>
  timed(server, into, async () => {
    // fetch.wait.max.ms=10: with the default 500, -e only sees the end after a Fetch that
    // waits 500 ms for data that never comes, which would be half of the run.
    await runProcess(KCAT, ['-C', '-b', server.address, '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'fetch.wait.max.ms=10']);
    return messages;
  });

/** A Fetch loop on one partition with the Java consumer's sizes; counts records from the batch headers. */
const rawFetch = (server, topic, messages) => async (into) => {
  const connection = await rawConnection(server.address);
  try {
    return await timed(server, into, async () => {
      let fetchOffset = 0n;
      let seen = 0;
      let correlationId = 0;
      while (fetchOffset < BigInt(messages)) {
        const frame = encodeRequest(
          { apiKey: 1, apiVersion: FETCH_VERSION, correlationId: ++correlationId, clientId: 'bench-raw' },
          {
            replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 50 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
            topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
            forgottenTopicsData: [], rackId: '',
          },
        );
        const { body } = decodeResponse(1, FETCH_VERSION, await connection.request(frame));
        const partition = body.responses[0].partitions[0];
        if (partition.errorCode !== 0) throw new Error(`raw fetch failed with error ${partition.errorCode}`);
        const records = partition.records ?? Buffer.alloc(0);
        for (let at = 0; at + 61 <= records.length; ) {
          const size = 12 + records.readInt32BE(at + 8);
          if (at + size > records.length) break; // a partial batch at the end of the response
          fetchOffset = records.readBigInt64BE(at) + BigInt(records.readInt32BE(at + 23)) + 1n;
          seen += records.readInt32BE(at + 57);
          at += size;
        }
      }
      return seen;
    });
  } finally {
    connection.close();
  }
};

/** A kafkajs consumer group of one; its rate counts from the group join (kcat -C and the raw loop have no group). */
const kafkajsConsume = (server, topic, messages) => async (into) => {
  const consumer = kafkaClient(server.address).consumer({ groupId: `bench-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const startedAt = performance.now();
    /** @type {number | undefined} */
    let joinedAt;
    consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt ??= performance.now()));
    const result = await timed(server, into, async () => {
      let seen = 0;
      await new Promise((/** @type {(value?: unknown) => void} */ resolve, reject) => {
        consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              seen += batch.messages.length;
              if (seen >= messages) resolve();
            },
          })
          .catch(reject);
      });
      return seen;
    });
    if (joinedAt === undefined) throw new Error('the consumer finished without a GROUP_JOIN event');
    const joinSeconds = (joinedAt - startedAt) / 1000;
    result.seconds -= joinSeconds;
    result.joinSeconds = joinSeconds;
    return result;
  } finally {
    await consumer.disconnect();
  }
};

async function consumeRounds(label, run) {
  const rates = [];
  const joins = [];
  const cores = [];
  for (let round = 0; round < CONSUME_ROUNDS; round++) {
    const t = await withTimeout(run(tally()), RUN_TIMEOUT_MS, label);
    rates.push(t.messages / t.seconds);
    if (t.joinSeconds !== undefined) joins.push(t.joinSeconds);
    if (t.serverCpu !== null) cores.push(t.serverCpu / (t.seconds + (t.joinSeconds ?? 0)));
    log(`${label}, round ${round + 1}/${CONSUME_ROUNDS}: ${fmtInt(rates.at(-1))} msgs/s (${t.seconds.toFixed(2)} s)`);
  }
  return { label, rate: median(rates), join: joins.length ? median(joins) : null, brokerCores: cores.length ? median(cores) : null };
}

// ---------------------------------------------------------------------------------------------

let topicSerial = 0;
const freshTopic = (label, partitions) => `${label}-${process.pid}-${++topicSerial}-p${partitions}`;

async function main() {
  const startedAt = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'streamwright-bench-'));
  const servers = {};
  const cleanup = async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop().catch(() => {})));
    rmSync(scratch, { recursive: true, force: true });
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  try {
    servers.broker = await startServer('broker', 'broker-server.mjs');
    servers.stub = await startServer('stub', 'stub-server.mjs');
    log(`broker at ${servers.broker.address}, stub at ${servers.stub.address}`);

    const producers = [];
    for (const [acks, partitions, inFlight] of [[-1, 1, 1], [1, 1, 1], [-1, 4, 1], [-1, 1, 4]]) {
      const label = `kafkajs, acks=${acks}, ${partitions} partition${partitions > 1 ? 's' : ''}, ${inFlight} send${inFlight > 1 ? 's' : ''} in flight`;
      const workload = { partitions, total: KAFKAJS_MESSAGES, slice: KAFKAJS_SLICE, open: kafkajsProducer({ acks, inFlight }) };
      producers.push(await compare(servers, label, (r) => interleavedRound(servers, workload, r)));
    }
    const kcatFile = join(scratch, 'messages.txt');
    writeFileSync(kcatFile, `${'x'.repeat(MESSAGE_BYTES)}\n`.repeat(KCAT_MESSAGES));
    producers.push(
      await compare(servers, 'kcat -P -l file, acks=all, 1 partition (librdkafka defaults)', (r) =>
        kcatRound(servers, { file: kcatFile, messages: KCAT_MESSAGES }, r),
      ),
    );
    for (const inFlight of [1, 8]) {
      const label = `raw Produce v${PRODUCE_VERSION} (codec on a socket), acks=-1, 1 partition, ${inFlight} request${inFlight > 1 ? 's' : ''} in flight`;
      const workload = { partitions: 1, total: RAW_MESSAGES, slice: RAW_SLICE, open: rawProducer({ inFlight }) };
      producers.push(await compare(servers, label, (r) => interleavedRound(servers, workload, r)));
    }

    // Consumers read one partition of CONSUME_MESSAGES messages written by kcat (librdkafka's
    // batches, up to 1 MB each).
    const consumeTopic = freshTopic('consume', 1);
    await createTopic(servers.broker, consumeTopic, 1);
    writeFileSync(kcatFile, `${'x'.repeat(MESSAGE_BYTES)}\n`.repeat(CONSUME_MESSAGES));
    await runProcess(KCAT, ['-P', '-b', servers.broker.address, '-t', consumeTopic, '-X', 'acks=all', '-l', kcatFile]);
    const consumers = [];
    for (const [label, run] of [
      ['kcat -C -o beginning -e -q -X fetch.wait.max.ms=10 (no group; whole process)', kcatConsume(servers.broker, consumeTopic, CONSUME_MESSAGES)],
      [`raw Fetch v${FETCH_VERSION} loop (codec on a socket), 1 MiB per partition`, rawFetch(servers.broker, consumeTopic, CONSUME_MESSAGES)],
      ['kafkajs consumer group of one, eachBatch (from group join)', kafkajsConsume(servers.broker, consumeTopic, CONSUME_MESSAGES)],
    ]) {
      try {
        consumers.push(await consumeRounds(label, run));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`${label} failed: ${message}`);
        consumers.push({ label, rate: null, error: message });
      }
    }

    const profiles = [];
    if (PROFILE) {
      const profileWorkloads = [
        ['kafkajs, acks=-1, 1 partition, 1 send in flight', kafkajsProducer({ acks: -1, inFlight: 1 }), QUICK ? 20_000 : 600_000],
        ['raw Produce, acks=-1, 1 partition, 8 requests in flight (broker saturated)', rawProducer({ inFlight: 8 }), QUICK ? 100_000 : 4_000_000],
      ];
      for (const [label, open, messages] of profileWorkloads) {
        profiles.push(await profileBroker(servers.broker, scratch, label, open, messages));
      }
    }

    printReport({ producers, consumers, profiles, seconds: (performance.now() - startedAt) / 1000 });
  } finally {
    await cleanup();
  }
}

/** Profiles the broker child (V8's CPU profiler) while one producer session sends `messages`. */
async function profileBroker(broker, scratch, label, open, messages) {
  const topic = freshTopic('profile', 1);
  await createTopic(broker, topic, 1);
  const session = await open(broker, topic);
  const file = join(scratch, `${topic}.cpuprofile`);
  const t = tally();
  try {
    await broker.startProfile();
    await withTimeout(timed(broker, t, async () => (await session.send(messages), messages)), RUN_TIMEOUT_MS, `profiled ${label}`);
    await broker.stopProfile(file);
  } finally {
    await session.close();
  }
  const rate = t.messages / t.seconds;
  log(`profiled ${label}: ${fmtInt(rate)} msgs/s`);
  const header = `Broker profile, ${label}: ${fmtInt(messages)} messages at ${fmtInt(rate)} msgs/s; broker CPU ${fmt2(t.serverCpu / t.seconds)} cores.`;
  return `${header}\n\n${summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), { top: 15 })}`;
}

function printReport({ producers, consumers, profiles, seconds }) {
  let kcatVersion = '';
  try {
    kcatVersion = /Version (\S+).*librdkafka (\S+)/s.exec(execFileSync(KCAT, ['-V'], { encoding: 'utf8' }))?.slice(1).join(' (librdkafka ') + ')';
  } catch {
    // kcat missing: the report names no version.
  }
  const lines = [];
  lines.push(`Run ${new Date().toISOString()} · Node ${process.version} · kafkajs 2.2.4 · kcat ${kcatVersion} · ${cpus().length} × ${cpus()[0]?.model.trim()} · ${seconds.toFixed(0)} s`);
  lines.push('');
  lines.push(
    `**Producers**, broker vs no-op stub: ${MESSAGE_BYTES}-byte values, no key, no compression. Per round and server: kafkajs ${fmtInt(KAFKAJS_MESSAGES)} messages in sends of ${fmtInt(KAFKAJS_BATCH)}, interleaved in slices of ${fmtInt(KAFKAJS_SLICE)}; kcat a file of ${fmtInt(KCAT_MESSAGES)} lines (wall time of the process); raw ${fmtInt(RAW_MESSAGES)} records in requests of ${fmtInt(RAW_BATCH)}, slices of ${fmtInt(RAW_SLICE)}. Median of ${ROUNDS} rounds. MB/s counts values only (10^6 B). CPU in cores (CPU s per s of run) of the server process, and of the client process (not measured for kcat).`,
  );
  lines.push('');
  lines.push('| Producer | Broker msgs/s | Broker MB/s | Stub msgs/s | Stub MB/s | Broker / stub (min–max) | Server CPU, broker / stub | Broker CPU µs/msg | Client CPU, vs broker / vs stub |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of producers) {
    lines.push(
      `| ${p.label} | ${fmtInt(p.broker)} | ${fmt1(mbps(p.broker))} | ${fmtInt(p.stub)} | ${fmt1(mbps(p.stub))} | **${fmt2(p.ratio)}** (${fmt2(p.ratioMin)}–${fmt2(p.ratioMax)}) | ${fmt2(p.brokerCores)} / ${fmt2(p.stubCores)} | ${fmt2(p.brokerUsPerMsg)} | ${fmt2(p.clientCoresBroker)} / ${fmt2(p.clientCoresStub)} |`,
    );
  }
  lines.push('');
  lines.push(`**Consumers**, broker only: ${fmtInt(CONSUME_MESSAGES)} messages of ${MESSAGE_BYTES} bytes in one partition, written by kcat. Median of ${CONSUME_ROUNDS} rounds.`);
  lines.push('');
  lines.push('| Consumer | msgs/s | MB/s | Broker CPU | Notes |');
  lines.push('|---|---:|---:|---:|---|');
  for (const c of consumers) {
    const note = c.error ? `failed: ${c.error}` : c.join !== null ? `group join ${fmt2(c.join)} s, not counted` : '';
    lines.push(`| ${c.label} | ${fmtInt(c.rate)} | ${c.rate === null ? '—' : fmt1(mbps(c.rate))} | ${fmt2(c.brokerCores)} | ${note} |`);
  }
  for (const profile of profiles) lines.push('', profile);
  console.log(lines.join('\n'));
}

await main();
