import { randomUUID } from 'node:crypto';
import { KafkaException } from '../kafka-exception.js';
import { ConsumerRecordFactory } from '../listener/consumer-record-factory.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ConsumerFactory } from './consumer-factory.js';

/** Spring's `KafkaTemplate.DEFAULT_POLL_TIMEOUT` (5 s). */
export const DEFAULT_RECEIVE_TIMEOUT = 5000;

/**
 * Reads the one record at `topic`/`partition`/`offset`, as Spring's `KafkaTemplate.receive`.
 * kafkajs has no `assign()`, so a consumer joins a fresh, never-committing group of its own,
 * seeks the partition to the offset and waits for that record. Resolves with null when it does
 * not arrive within `pollTimeoutMs` (an offset past the end, a compacted-away record).
 */
export async function receiveRecord<K, V>(
  consumerFactory: ConsumerFactory | undefined,
  topic: string,
  partition: number,
  offset: number,
  pollTimeoutMs: number,
): Promise<ConsumerRecord<K, V> | null> {
  if (!consumerFactory) throw new KafkaException('A consumerFactory is required to receive records (set template.consumerFactory)');
  if (typeof topic !== 'string' || topic.length === 0) throw new KafkaException(`Invalid topic: ${String(topic)}`);
  if (!Number.isInteger(partition) || partition < 0) throw new KafkaException(`Invalid partition: ${String(partition)}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new KafkaException(`Invalid offset: ${String(offset)}`);
  if (!Number.isFinite(pollTimeoutMs) || pollTimeoutMs < 0) throw new KafkaException(`Invalid poll timeout: ${String(pollTimeoutMs)}`);

  const groupId = `streamwright-receive-${randomUUID()}`;
  const { consumer } = consumerFactory.createConsumer(groupId, `${groupId}-client`);
  const records = new ConsumerRecordFactory(consumerFactory.keyDeserializer, consumerFactory.valueDeserializer);
  const got: { record: ConsumerRecord<K, V> | null } = { record: null };
  let wake: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (wake = resolve));
  const timer = setTimeout(wake, pollTimeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        if (got.record || payload.partition !== partition || Number(payload.message.offset) !== offset) return;
        got.record = records.create(payload.topic, payload.partition, payload.message) as ConsumerRecord<K, V>;
        wake();
      },
    });
    // kafkajs applies a seek once the partition is assigned to this (only) member.
    consumer.seek({ topic, partition, offset: String(offset) });
    await arrived;
    return got.record;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
