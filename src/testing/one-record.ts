import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { ConsumerRecordFactory } from '../framework/listener/consumer-record-factory.js';
import type { ConsumerRecord } from '../framework/support/consumer-record.js';
import { StringDeserializer } from '../framework/support/serializer/string-serializer.js';

/**
 * `KafkaTestUtils.getOneRecord`: a consumer of group `group` reads `partition` (from the group's
 * committed offset, earliest without one, or the last record with `seekToLast`) until the first
 * record of that partition arrives. kafkajs has no `assign()`, so the consumer subscribes to the
 * topic and ignores the other partitions; it never commits them.
 */
export async function getOneRecord<K, V>(kafka: KafkaConfig, group: string, topic: string, partition: number, seekToLast: boolean, commit: boolean, timeoutMs: number): Promise<ConsumerRecord<K, V> | null> {
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`partition must be a non-negative integer, got ${partition}`);
  const client = new Kafka({ logLevel: logLevel.NOTHING, ...kafka, clientId: kafka.clientId ?? `test-one-record-${group}` });
  let startAt: number | undefined;
  if (seekToLast) {
    const admin = client.admin();
    await admin.connect();
    try {
      const end = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition);
      if (!end) throw new RangeError(`Topic ${topic} has no partition ${partition}`);
      startAt = Math.max(0, Number(end.high) - 1);
    } finally {
      await admin.disconnect();
    }
  }

  const consumer = client.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  const records = new ConsumerRecordFactory(new StringDeserializer(), new StringDeserializer());
  const got: { record: ConsumerRecord<K, V> | null } = { record: null };
  let wake: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (wake = resolve));
  const timer = setTimeout(wake, Math.max(0, timeoutMs));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        if (got.record || payload.partition !== partition) return;
        got.record = records.create(payload.topic, payload.partition, payload.message) as ConsumerRecord<K, V>;
        wake();
      },
    });
    if (startAt !== undefined) consumer.seek({ topic, partition, offset: String(startAt) });
    await arrived;
    const record = got.record;
    if (record && commit) await consumer.commitOffsets([{ topic, partition, offset: String(record.offset + 1) }]);
    return record;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
