import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Cleanup, kafkajsClient, killBrokers, removeTempDirs, spawnBroker, tempDir, type BrokerProcess } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// The broker process (`streamwright broker`) runs out of descriptors: its limit is lowered
// (prlimit) to a few dozen above what it uses at rest, below the partitions it is given, while
// streamwright.log.max.open.files stays at its default far above. Opening a segment file then
// fails with EMFILE; the broker closes its least recently used files and retries, so clients
// see no error. Then kill -9: everything acknowledged at acks=all is there after the restart.

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await killBrokers();
});
afterAll(() => removeTempDirs());

const PARTITIONS = 120;

/** Lowers the broker's descriptor limit to `headroom` above what it has open now. */
function limitDescriptors(broker: BrokerProcess, headroom: number): number {
  const pid = broker.child.pid!;
  const inUse = readdirSync(`/proc/${pid}/fd`).length;
  const limit = inUse + headroom;
  execFileSync('/usr/bin/prlimit', ['--pid', String(pid), `--nofile=${limit}:${limit}`]);
  return limit;
}

async function readEverything(client: Kafka, topic: string, count: number): Promise<Map<number, string[]>> {
  const consumer = client.consumer({ groupId: `readers-${Date.now()}`, maxWaitTimeInMs: 100 });
  cleanup.add(() => consumer.disconnect());
  const byPartition = new Map<number, string[]>();
  let received = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), message.value!.toString()]);
      received++;
    },
  });
  await waitFor(() => received >= count, { timeoutMs: 25_000, what: `${count} records (got ${received})` });
  return byPartition;
}

it('answers every request when the process runs out of descriptors, and loses nothing acknowledged to kill -9', { timeout: 60_000 }, async () => {
  const dataDir = tempDir('streamwright-descriptors-');
  const config = { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 };
  let broker = await spawnBroker(dataDir, config);
  const client = kafkajsClient(broker.address, 'descriptor-limit');
  const admin = client.admin();
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  const limit = limitDescriptors(broker, 40);
  expect(limit).toBeLessThan(PARTITIONS);

  await admin.createTopics({ topics: [{ topic: 'many', numPartitions: PARTITIONS, replicationFactor: 1 }] });
  const acknowledged = new Map<number, string[]>();
  for (let round = 0; round < 3; round++) {
    const results = await producer.send({
      topic: 'many',
      acks: -1,
      messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `p${partition}-r${round}` })),
    });
    for (const result of results) {
      expect(result.errorCode).toBe(0);
      const values = acknowledged.get(result.partition) ?? [];
      values.push(`p${result.partition}-r${round}`);
      acknowledged.set(result.partition, values);
    }
  }
  expect(readdirSync(`/proc/${broker.child.pid}/fd`).length).toBeLessThanOrEqual(limit);

  await broker.kill('SIGKILL');
  await cleanup.run();
  broker = await spawnBroker(dataDir, config);
  limitDescriptors(broker, 40);
  const after = kafkajsClient(broker.address, 'descriptor-limit-after');
  const byPartition = await readEverything(after, 'many', PARTITIONS * 3);
  expect(byPartition.size).toBe(PARTITIONS);
  for (let partition = 0; partition < PARTITIONS; partition++) expect(byPartition.get(partition)).toEqual(acknowledged.get(partition));
});
