// Produce and consume throughput over TLS and SASL_SSL against plaintext, on one broker in
// the same run: the cost of encryption and authentication as a ratio to PLAINTEXT.
//
//   npm run bench:security         (npm run build && node bench/broker/security.mjs [--rounds=3] [--quick])
//
// The broker runs in its own process (broker-server.mjs --secure) with PLAINTEXT, SSL and
// SASL_SSL listeners (a throwaway CA; SCRAM-SHA-256 for SASL_SSL). In each round every
// listener gets, in turn: a kafkajs producer sending MESSAGES records of 100 bytes in
// batches of 1000 (acks=1) to a fresh topic, a kafkajs consumer reading them back, and kcat
// producing and consuming the same count. Figures are medians over rounds (records/s), each
// ratio the median of the per-round ratios to PLAINTEXT. Results to stdout as markdown.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes('--quick');
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROUNDS = option('rounds', QUICK ? 1 : 3);
const MESSAGES = QUICK ? 20_000 : 200_000;
const KAFKAJS_BATCH = 1000;
const VALUE = Buffer.alloc(100, 120);
const KCAT = process.env.KCAT ?? 'kcat';
const LISTENERS = ['PLAINTEXT', 'SSL', 'SASL_SSL'];
const log = (...args) => console.error('[bench]', ...args);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const broker = spawn(process.execPath, [join(here, 'broker-server.mjs'), '--secure'], { stdio: ['ignore', 'pipe', 'inherit'] });
/** @type {{ listeners: Record<string, string>, caFile: string }} */
const started = await new Promise((resolve, reject) => {
  let text = '';
  /** The first group of `pattern` in the broker's output. */
  const field = (/** @type {RegExp} */ pattern) => /** @type {RegExpExecArray} */ (pattern.exec(text))[1];
  /** @type {import('node:stream').Readable} */ (broker.stdout).setEncoding('utf8').on('data', (chunk) => {
    text += chunk;
    if (/LISTENING \S+/.test(text)) resolve({ listeners: JSON.parse(field(/LISTENERS (.*)/)), caFile: field(/CA (\S+)/) });
  });
  broker.on('exit', (code) => reject(new Error(`broker exited with ${code}`)));
});
const ca = readFileSync(started.caFile, 'utf8');

/** @returns {import('kafkajs').KafkaConfig} */
const kafkajsOptions = (/** @type {string} */ listener) => ({
  brokers: [started.listeners[listener]],
  logLevel: logLevel.NOTHING,
  ...(listener !== 'PLAINTEXT' ? { ssl: { ca: [ca] } } : {}),
  ...(listener === 'SASL_SSL' ? { sasl: { mechanism: /** @type {const} */ ('scram-sha-256'), username: 'bench', password: 'bench-secret' } } : {}),
});
const kcatOptions = (listener) => [
  '-b', started.listeners[listener],
  ...(listener !== 'PLAINTEXT' ? ['-X', `security.protocol=${listener}`, '-X', `ssl.ca.location=${started.caFile}`] : []),
  ...(listener === 'SASL_SSL' ? ['-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=bench', '-X', 'sasl.password=bench-secret'] : []),
];

/** @returns {Promise<number>} the lines kcat printed */
function runKcat(/** @type {string[]} */ args, /** @type {string | undefined} */ input = undefined) {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const { stdout, stderr: errors } = /** @type {{ stdout: import('node:stream').Readable, stderr: import('node:stream').Readable }} */ (child);
    let lines = 0;
    let stderr = '';
    stdout.on('data', (chunk) => {
      for (const byte of chunk) if (byte === 10) lines++;
    });
    errors.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`kcat exited ${code}: ${stderr.slice(-500)}`))));
    if (input) child.stdin?.end(input);
  });
}

async function kafkajsProduce(listener, topic) {
  const producer = new Kafka({ clientId: `bench-${listener}`, ...kafkajsOptions(listener) }).producer();
  await producer.connect();
  const messages = Array.from({ length: KAFKAJS_BATCH }, () => ({ value: VALUE }));
  const t0 = performance.now();
  for (let sent = 0; sent < MESSAGES; sent += KAFKAJS_BATCH) await producer.send({ topic, acks: 1, messages });
  const rate = MESSAGES / ((performance.now() - t0) / 1000);
  await producer.disconnect();
  return rate;
}

async function kafkajsConsume(listener, topic) {
  const consumer = new Kafka({ clientId: `bench-${listener}`, ...kafkajsOptions(listener) }).consumer({ groupId: `bench-${topic}`, maxBytes: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  const rate = await new Promise((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (t0 === 0) t0 = performance.now();
        seen += batch.messages.length;
        if (seen >= MESSAGES) resolve(MESSAGES / ((performance.now() - t0) / 1000));
      },
    });
  });
  await consumer.disconnect();
  return rate;
}

async function kcatProduce(listener, topic) {
  const input = `${VALUE.toString()}\n`.repeat(MESSAGES);
  const t0 = performance.now();
  await runKcat([...kcatOptions(listener), '-P', '-t', topic, '-X', 'linger.ms=5', '-X', 'acks=1'], input);
  return MESSAGES / ((performance.now() - t0) / 1000);
}

async function kcatConsume(listener, topic) {
  const t0 = performance.now();
  const lines = await runKcat([...kcatOptions(listener), '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
  if (lines < MESSAGES) throw new Error(`kcat read ${lines} of ${MESSAGES} records over ${listener}`);
  return MESSAGES / ((performance.now() - t0) / 1000);
}

/** @type {[string, (listener: string, topic: string) => Promise<number>, 'kafkajs' | 'kcat'][]} */
const WORKLOADS = [
  ['kafkajs produce', kafkajsProduce, 'kafkajs'],
  ['kafkajs consume', kafkajsConsume, 'kafkajs'],
  ['kcat produce', kcatProduce, 'kcat'],
  ['kcat consume', kcatConsume, 'kcat'],
];
/** @type {Map<string, Map<string, number[]>>} */
const results = new Map(WORKLOADS.map(([name]) => [name, new Map(LISTENERS.map((l) => [l, /** @type {number[]} */ ([])]))]));
/** The rates of one workload over one listener. */
const ratesOf = (/** @type {string} */ name, /** @type {string} */ listener) => /** @type {number[]} */ (results.get(name)?.get(listener));

try {
  const admin = new Kafka({ clientId: 'bench-admin', ...kafkajsOptions('PLAINTEXT') }).admin();
  await admin.connect();
  for (let round = 0; round < ROUNDS; round++) {
    // A different listener order each round, so none always runs first on a warming machine.
    const order = LISTENERS.map((_, i) => LISTENERS[(i + round) % LISTENERS.length]);
    for (const listener of order) {
      const topics = { kafkajs: `bench-${listener}-${round}-kafkajs`, kcat: `bench-${listener}-${round}-kcat` };
      await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
      for (const [name, run, client] of WORKLOADS) {
        const rate = await run(listener, topics[client]);
        ratesOf(name, listener).push(rate);
        log(`round ${round + 1}/${ROUNDS} ${listener} ${name}: ${Math.round(rate)} records/s`);
      }
    }
  }
  await admin.disconnect();
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`| records/s (100-byte records, ${MESSAGES.toLocaleString('en-US')} per run, median of ${ROUNDS}) | PLAINTEXT | SSL | SASL_SSL (SCRAM-SHA-256) | SSL / PLAINTEXT | SASL_SSL / PLAINTEXT |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name] of WORKLOADS) {
    const plain = ratesOf(name, 'PLAINTEXT');
    const ratio = (/** @type {string} */ listener) => median(ratesOf(name, listener).map((rate, i) => rate / /** @type {number} */ (plain[i]))).toFixed(2);
    console.log(`| ${name} | ${fmt(median(plain))} | ${fmt(median(ratesOf(name, 'SSL')))} | ${fmt(median(ratesOf(name, 'SASL_SSL')))} | ${ratio('SSL')} | ${ratio('SASL_SSL')} |`);
  }
} finally {
  broker.kill('SIGTERM');
}
