// Client quotas: a kafkajs producer limited to producer_byte_rate=1 MB/s against the same
// producer unlimited, on one broker in the same run. The quota holds when the limited
// producer's rate over 10 s is within 10% of 1 MB/s; its ratio to the unlimited rate says
// how much the throttle slowed it.
//
//   npm run bench:quota            (npm run build && node bench/broker/quota.mjs [--seconds=10] [--warmup=12])
//
// The broker runs in its own process (broker-server.mjs). The quota is set with
// AlterClientQuotas on /clients/limited-producer, as `streamwright configs --alter
// --add-config producer_byte_rate=1048576 --entity-type clients --entity-name limited-producer`
// does. Each producer sends batches of 100 records of 1000 bytes (acks=1) as fast as the
// broker lets it: first a warm-up longer than the 11 one-second windows Kafka's rate spans
// (not counted: a rate over fewer than 10 s of history is measured as if over 10 s, so the
// first seconds allow a burst of 10 s worth of quota and then almost nothing until the
// history is 10 s long), then the measured seconds. Rates are of record values;
// the broker counts whole requests, about 1% more. Results to stdout as markdown.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { KafkaConnection } from '../../dist/client/kafka-connection.js';

const { Kafka, logLevel } = kafkajs;
const here = dirname(fileURLToPath(import.meta.url));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SECONDS = option('seconds', 10);
const WARMUP_SECONDS = option('warmup', 12);
const QUOTA = 1024 * 1024;
const VALUE = Buffer.alloc(1000, 120);
const BATCH = Array.from({ length: 100 }, () => ({ value: VALUE }));
const log = (...args) => console.error('[bench]', ...args);

const broker = spawn(process.execPath, [join(here, 'broker-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const address = await new Promise((resolve, reject) => {
  broker.stdout.setEncoding('utf8').on('data', (line) => {
    const match = /LISTENING (\S+)/.exec(line);
    if (match) resolve(match[1]);
  });
  broker.on('exit', (code) => reject(new Error(`broker exited with ${code}`)));
});
const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];

try {
  const admin = await KafkaConnection.connect({ host, port, clientId: 'bench-admin' });
  const set = await admin.request(49, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'limited-producer' }], ops: [{ key: 'producer_byte_rate', value: QUOTA, remove: false }] }],
    validateOnly: false,
  });
  if (set.entries[0].errorCode !== 0) throw new Error(`AlterClientQuotas failed: ${set.entries[0].errorMessage}`);
  admin.close();

  const kafka = (clientId) => new Kafka({ clientId, brokers: [address], logLevel: logLevel.NOTHING });
  const setup = kafka('bench-setup').admin();
  await setup.connect();
  await setup.createTopics({ topics: [{ topic: 'quota-bench', numPartitions: 1 }], waitForLeaders: true });
  await setup.disconnect();

  /** Sends batches back to back; returns the value bytes per second over the measured seconds. */
  async function run(clientId) {
    const producer = kafka(clientId).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const warmupEnd = Date.now() + WARMUP_SECONDS * 1000;
    while (Date.now() < warmupEnd) await producer.send({ topic: 'quota-bench', acks: 1, messages: BATCH });
    const started = Date.now();
    const end = started + SECONDS * 1000;
    let bytes = 0;
    while (Date.now() < end) {
      await producer.send({ topic: 'quota-bench', acks: 1, messages: BATCH });
      bytes += BATCH.length * VALUE.length;
    }
    const rate = bytes / ((Date.now() - started) / 1000);
    await producer.disconnect();
    return rate;
  }

  log(`unlimited producer, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s`);
  const unlimited = await run('unlimited-producer');
  log(`limited producer (producer_byte_rate=${QUOTA}), ${WARMUP_SECONDS} s warm-up + ${SECONDS} s`);
  const limited = await run('limited-producer');
  const mb = (x) => (x / (1024 * 1024)).toFixed(2);
  const ofQuota = limited / QUOTA;
  console.log(`| producer (kafkajs, 1000-byte records, acks=1) | MB/s over ${SECONDS} s |`);
  console.log('|---|---:|');
  console.log(`| unlimited | ${mb(unlimited)} |`);
  console.log(`| producer_byte_rate=1048576 | ${mb(limited)} |`);
  console.log('');
  console.log(`limited / quota: ${ofQuota.toFixed(3)} (${Math.abs(ofQuota - 1) <= 0.1 ? 'within' : 'NOT within'} 10%); limited / unlimited: ${(limited / unlimited).toFixed(3)}`);
} finally {
  broker.kill('SIGTERM');
}
