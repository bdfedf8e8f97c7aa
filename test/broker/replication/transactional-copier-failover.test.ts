import { Partitioners, type Admin, type Consumer, type Kafka, type KafkaMessage, type Producer, type Transaction } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, kcatReadAll, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// An exactly-once copier (a read_committed kafkajs consumer, and per chunk of records a
// kafkajs transaction that sends the copies and the consumed offsets with sendOffsets) copies
// keyed records from an input topic to an output topic, both RF 3 with min.insync.replicas=2,
// while the test kills the broker coordinating the copier's transactional id and, later, the
// leader of an output partition, restarting each after a while. Whatever fails mid-transaction,
// the copier does what a real application does: it drops its producer, creates a new one
// (whose InitProducerId completes or aborts what the old one left) and retries the chunk
// unless the committed offsets show it went through. Read with read_committed, the output
// holds every input record exactly once.
//
// The group's coordinator is kept alive on purpose (its broker is never killed): a kafkajs
// consumer group riding out the death of its group coordinator is covered elsewhere.

const TOTAL = 2000;
const CHUNK = 25;
const INPUT = 'copier-in';
const OUTPUT = 'copier-out';
const INTERNAL_TOPICS = ['__transaction_state', '__consumer_offsets'];

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The committed offset of every partition of the input (-1: none yet). */
async function committedOffsets(admin: Admin, groupId: string): Promise<Map<number, number>> {
  const [topic] = await admin.fetchOffsets({ groupId, topics: [INPUT] });
  return new Map(topic!.partitions.map((p) => [p.partition, Number(p.offset)]));
}

/** Where the test injects its failures: inside a transaction (before its commit) and between transactions. */
interface CopierHooks {
  /** The chunk's copies and offsets are in the open transaction; `copied` counts the chunk. */
  beforeCommit(copied: number): Promise<void>;
  afterCommit(copied: number): Promise<void>;
}

/**
 * The copier. Each chunk of a batch is one transaction: the copies, then the offset after the
 * chunk for the group, then commit. A failed attempt leaves the outcome unknown (the commit may
 * have gone through before the connection broke), so the copier replaces its producer, whose
 * InitProducerId returns only once the coordinator has completed or aborted the old
 * transaction, and reads the committed offset to decide whether to copy the chunk again.
 */
class Copier {
  copied = 0;
  failedAttempts = 0;
  /** Chunks whose failed attempt turned out to have committed: not copied again. */
  foundCommitted = 0;
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;

  constructor(
    private readonly client: Kafka,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly transactionalId: string,
    private readonly hooks: CopierHooks,
  ) {}

  async start(): Promise<void> {
    const consumer = this.client.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: 60_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 16 * 1024,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: INPUT, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (let i = 0; i < batch.messages.length; i += CHUNK) {
          if (!isRunning() || isStale()) return;
          const chunk = batch.messages.slice(i, i + CHUNK);
          const last = chunk[chunk.length - 1]!.offset;
          await this.copyChunk(batch.partition, chunk, Number(last) + 1, heartbeat);
          resolveOffset(last);
          this.copied += chunk.length;
          await this.hooks.afterCommit(this.copied);
          await heartbeat().catch(() => undefined);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.dropProducer();
  }

  private async copyChunk(partition: number, chunk: readonly KafkaMessage[], next: number, heartbeat: () => Promise<void>): Promise<void> {
    let inDoubt = false;
    for (;;) {
      let txn: Transaction | null = null;
      try {
        txn = await this.beginTransaction();
        if (inDoubt) {
          // The new producer's InitProducerId has settled the previous attempt.
          const committed = (await committedOffsets(this.admin, this.groupId)).get(partition) ?? -1;
          if (committed >= next) {
            this.foundCommitted++;
            await txn.abort();
            return;
          }
        }
        await txn.send({ topic: OUTPUT, acks: -1, messages: chunk.map((m) => ({ key: m.key, value: m.value })) });
        await txn.sendOffsets({ consumerGroupId: this.groupId, topics: [{ topic: INPUT, partitions: [{ partition, offset: String(next) }] }] });
        await this.hooks.beforeCommit(this.copied + chunk.length);
        await txn.commit();
        return;
      } catch {
        this.failedAttempts++;
        inDoubt = true;
        if (txn?.isActive()) await txn.abort().catch(() => undefined);
        await this.dropProducer();
        await heartbeat().catch(() => undefined);
        await sleep(200);
      }
    }
  }

  private async beginTransaction(): Promise<Transaction> {
    if (!this.producer) {
      const producer = this.client.producer({
        transactionalId: this.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      this.producer = producer;
      await producer.connect();
    }
    return this.producer.transaction();
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }
}

/** Every partition of the topics has its three replicas in the ISR again. */
function fullIsr(kafka: EmbeddedKafka): boolean {
  return [INPUT, OUTPUT, ...INTERNAL_TOPICS].every((topic) => kafka.controller!.metadata.topic(topic)!.partitions.every((p) => p.isr.length === 3 && p.leaderId >= 0));
}

it('copies every input record exactly once while the transaction coordinator and an output leader are killed and restarted', { timeout: 300_000 }, async () => {
  const kafka = await startCluster({ 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 });
  const client = clusterClient(kafka, 'copier');
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  const topicConfig = [{ name: 'min.insync.replicas', value: '2' }];
  await admin.createTopics({ topics: [INPUT, OUTPUT].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 3, configEntries: topicConfig })), waitForLeaders: true });
  // Both internal topics exist (RF 3) before any broker dies: a FindCoordinator of each kind creates them.
  await admin.fetchOffsets({ groupId: 'warm-up', topics: [INPUT] });
  const raw = await KafkaConnection.connect({ host: kafka.broker().instance.host, port: kafka.broker().port });
  cleanup.add(() => raw.close());
  expect((await raw.request(ApiKeys.FindCoordinator, 3, { key: 'warm-up', keyType: 1 })).errorCode).toBe(ErrorCode.NONE);

  // Pick a group and a transactional id coordinated by different brokers: the transaction
  // coordinator's broker dies, the group coordinator's never does.
  const broker0 = kafka.broker().instance;
  const groupId = 'copier-group';
  const groupCoordinator = assignment(kafka, '__consumer_offsets', broker0.groupCoordinator.groupManager.partitionFor(groupId)).leaderId;
  const transactionalId = Array.from({ length: 50 }, (_, i) => `copier-tx-${i}`).find(
    (id) => assignment(kafka, '__transaction_state', broker0.transactionCoordinator.stateManager.partitionFor(id)).leaderId !== groupCoordinator,
  )!;
  const txnStatePartition = broker0.transactionCoordinator.stateManager.partitionFor(transactionalId);
  const { leaderId: txnCoordinator, leaderEpoch: firstCoordinatorEpoch } = assignment(kafka, '__transaction_state', txnStatePartition);
  const third = kafka.nodeIds.find((id) => id !== groupCoordinator && id !== txnCoordinator)!;
  expect(new Set([groupCoordinator, txnCoordinator, third]).size).toBe(3);

  const input = client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await input.connect();
  cleanup.add(() => input.disconnect());
  const values = Array.from({ length: TOTAL }, (_, i) => `record-${i}`);
  for (let start = 0; start < TOTAL; start += 200) {
    await input.send({ topic: INPUT, acks: -1, messages: values.slice(start, start + 200).map((value, i) => ({ key: `key-${(start + i) % 97}`, value })) });
  }
  const inputEnds = new Map((await admin.fetchTopicOffsets(INPUT)).map((p) => [p.partition, Number(p.high)]));
  expect([...inputEnds.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);

  // The failures land inside transactions. First the coordinator's broker dies after it took
  // an EndTxn (commit) but before its response left (held back by fault injection): the
  // copier cannot know whether that commit happened. Later the leader of an output partition
  // dies between a transaction's writes and its commit. The copier waits for each restart
  // between transactions (so that the second kill finds a full ISR).
  let coordinatorKilled: Promise<void> | null = null;
  let outputLeaderKilled = false;
  let outputVictim = -1;
  const describe = () => kafka.broker(txnCoordinator).instance.transactionCoordinator.describeTransactions([transactionalId])[0]!;
  const hooks: CopierHooks = {
    async beforeCommit(copied) {
      if (copied >= 400 && !coordinatorKilled) {
        expect(describe().state).toBe('Ongoing');
        kafka.faults.delayResponses({ broker: txnCoordinator, apiKey: ApiKeys.EndTxn, ms: 60_000 });
        coordinatorKilled = (async () => {
          await waitFor(() => describe().state !== 'Ongoing', { what: 'the EndTxn taken by the coordinator' });
          await kafka.broker(txnCoordinator).kill();
          kafka.faults.heal();
        })();
      } else if (copied >= 1200 && !outputLeaderKilled) {
        outputLeaderKilled = true;
        outputVictim = [0, 1, 2].map((p) => assignment(kafka, OUTPUT, p).leaderId).find((leader) => leader !== groupCoordinator) ?? -1;
        expect(outputVictim).toBeGreaterThanOrEqual(0);
        await kafka.broker(outputVictim).kill();
      }
    },
    async afterCommit(copied) {
      if (copied >= 1000 && coordinatorKilled && !kafka.broker(txnCoordinator).isRunning) {
        await coordinatorKilled;
        await kafka.broker(txnCoordinator).restart();
        await waitFor(() => fullIsr(kafka), { timeoutMs: 60_000, what: `broker ${txnCoordinator} back in every ISR` });
      }
      if (copied >= 1600 && outputVictim >= 0 && !kafka.broker(outputVictim).isRunning) await kafka.broker(outputVictim).restart();
    },
  };
  const copier = new Copier(client, admin, groupId, transactionalId, hooks);
  cleanup.add(() => copier.stop());
  await copier.start();

  await waitFor(async () => {
    const committed = await committedOffsets(admin, groupId);
    return [...inputEnds].every(([partition, end]) => committed.get(partition) === end);
  }, { timeoutMs: 240_000, intervalMs: 500, what: `every input offset committed (copied ${copier.copied}, ${copier.failedAttempts} failed attempts)` });
  await copier.stop();

  // Both failures happened, and the coordinator moved.
  expect(coordinatorKilled !== null && outputLeaderKilled).toBe(true);
  expect(assignment(kafka, '__transaction_state', txnStatePartition).leaderEpoch).toBeGreaterThan(firstCoordinatorEpoch);
  // The commit whose answer was lost made the copier replace its producer; the new coordinator
  // had completed that commit, so the copier did not copy the chunk again.
  expect(copier.failedAttempts).toBeGreaterThanOrEqual(1);
  expect(copier.foundCommitted).toBeGreaterThanOrEqual(1);
  for (const id of kafka.nodeIds) if (!kafka.broker(id).isRunning) await kafka.broker(id).restart();
  await waitFor(() => kafka.nodeIds.every((id) => kafka.broker(id).isRunning) && fullIsr(kafka), { timeoutMs: 60_000, what: 'all brokers back in every ISR' });
  // The last transaction's markers are written: nothing open is left in the output.
  await waitFor(() => [0, 1, 2].every((p) => {
    const leader = kafka.broker(assignment(kafka, OUTPUT, p).leaderId).instance.replicaManager.partition(OUTPUT, p)!;
    return leader.lastStableOffset === leader.highWatermark;
  }), { timeoutMs: 60_000, what: 'no open transaction in the output' });

  // librdkafka reads with read_committed by default.
  const copied = await kcatReadAll(kafka.bootstrapServers.join(','), OUTPUT, '%s\\n');
  const seen = new Map<string, number>();
  for (const value of copied) seen.set(value, (seen.get(value) ?? 0) + 1);
  const duplicates = [...seen].filter(([, count]) => count > 1).map(([value]) => value);
  const missing = values.filter((v) => !seen.has(v));
  const unexpected = [...seen.keys()].filter((v) => !values.includes(v));
  expect({ duplicates, missing, unexpected }).toEqual({ duplicates: [], missing: [], unexpected: [] });
  expect(copied).toHaveLength(TOTAL);
});
