/**
 * The crash soak: one CLI broker (`streamwright broker`, a child process) on one data dir,
 * under acks=all load from kafkajs and librdkafka, killed with SIGKILL at seeded random
 * moments and restarted on the same data dir and port while the clients keep going. After each
 * round the round's topic is read back from offset 0 and checked ({@link checkLog}), and so are
 * the group offsets the broker acknowledged; at the end every round's topic is checked again,
 * after all the later crashes.
 */
import type { Kafka } from 'kafkajs';
import { kafkajsClient, kcatReadAll, seededRandom, spawnBroker, type BrokerProcess } from '../../support/broker-harness.js';
import { checkCommittedOffsets, checkLog, type Anomaly } from './checker.js';
import { startCommittingConsumer, startKafkajsProduceLoad } from './kafkajs-load.js';
import { killLibrdkafkaProducers, startLibrdkafkaLoad } from './librdkafka-producer.js';
import type { AckedRecord, StoredRecord } from './records.js';

export interface CrashSoakOptions {
  readonly rounds: number;
  readonly seed: number;
  readonly partitions: number;
  /** The broker's data dir (the caller owns it). */
  readonly dataDir: string;
  /** librdkafka records per second. */
  readonly librdkafkaRate?: number;
  /** Concurrent kafkajs producers and records per send. */
  readonly kafkajsLanes?: number;
  readonly kafkajsBatch?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface RoundAnomaly extends Anomaly {
  /** The round whose topic it was found in; `final` marks the re-check after the last round. */
  readonly round: number;
  readonly final: boolean;
}

export interface CrashSoakReport {
  readonly rounds: number;
  readonly kills: number;
  /** Acknowledged records looked for after their round, by client. */
  readonly ackedKafkajs: number;
  readonly ackedLibrdkafka: number;
  /** Records read back and checked after their round. */
  readonly storedRecords: number;
  /** Acknowledged group commits (one per partition and round, the highest) checked after restarts. */
  readonly committedOffsetsChecked: number;
  /** The final re-read of every round's topic. */
  readonly finalStoredRecords: number;
  readonly anomalies: RoundAnomaly[];
  /** Not anomalies (such records are simply not acknowledged), but a sign of trouble in numbers. */
  readonly kafkajsFailedSends: number;
  readonly librdkafkaErrors: ReadonlyMap<string, number>;
  /** The broker's last stderr lines (for a report with anomalies). */
  readonly brokerStderr: string;
}

interface RoundRecord {
  readonly topic: string;
  readonly acked: AckedRecord[];
}

const BROKER_CONFIG = {
  // A consumer group rejoining after each restart should not wait Kafka's 3 s for more members.
  'group.initial.rebalance.delay.ms': 0,
  // Small segments: every round rolls some, so recovery crosses segment boundaries.
  'log.segment.bytes': 65_536,
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise`, or rejects after `ms` saying what hung. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every record of `topic`, read from offset 0 with kcat, and the broker's offsets per partition. */
async function readTopic(kafka: Kafka, bootstrap: string, topic: string): Promise<{ stored: StoredRecord[]; offsets: Map<number, { low: number; high: number }> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
    const lines = await kcatReadAll(bootstrap, topic, '%p %o %s\\n');
    const stored = lines.map((line) => {
      const [partition, offset, ...value] = line.split(' ');
      return { partition: Number(partition), offset: Number(offset), value: value.join(' ') };
    });
    return { stored, offsets };
  } finally {
    await admin.disconnect();
  }
}

async function fetchCommitted(kafka: Kafka, group: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export async function runCrashSoak(options: CrashSoakOptions): Promise<CrashSoakReport> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const between = (min: number, max: number) => Math.floor(min + random() * (max - min));
  const { partitions } = options;
  const anomalies: RoundAnomaly[] = [];
  const rounds: RoundRecord[] = [];
  let kills = 0;
  let ackedKafkajs = 0;
  let ackedLibrdkafka = 0;
  let storedRecords = 0;
  let committedOffsetsChecked = 0;
  let kafkajsFailedSends = 0;
  const librdkafkaErrors = new Map<string, number>();

  let broker: BrokerProcess = await spawnBroker(options.dataDir, BROKER_CONFIG);
  const port = broker.port;
  const bootstrap = `127.0.0.1:${port}`;
  const killAndRestart = async (downtimeMs: number) => {
    await broker.kill('SIGKILL');
    kills++;
    await pause(downtimeMs);
    broker = await spawnBroker(options.dataDir, BROKER_CONFIG, 60_000, port);
  };

  try {
    for (let round = 0; round < options.rounds; round++) {
      const topic = `crash-soak-r${round}`;
      const group = `crash-soak-g${round}`;
      const kafka = kafkajsClient(bootstrap, `crash-soak-${round}`);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      await admin.disconnect();

      const consumer = await startCommittingConsumer(kafka, topic, group);
      const kafkajsLoad = startKafkajsProduceLoad(kafka, topic, partitions, `kj${round}`, options.kafkajsLanes ?? 2, options.kafkajsBatch ?? 20);
      const librdkafkaLoad = startLibrdkafkaLoad(bootstrap, topic, partitions, `rk${round}`, options.librdkafkaRate ?? 1500);

      // One kill at a random moment of the load; sometimes a second one soon after the restart,
      // while the broker and the clients are still recovering.
      const killCount = random() < 0.3 ? 2 : 1;
      const ackedAtKills: string[] = [];
      for (let k = 0; k < killCount; k++) {
        await pause(k === 0 ? between(500, 3000) : between(0, 800));
        ackedAtKills.push(`${kafkajsLoad.acked.length}+${librdkafkaLoad.acked.length}`);
        await killAndRestart(between(0, 300));
      }
      await pause(between(500, 1500)); // the clients get going again
      await within(120_000, 'the kafkajs producers', kafkajsLoad.stop());
      await within(150_000, 'the librdkafka producer', librdkafkaLoad.stop());
      await within(30_000, 'the consumer', consumer.stop());

      const { stored, offsets } = await readTopic(kafka, bootstrap, topic);
      const acked = [...kafkajsLoad.acked, ...librdkafkaLoad.acked];
      const result = checkLog({ topic, partitions, stored, offsets, acked });
      const committed = await fetchCommitted(kafka, group, topic);
      const commitAnomalies = checkCommittedOffsets(group, topic, consumer.committed, committed);
      const rewinds: Anomaly[] = consumer.rewinds.map((r) => ({
        kind: 'lost committed offset',
        detail: `group ${group} ${topic}-${r.partition}: after a commit of ${r.committed} was acknowledged, the group consumed from ${r.offset} again`,
      }));
      const found = [...result.anomalies, ...commitAnomalies, ...rewinds];
      anomalies.push(...found.map((a) => ({ ...a, round, final: false })));
      rounds.push({ topic, acked });
      ackedKafkajs += kafkajsLoad.acked.length;
      ackedLibrdkafka += librdkafkaLoad.acked.length;
      storedRecords += result.storedRecords;
      committedOffsetsChecked += consumer.committed.size;
      kafkajsFailedSends += kafkajsLoad.failedSends;
      for (const [error, count] of librdkafkaLoad.errors) librdkafkaErrors.set(error, (librdkafkaErrors.get(error) ?? 0) + count);
      log(
        `round ${round}: killed at ${ackedAtKills.join(', ')} acknowledged (kafkajs+librdkafka); acknowledged ${kafkajsLoad.acked.length} kafkajs (${kafkajsLoad.producersUsed} producers, ${kafkajsLoad.failedSends} failed sends) + ` +
          `${librdkafkaLoad.acked.length} librdkafka (${librdkafkaLoad.failed.length} failed), ${result.storedRecords} stored (${result.storedRecords - acked.length} never acknowledged), ` +
          `${consumer.consumed()} consumed, ${consumer.committed.size} committed offsets checked, ${found.length} anomalies`,
      );
      for (const [error, count] of librdkafkaLoad.errors) log(`  librdkafka delivery error x${count}: ${error}`);
    }

    // After the last crash, every round's topic again: nothing acknowledged earlier was lost later.
    let finalStoredRecords = 0;
    const kafka = kafkajsClient(bootstrap, 'crash-soak-final');
    for (const [round, { topic, acked }] of rounds.entries()) {
      const { stored, offsets } = await readTopic(kafka, bootstrap, topic);
      const result = checkLog({ topic, partitions, stored, offsets, acked });
      finalStoredRecords += result.storedRecords;
      anomalies.push(...result.anomalies.map((a) => ({ ...a, round, final: true })));
    }
    return { rounds: rounds.length, kills, ackedKafkajs, ackedLibrdkafka, storedRecords, committedOffsetsChecked, finalStoredRecords, anomalies, kafkajsFailedSends, librdkafkaErrors, brokerStderr: broker.stderr().slice(-4000) };
  } finally {
    killLibrdkafkaProducers();
    await broker.kill('SIGKILL');
  }
}
