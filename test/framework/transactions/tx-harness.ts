/** Reading topics back with a chosen isolation level, for the transaction tests. */
import { Kafka, type KafkaConfig } from 'kafkajs';
import { unique } from '../support/framework-harness.js';

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
