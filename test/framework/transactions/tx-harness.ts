/** Reading topics back with a chosen isolation level, for the transaction tests. */
import { Kafka, Partitioners, type KafkaConfig, type Producer } from 'kafkajs';
import { consoleLogger as brokerLogger } from '../../../src/broker/logger.js';
import { EmbeddedKafka } from '../../../src/testing/index.js';
import { BrokerProbe, kafkaConfig, unique } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * Reads `topic` from the beginning in a fresh group until `done(records)` holds, then a little
 * longer (`settleMs`), so that records that should not be there have had their chance to show up.
 */
export async function readTopic(
  config: KafkaConfig,
  topic: string,
  options: { readUncommitted?: boolean; done: (records: readonly ReadRecord[]) => boolean; timeoutMs?: number; settleMs?: number },
): Promise<ReadRecord[]> {
  const consumer = new Kafka({ ...config, clientId: 'tx-reader' }).consumer({
    groupId: unique('reader'),
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push({ partition, offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
      },
    });
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (!options.done(records)) {
      if (Date.now() > deadline) throw new Error(`Timed out reading ${topic}: ${records.length} records so far`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 300));
    return [...records];
  } finally {
    await consumer.disconnect();
  }
}

export const values = (records: readonly ReadRecord[]) => records.map((r) => r.value);

/** A one-broker cluster (fault injection needs `brokers`), a probe, a connected kafkajs producer. */
export interface FaultCluster {
  readonly kafka: EmbeddedKafka;
  readonly probe: BrokerProbe;
  readonly producer: Producer;
}

/**
 * Starts the one-broker cluster the transaction fault tests share. Its broker session is long, so
 * a starved event loop (a loaded machine) does not fence the only broker; and it waits for the
 * group coordinator (a new cluster answers COORDINATOR_NOT_AVAILABLE while it creates
 * __consumer_offsets) here rather than in a container's start.
 */
export async function startFaultCluster(): Promise<FaultCluster> {
  const kafka = await EmbeddedKafka.start({ brokers: 1, config: { 'broker.session.timeout.ms': 15_000 }, logger: brokerLogger('silent', 'cluster') });
  const probe = new BrokerProbe(kafka);
  const producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await probe.createTopic('warm-up', 1);
  await waitFor(async () => (await probe.committedAt('warm-up', 'warm-up')) === -1, { what: 'the group coordinator', timeoutMs: 30_000 });
  return { kafka, probe, producer };
}
