// Start-up to the first acknowledged produce, as one process: starts EmbeddedKafka, creates a
// topic with replication factor N through the kafkajs admin, produces one record at acks=-1
// with a kafkajs producer, stops the broker(s) and exits. Timed from outside as a whole process
// by replication.mjs (or any process timer); it prints its own in-process figures as one JSON
// line on stdout.
//
//   npm run build && node bench/broker/startup.mjs --brokers 3
//
// --brokers 1 is the plain single broker of EmbeddedKafka.start() (what tests get by default);
// --brokers N (N > 1) is EmbeddedKafka.start({ brokers: N }), the replicated cluster. The data
// lives in a temp dir that stop() removes.
//
// Printed (milliseconds): importMs, the process's age when EmbeddedKafka.start() is called
// (Node start-up and module loading); startMs, start() itself (listeners bound, brokers
// registered); topicMs, the admin's connect and CreateTopics; ackMs, from the start() call to
// the produce acknowledgement (connects of the admin and producer included); stopMs, stop().
// CreateTopics goes without kafkajs's waitForLeaders, whose polling starts with a fixed 100 ms
// sleep: the embedded controller elects the leaders as it creates the topic (a producer that met
// LEADER_NOT_AVAILABLE would retry after 300 ms and show in ackMs).
import kafkajs from 'kafkajs';
import { EmbeddedKafka } from '../../dist/broker/index.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const at = process.argv.indexOf('--brokers');
const brokers = at === -1 ? 1 : Number(process.argv[at + 1]);
if (!Number.isInteger(brokers) || brokers < 1) {
  console.error('usage: node bench/broker/startup.mjs --brokers N');
  process.exit(2);
}

const t0 = performance.now(); // performance.now() counts from the process's start
const kafka = await EmbeddedKafka.start(brokers === 1 ? {} : { brokers });
const started = performance.now();
let created, acked, stopping;
try {
  const client = new Kafka({ clientId: 'startup-bench', brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING });
  const admin = client.admin();
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'startup', numPartitions: 1, replicationFactor: brokers }], waitForLeaders: false });
  created = performance.now();
  await producer.connect();
  const [result] = await producer.send({ topic: 'startup', acks: -1, messages: [{ value: 'first' }] });
  acked = performance.now();
  if (result.errorCode !== 0 || result.baseOffset !== '0') throw new Error(`unexpected produce result ${JSON.stringify(result)}`);
  await Promise.all([producer.disconnect(), admin.disconnect()]);
} finally {
  stopping = performance.now();
  await kafka.stop();
}
const stopped = performance.now();
const ms = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ brokers, importMs: ms(t0), startMs: ms(started - t0), topicMs: ms(created - started), ackMs: ms(acked - t0), stopMs: ms(stopped - stopping) }));
