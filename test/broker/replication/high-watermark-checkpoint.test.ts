import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import type { Partition } from '../../../src/broker/cluster/partition.js';
import { Cleanup, kafkajsClient, kcatReadAll, removeTempDirs, startKafka, stopKafka, stopKafkas, tempDir } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';
import { assignment, clusterClient } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// Kafka's replication-offset-checkpoint: each broker writes the high watermark of its
// partitions to `<log dir>/replication-offset-checkpoint` every
// replica.high.watermark.checkpoint.interval.ms and at clean shutdown, and a restarted broker
// starts each partition there (capped by its log end) instead of at its log end. So records a
// leader accepted with acks=1 but its followers never fetched stay invisible to consumers
// after a restart until the ISR has them, and a restarted follower does not claim more is
// committed than its leader says.

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  killChildren();
});
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

/** Keeps isolated followers in the ISR: neither fenced by the controller nor shrunk by the leader within a test. */
const SLOW_FAILURE_DETECTION = { 'broker.session.timeout.ms': 120_000, 'replica.lag.time.max.ms': 120_000 };

function partitionOn(kafka: EmbeddedKafka, nodeId: number, topic: string): Partition {
  const partition = kafka.broker(nodeId).instance.replicaManager.partition(topic, 0);
  if (!partition) throw new Error(`broker ${nodeId} does not host ${topic}-0`);
  return partition;
}

function checkpointFile(kafka: EmbeddedKafka, nodeId: number): string {
  return join(kafka.dataDir, `broker-${nodeId}`, 'replication-offset-checkpoint');
}

/** The checkpoint's entries after checking its frame (version 0, then the entry count). */
function checkpointEntries(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines[0]).toBe('0');
  expect(Number(lines[1])).toBe(lines.length - 2);
  return lines.slice(2);
}

async function createTopic(kafka: EmbeddedKafka, topic: string): Promise<void> {
  const admin = clusterClient(kafka, `${topic}-admin`).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [0, 1, 2] }], configEntries: [{ name: 'min.insync.replicas', value: '1' }] }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function connectedProducer(kafka: EmbeddedKafka, clientId: string): Promise<Producer> {
  const producer = clusterClient(kafka, clientId).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  return producer;
}

const values = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ value: `${prefix}-${i}` }));

describe('high watermark checkpoint', () => {
  it('brings a follower back at its checkpointed high watermark, not at its log end', { timeout: 120_000 }, async () => {
    const kafka = await startKafka({ brokers: 3, dataDir: tempDir('streamwright-hw-follower-'), config: SLOW_FAILURE_DETECTION });
    const topic = 'hw-follower';
    await createTopic(kafka, topic);
    expect(assignment(kafka, topic).leaderId).toBe(0);
    const producer = await connectedProducer(kafka, 'hw-follower-producer');
    await producer.send({ topic, acks: -1, messages: values('committed', 5) });
    await waitFor(() => [1, 2].every((id) => partitionOn(kafka, id, topic).highWatermark === 5), { what: 'the followers learning the high watermark' });

    // Broker 2 stops fetching: the leader's high watermark stays where broker 2 is, while
    // broker 1 copies the acks=1 records. Broker 1 ends with HW 5 and LEO 8.
    kafka.faults.isolate(2, { clients: false });
    await producer.send({ topic, acks: 1, messages: values('uncommitted', 3) });
    const leader = partitionOn(kafka, 0, topic);
    await waitFor(() => leader.followerLogEndOffset(1) === 8, { what: 'broker 1 fetching the acks=1 records' });
    expect([leader.highWatermark, leader.logEndOffset]).toEqual([5, 8]);
    expect([partitionOn(kafka, 1, topic).highWatermark, partitionOn(kafka, 1, topic).logEndOffset]).toEqual([5, 8]);

    // A clean stop writes the checkpoint; the restarted follower starts from it.
    await kafka.broker(1).stop();
    expect(checkpointEntries(checkpointFile(kafka, 1))).toContain(`${topic} 0 5`);
    await kafka.broker(1).restart();
    const restarted = partitionOn(kafka, 1, topic);
    expect([restarted.highWatermark, restarted.logEndOffset]).toEqual([5, 8]);
    // It fetches again (the leader sees it at 8) and still takes the leader's 5, nothing more.
    await waitFor(() => partitionOn(kafka, 0, topic).followerLogEndOffset(1) === 8, { what: 'broker 1 fetching after its restart' });
    expect(partitionOn(kafka, 1, topic).highWatermark).toBe(5);

    // Broker 2 back: it re-registers (leaving the ISR), the ISR has the records, the high watermark moves on.
    kafka.faults.heal();
    await waitFor(() => [0, 1, 2].every((id) => partitionOn(kafka, id, topic).highWatermark === 8), { timeoutMs: 30_000, what: 'every replica at high watermark 8' });

    // A garbage checkpoint: the broker warns, starts the partition at its log start and takes the leader's high watermark.
    await kafka.broker(1).stop();
    writeFileSync(checkpointFile(kafka, 1), '0\n2\nhw-follower 0 banana\n\u0000\u0001');
    await kafka.broker(1).restart();
    expect(partitionOn(kafka, 1, topic).logEndOffset).toBe(8);
    await waitFor(() => partitionOn(kafka, 1, topic).highWatermark === 8, { what: 'broker 1 taking the leader\'s high watermark' });
  });

  it('keeps a crashed leader\'s unreplicated tail from consumers after its restart until the ISR has it', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('streamwright-hw-leader-');
    const config = { ...SLOW_FAILURE_DETECTION, 'replica.high.watermark.checkpoint.interval.ms': 100 };
    const kafka = await startKafka({ brokers: 3, dataDir, config });
    const topic = 'hw-leader';
    await createTopic(kafka, topic);
    const producer = await connectedProducer(kafka, 'hw-leader-producer');
    await producer.send({ topic, acks: -1, messages: values('committed', 5) });

    // Both followers cut off: the leader takes 3 acks=1 records no follower has.
    kafka.faults.isolate(1, { clients: false });
    kafka.faults.isolate(2, { clients: false });
    await producer.send({ topic, acks: 1, messages: values('tail', 3) });
    const leader = partitionOn(kafka, 0, topic);
    expect([leader.highWatermark, leader.logEndOffset]).toEqual([5, 8]);
    // The periodic checkpoint (every 100 ms here) has the high watermark, not the log end.
    await waitFor(() => checkpointEntries(checkpointFile(kafka, 0)).includes(`${topic} 0 5`), { what: 'the periodic checkpoint' });

    // The whole cluster crashes at once: nothing is written on the way down, the controller
    // never hears of it (the metadata log still names broker 0 leader).
    for (const id of [0, 1, 2]) await kafka.broker(id).kill();
    await stopKafka(kafka);
    expect(checkpointEntries(checkpointFile(kafka, 0))).toContain(`${topic} 0 5`);

    // Broker 0 comes back first, alone, as leader at the same epoch, with its tail on disk.
    const alone = await startKafka({ brokers: 1, nodeIds: [0], dataDir, config });
    expect(assignment(alone, topic)).toMatchObject({ leaderId: 0, leaderEpoch: 0, isr: [0, 1, 2] });
    const restored = partitionOn(alone, 0, topic);
    expect([restored.highWatermark, restored.logEndOffset]).toEqual([5, 8]);
    // Consumers see the committed records only: kcat reads to the end of the partition (the high watermark)...
    const bootstrap = alone.bootstrapServers[0]!;
    expect(await kcatReadAll(bootstrap, topic, '%o %s\\n')).toEqual(values('committed', 5).map((m, i) => `${i} ${m.value}`));
    // ...and ListOffsets puts the latest offset there too.
    const admin = kafkajsClient(bootstrap, 'hw-leader-offsets').admin();
    await admin.connect();
    cleanup.add(() => admin.disconnect());
    expect(await admin.fetchTopicOffsets(topic)).toEqual([expect.objectContaining({ partition: 0, high: '5' })]);
    await admin.disconnect();
    // A clean stop checkpoints the same high watermark again.
    await stopKafka(alone);
    expect(checkpointEntries(join(dataDir, 'broker-0', 'replication-offset-checkpoint'))).toContain(`${topic} 0 5`);

    // The followers come back, fetch the tail from the leader, and only then is it committed.
    const whole = await startKafka({ brokers: 3, dataDir, config });
    await waitFor(() => partitionOn(whole, 0, topic).highWatermark === 8, { timeoutMs: 30_000, what: 'the ISR catching up with the tail' });
    expect(assignment(whole, topic).leaderId).toBe(0);
    expect(await kcatReadAll(whole.bootstrapServers[0]!, topic, '%o %s\\n')).toEqual([...values('committed', 5), ...values('tail', 3)].map((m, i) => `${i} ${m.value}`));
  });

  it('keeps a single broker at high watermark = log end after a restart, whatever its checkpoint says', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('streamwright-hw-single-');
    const first = await startKafka({ dataDir });
    const topic = 'hw-single';
    const admin = kafkajsClient(first.bootstrapServers[0]!, 'hw-single-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafkajsClient(first.bootstrapServers[0]!, 'hw-single-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: 1, messages: values('m', 5) });
    await producer.disconnect();
    await stopKafka(first);
    // The single broker writes the file too (its partitions are replicas with an ISR of one).
    const file = join(dataDir, 'replication-offset-checkpoint');
    expect(checkpointEntries(file)).toContain(`${topic} 0 5`);

    // A stale checkpoint (a crash between two checkpoints) and then a garbage one: a leader alone
    // in its ISR has everything it holds committed, so the high watermark is its log end.
    for (const content of [`0\n1\n${topic} 0 2\n`, 'not a checkpoint']) {
      writeFileSync(file, content);
      const again = await startKafka({ dataDir });
      const partition = again.broker().instance.replicaManager.partition(topic, 0)!;
      expect([partition.highWatermark, partition.logEndOffset]).toEqual([5, 5]);
      expect(await kcatReadAll(again.bootstrapServers[0]!, topic, '%o %s\\n')).toEqual(values('m', 5).map((m, i) => `${i} ${m.value}`));
      await stopKafka(again);
    }
  });
});
