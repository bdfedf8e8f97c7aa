/**
 * Spring's `@PartitionOffset(seekPosition = BEGINNING/END/TIMESTAMP)` on
 * `@KafkaListener({ topicPartitions })`, against the embedded broker: BEGINNING wins over a
 * committed offset, END skips what is already there, TIMESTAMP starts at the first record at or
 * after `initialOffset` read as epoch milliseconds.
 */
import { injectable } from 'inversify';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConsumerRecord, KafkaApplication, KafkaListener, KafkaTemplate, TopicBuilder } from '../../src/index.js';
import { topicPartitionOffsetsOf } from '../../src/framework/listener/topic-partition-offset.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'seek-position';
const GROUP = 'seek-position-group';
let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startBroker();
});
afterAll(async () => {
  await kafka.stop();
});

const seen: { partition: number; offset: number; value: unknown }[] = [];

@injectable()
class PositionedListener {
  @KafkaListener({
    id: 'positioned',
    groupId: GROUP,
    autoStartup: false,
    topicPartitions: [
      {
        topic: TOPIC,
        partitionOffsets: [
          { partition: '0', seekPosition: 'BEGINNING' },
          { partition: '1', initialOffset: 0, seekPosition: 'END' },
          { partition: '2', initialOffset: 2000, seekPosition: 'timestamp' },
        ],
      },
    ],
  })
  onRecord(record: ConsumerRecord): void {
    seen.push({ partition: record.partition, offset: record.offset, value: record.value });
  }
}

describe('@PartitionOffset seekPosition', () => {
  test('BEGINNING, END and TIMESTAMP position each partition as Spring does', async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [PositionedListener],
      topics: [TopicBuilder.name(TOPIC).partitions(3).build()],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
    });
    const admin = new Kafka({ ...kafkaConfig(kafka), clientId: 'seek-position-admin' }).admin();
    try {
      await app.start();
      const template = app.get(KafkaTemplate<string, string>);
      for (let p = 0; p < 3; p++) for (let i = 0; i < 3; i++) await template.send(TOPIC, p, (i + 1) * 1000, 'k', `p${p}-${i}`);
      // A committed offset that BEGINNING must override.
      await admin.connect();
      await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] });

      await app.listenerContainer('positioned').start();
      await waitFor(() => seen.length >= 5, { what: 'partition 0 from the beginning and partition 2 from timestamp 2000' });
      // Partition 1 started at its end: only a record sent now arrives.
      await template.send(TOPIC, 1, undefined, 'k', 'p1-new');
      await waitFor(() => seen.some((r) => r.partition === 1), { what: 'the new record on partition 1' });

      const byPartition = (p: number) => seen.filter((r) => r.partition === p).map((r) => r.offset);
      expect(byPartition(0)).toEqual([0, 1, 2]);
      expect(byPartition(1)).toEqual([3]);
      expect(byPartition(2)).toEqual([1, 2]);
    } finally {
      await admin.disconnect();
      await app.stop();
    }
  });

  test('a seekPosition that is not BEGINNING, END or TIMESTAMP is refused with a clear error', () => {
    expect(() => topicPartitionOffsetsOf([{ topic: 't', partitionOffsets: [{ partition: 0, seekPosition: 'MIDDLE' as 'END' }] }], 'L.m')).toThrow(
      "L.m: seekPosition 'MIDDLE' of t is not one of BEGINNING, END, TIMESTAMP",
    );
    expect(() => topicPartitionOffsetsOf([{ topic: 't', partitionOffsets: [{ partition: 0, seekPosition: 'TIMESTAMP' }] }], 'L.m')).toThrow('is not a whole number');
    expect(topicPartitionOffsetsOf([{ topic: 't', partitions: ['0-1'], partitionOffsets: [{ partition: '*', seekPosition: 'END' }] }], 'L.m')).toEqual([
      { topic: 't', partition: 0, position: 'END' },
      { topic: 't', partition: 1, position: 'END' },
    ]);
  });
});
