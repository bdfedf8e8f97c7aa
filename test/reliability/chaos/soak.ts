/**
 * The chaos soak: a three-broker embedded cluster (RF 3, min.insync.replicas=2) under the
 * nemesis (nemesis.ts) while kafkajs, librdkafka and the framework write and read, then the
 * Jepsen-style checker (checker.ts) over everything that happened.
 *
 * Workloads, all at once:
 * - kafkajs: an idempotent producer sending one record to each partition per send();
 *   a live read_committed group consumer of every topic.
 * - librdkafka (confluent_kafka in a child process): an idempotent producer, a transactional
 *   producer aborting every fourth transaction on purpose, a live read_committed reader.
 * - the framework: a KafkaTemplate writing to an input topic, and a transactional @KafkaListener
 *   copying it to an output topic (framework-workload.ts).
 * After the run: faults undone, producers stopped, the copier caught up, every transaction
 * completed; then two final read_committed readers (librdkafka and kafkajs) read everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { check, countByCategory, type Category, type CheckReport } from './checker.js';
import { COPIER_GROUP, CopierProbe, FRAMEWORK_INPUT, FRAMEWORK_OUTPUT, FrameworkProducerWorkload, startCopier } from './framework-workload.js';
import { emptyHistory, type History } from './history.js';
import { chaosClient, KafkajsLiveReader, KafkajsProducerWorkload, kafkajsFinalRead } from './kafkajs-workloads.js';
import { LibrdkafkaProcess } from './librdkafka-process.js';
import { fullIsr, LeaderSampler, Nemesis, type NemesisEvent } from './nemesis.js';
import { seededRandom } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

export const KAFKAJS_TOPIC = 'chaos-kafkajs';
export const LIBRDKAFKA_TOPIC = 'chaos-librdkafka';
export const LIBRDKAFKA_TXN_TOPIC = 'chaos-librdkafka-txn';
const DATA_TOPICS = [KAFKAJS_TOPIC, LIBRDKAFKA_TOPIC, LIBRDKAFKA_TXN_TOPIC, FRAMEWORK_INPUT, FRAMEWORK_OUTPUT];
const PARTITIONS = 4;
const LEADER_SAMPLE_MS = 25;

export interface ChaosSoakOptions {
  durationMs: number;
  seed: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** The nemesis' pace (default: a fault every 2-5 s, lasting 1.5-4 s). */
  nemesis?: { minPauseMs: number; maxPauseMs: number; minDownMs: number; maxDownMs: number };
}

export interface ChaosSoakResult {
  seed: number;
  /** How long the nemesis ran, and the whole soak, in ms. */
  chaosMs: number;
  totalMs: number;
  report: CheckReport;
  anomalies: Record<Category, number>;
  nemesis: NemesisEvent[];
  kills: number;
  isolations: number;
  leaderChanges: number;
  /** Partitions the librdkafka final reader gave up on short of the high watermark (`topic partition position hw`). */
  shortfalls: string[];
  history: History;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** waitFor, with the soak's state in the timeout message. */
async function waitUntil(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string, state: () => string = () => ''): Promise<void> {
  try {
    await waitFor(probe, { timeoutMs, intervalMs: 250, what });
  } catch (error) {
    throw new Error(`chaos soak: ${(error as Error).message}\n${state()}`, { cause: error });
  }
}

export async function runChaosSoak(options: ChaosSoakOptions): Promise<ChaosSoakResult> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const history = emptyHistory(LEADER_SAMPLE_MS);
  const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-chaos-'));
  const kafka = await EmbeddedKafka.start({
    brokers: 3,
    dataDir,
    // A broker session of 3 s (tests default to 1.5 s) keeps a loaded machine from fencing brokers the nemesis left alone.
    config: { 'broker.session.timeout.ms': 3_000, 'default.replication.factor': 3, 'min.insync.replicas': 2, 'offsets.topic.num.partitions': 4, 'transaction.state.log.num.partitions': 4 },
    logger: consoleLogger((process.env.STREAMWRIGHT_TEST_LOG as 'debug' | undefined) ?? 'silent', 'chaos'),
  });
  const bootstrap = kafka.bootstrapServers.join(',');
  const cleanups: Array<() => unknown> = [];
  try {
    const client = chaosClient(kafka.bootstrapServers, 'chaos');
    const admin = client.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({
      topics: DATA_TOPICS.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] })),
      waitForLeaders: false,
    });
    await waitUntil(() => DATA_TOPICS.every((topic) => kafka.controller!.metadata.topic(topic)) && fullIsr(kafka), 60_000, 'the topics, fully replicated', () => clusterState(kafka));
    // Both internal topics exist with RF 3 before any broker dies (created later, they would get
    // only the live brokers as replicas).
    await admin.fetchOffsets({ groupId: 'warm-up', topics: [KAFKAJS_TOPIC] });
    const warmUp = client.producer({ transactionalId: 'chaos-warm-up', idempotent: true, maxInFlightRequests: 1 });
    await warmUp.connect();
    await warmUp.disconnect();
    history.copiers.push({ client: 'framework', name: 'framework transactional copier', input: FRAMEWORK_INPUT, output: FRAMEWORK_OUTPUT });

    const sampler = new LeaderSampler(kafka, DATA_TOPICS, history.leaderChanges, LEADER_SAMPLE_MS);
    sampler.start();
    cleanups.push(() => sampler.stop());

    // Readers first, so that they read while the writes happen.
    const kafkajsLive = new KafkajsLiveReader(chaosClient(kafka.bootstrapServers, 'chaos-live'), 'kafkajs-live-reader', DATA_TOPICS, history);
    await kafkajsLive.start();
    cleanups.push(() => kafkajsLive.stop());
    const rdkLive = new LibrdkafkaProcess('librdkafka-live-reader', bootstrap, { mode: 'read', topics: DATA_TOPICS }, history);
    cleanups.push(() => rdkLive.kill());
    const copier = await startCopier(kafka.bootstrapServers, history);
    cleanups.push(() => copier.stop());

    const kafkajsProducer = new KafkajsProducerWorkload(chaosClient(kafka.bootstrapServers, 'chaos-kafkajs'), 'kafkajs-1', KAFKAJS_TOPIC, PARTITIONS, history, 20);
    const rdkProducer = new LibrdkafkaProcess('librdkafka-idempotent', bootstrap, { mode: 'produce', topic: LIBRDKAFKA_TOPIC, partitions: PARTITIONS, prefix: 'rdk', perSecond: 80 }, history);
    const rdkTxn = new LibrdkafkaProcess('librdkafka-transactional', bootstrap, { mode: 'txn', topic: LIBRDKAFKA_TXN_TOPIC, partitions: PARTITIONS, prefix: 'rdktx', perSecond: 50, transactionalId: 'chaos-rdk-tx' }, history);
    cleanups.push(() => rdkProducer.kill(), () => rdkTxn.kill());
    const frameworkProducer = new FrameworkProducerWorkload(kafka.bootstrapServers, PARTITIONS, history, 40);
    kafkajsProducer.start();
    frameworkProducer.start();

    const nemesis = new Nemesis(kafka, seededRandom(options.seed), options.nemesis ?? { minPauseMs: 2_000, maxPauseMs: 5_000, minDownMs: 1_500, maxDownMs: 4_000 });
    const chaosStarted = Date.now();
    nemesis.start();
    cleanups.push(() => nemesis.stop());
    const progress = setInterval(() => {
      const acked = history.writes.filter((w) => w.outcome === 'ok').length;
      const last = nemesis.events.at(-1);
      log(`[${Math.round((Date.now() - started) / 1000)} s] last fault: ${last ? `${last.action} ${last.broker}` : 'none'}; ${acked} acknowledged writes, ${history.reads.length} reads, ${nemesis.kills} kills, ${nemesis.isolations} isolations, ${history.leaderChanges.length} leader changes, copier attempts ${copier.get(CopierProbe).attempts}`);
    }, 10_000);
    cleanups.push(() => clearInterval(progress));
    await sleep(options.durationMs);

    log('stopping the nemesis');
    await nemesis.stop();
    const chaosMs = Date.now() - chaosStarted;
    for (const id of kafka.nodeIds) if (!kafka.broker(id).isRunning) await kafka.broker(id).restart();
    kafka.faults.heal();
    await waitUntil(() => fullIsr(kafka), 120_000, 'every replica back in its ISR', () => clusterState(kafka));

    log('stopping the producers');
    await kafkajsProducer.stop();
    await frameworkProducer.stop();
    await Promise.all([rdkProducer.finish(), rdkTxn.finish()]);

    log('waiting for the copier to catch up');
    const inputEnds = new Map((await admin.fetchTopicOffsets(FRAMEWORK_INPUT)).map((p) => [p.partition, Number(p.high)]));
    await waitUntil(async () => {
      const [committed] = await admin.fetchOffsets({ groupId: COPIER_GROUP, topics: [FRAMEWORK_INPUT] });
      return committed!.partitions.every((p) => Number(p.offset) === inputEnds.get(p.partition));
    }, 300_000, 'the copier to commit the whole input');
    await copier.stop();
    await waitUntil(() => noOpenTransactions(kafka), 120_000, 'every transaction completed');
    clearInterval(progress);

    log('reading everything back');
    await rdkLive.finish();
    await kafkajsLive.stop();
    const rdkFinal = new LibrdkafkaProcess('librdkafka-final-reader', bootstrap, { mode: 'read', topics: DATA_TOPICS }, history);
    cleanups.push(() => rdkFinal.kill());
    await rdkFinal.finish();
    history.finalReaders.push('librdkafka-final-reader');
    if (rdkFinal.shortfalls.length > 0) log(`librdkafka final reader stopped short: ${rdkFinal.shortfalls.join('; ')}\n${rdkFinal.log.slice(-20).join('\n')}`);
    const targets = new Map<string, number>();
    for (const topic of DATA_TOPICS) for (let p = 0; p < PARTITIONS; p++) targets.set(`${topic}:${p}`, -1);
    for (const read of history.reads) {
      if (read.reader !== 'librdkafka-final-reader') continue;
      const where = `${read.topic}:${read.partition}`;
      targets.set(where, Math.max(targets.get(where)!, read.offset));
    }
    await kafkajsFinalRead(chaosClient(kafka.bootstrapServers, 'chaos-final'), 'kafkajs-final-reader', targets, history);
    sampler.stop();

    const report = check(history);
    return {
      seed: options.seed,
      chaosMs,
      totalMs: Date.now() - started,
      report,
      anomalies: countByCategory(report),
      nemesis: nemesis.events,
      kills: nemesis.kills,
      isolations: nemesis.isolations,
      leaderChanges: history.leaderChanges.length,
      shortfalls: rdkFinal.shortfalls,
      history,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the soak's outcome is already decided.
      }
    }
    await kafka.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Brokers and partitions not fully replicated, for a failure message. */
export function clusterState(kafka: EmbeddedKafka): string {
  const lines = [`running: ${kafka.nodeIds.filter((id) => kafka.broker(id).isRunning).join(',')}`];
  for (const topic of kafka.controller!.metadata.topics) {
    topic.partitions.forEach((p, partition) => {
      if (p.leaderId >= 0 && p.isr.length === p.replicas.length) return;
      const ends = p.replicas.map((id) => `${id}:${kafka.broker(id).isRunning ? kafka.broker(id).instance.replicaManager.partition(topic.name, partition)?.logEndOffset : 'down'}`);
      lines.push(`${topic.name}-${partition} leader ${p.leaderId} epoch ${p.leaderEpoch} isr [${p.isr.join(',')}] replicas [${p.replicas.join(',')}] log ends ${ends.join(' ')}`);
    });
  }
  return lines.join('\n');
}

/** Every data partition's leader has its last stable offset at its high watermark. */
function noOpenTransactions(kafka: EmbeddedKafka): boolean {
  return DATA_TOPICS.every((topic) =>
    kafka.controller!.metadata.topic(topic)!.partitions.every((assignment, partition) => {
      const leader = kafka.broker(assignment.leaderId).instance.replicaManager.partition(topic, partition)!;
      return leader.lastStableOffset === leader.highWatermark;
    }),
  );
}
