/**
 * Two container items against the embedded broker: `@KafkaListener({ topicPartitions })` with
 * `'*'` (every partition of the topic, looked up when the container starts, split across the
 * consumers) and Spring's wildcard `@PartitionOffset(partition = "*")`; and
 * `consumer.auto-offset-reset: none` read from a streamwright.yml, which stops a consumer
 * without a committed offset with ConsumerStoppedEvent reason NO_OFFSET.
 */
import { injectable } from 'inversify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConsumerStoppedEvent, KafkaApplication, KafkaListener, KafkaTemplate, TopicBuilder, ConsumerRecord, type ConcurrentMessageListenerContainer } from '../../src/index.js';
import { topicPartitionOffsetsOf, ALL_PARTITIONS } from '../../src/framework/listener/topic-partition-offset.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let dir: string;

beforeAll(async () => {
  kafka = await startBroker();
  dir = mkdtempSync(join(tmpdir(), 'streamwright-wildcard-'));
});
afterAll(async () => {
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
});

const seen: Record<string, { partition: number; offset: number }[]> = { all: [], listed: [], strict: [] };

@injectable()
class Listeners {
  @KafkaListener({ id: 'all', concurrency: 2, autoStartup: false, topicPartitions: [{ topic: 'wild-all', partitions: ['*'] }] })
  onAll(record: ConsumerRecord): void {
    seen.all!.push({ partition: record.partition, offset: record.offset });
  }

  @KafkaListener({ id: 'listed', autoStartup: false, topicPartitions: [{ topic: 'wild-listed', partitions: ['0-1'], partitionOffsets: [{ partition: '*', initialOffset: -1 }] }] })
  onListed(record: ConsumerRecord): void {
    seen.listed!.push({ partition: record.partition, offset: record.offset });
  }

  @KafkaListener({ id: 'strict', topics: ['wild-strict'], autoStartup: false })
  onStrict(record: ConsumerRecord): void {
    seen.strict!.push({ partition: record.partition, offset: record.offset });
  }
}

describe("topicPartitions with '*'", () => {
  test("partitions: ['*'] assigns every partition of the topic, split over the consumers", async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [Listeners],
      topics: [TopicBuilder.name('wild-all').partitions(5).build(), TopicBuilder.name('wild-listed').partitions(3).build(), TopicBuilder.name('wild-strict').build()],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
    });
    try {
      await app.start();
      const template = app.get(KafkaTemplate<string, string>);
      for (let p = 0; p < 5; p++) await template.send('wild-all', p, 'k', `v${p}`);
      for (let p = 0; p < 3; p++) for (let i = 0; i < 3; i++) await template.send('wild-listed', p, 'k', `v${p}-${i}`);

      const all = app.listenerContainer('all') as ConcurrentMessageListenerContainer;
      await all.start();
      await waitFor(() => seen.all!.length === 5, { what: 'a record from each of the 5 partitions' });
      expect(seen.all!.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3, 4]);
      const shares = all.containers.map((child) => child.assignments().map((tp) => tp.partition).sort());
      expect(shares).toEqual([[0, 2, 4], [1, 3]]);

      // The wildcard @PartitionOffset gives each listed partition (0 and 1, not 2) the last record (-1 = one before the end).
      await app.listenerContainer('listed').start();
      await waitFor(() => seen.listed!.length === 2, { what: 'the last record of partitions 0 and 1' });
      expect([...seen.listed!].sort((a, b) => a.partition - b.partition)).toEqual([{ partition: 0, offset: 2 }, { partition: 1, offset: 2 }]);
    } finally {
      await app.stop();
    }
  });

  test('the annotation forms and their mistakes', () => {
    expect(topicPartitionOffsetsOf([{ topic: 't', partitions: ['*'] }], 'x')).toEqual([{ topic: 't', partition: ALL_PARTITIONS }]);
    expect(topicPartitionOffsetsOf([{ topic: 't', partitions: ['0', '2'], partitionOffsets: [{ partition: '*', initialOffset: 5 }] }], 'x')).toEqual([
      { topic: 't', partition: 0, offset: 5, relativeToCurrent: false },
      { topic: 't', partition: 2, offset: 5, relativeToCurrent: false },
    ]);
    expect(() => topicPartitionOffsetsOf([{ topic: 't', partitionOffsets: [{ partition: '*', initialOffset: 0 }] }], 'x')).toThrow(/applies to the entry's partitions, and it lists none/);
    expect(() => topicPartitionOffsetsOf([{ topic: 't', partitions: ['0'], partitionOffsets: [{ partition: '*', initialOffset: 0 }, { partition: '*', initialOffset: 1 }] }], 'x')).toThrow(/only one partitionOffsets entry/);
  });
});

test('consumer.auto-offset-reset: none from streamwright.yml stops a consumer without a committed offset (NO_OFFSET)', async () => {
  writeFileSync(join(dir, 'streamwright.yml'), ['streamwright:', '  kafka:', '    consumer:', '      auto-offset-reset: none'].join('\n'));
  const app = await KafkaApplication.create({
    config: { dir, env: {} },
    kafka: kafkaConfig(kafka),
    listeners: [Listeners],
    topics: [TopicBuilder.name('wild-strict').build()],
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
  });
  const stopped: ConsumerStoppedEvent[] = [];
  app.on(ConsumerStoppedEvent, (event) => void stopped.push(event));
  try {
    await app.start();
    await app.get(KafkaTemplate<string, string>).send('wild-strict', 'k', 'v');
    const container = app.listenerContainer('strict');
    await expect(container.start()).rejects.toThrow(/No committed offset for wild-strict-0 in group strict and auto.offset.reset is none/);
    expect(stopped.map((e) => e.reason)).toEqual(['NO_OFFSET']);
    expect(seen.strict).toEqual([]);
  } finally {
    await app.stop();
  }
});
