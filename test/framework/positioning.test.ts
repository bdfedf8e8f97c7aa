/**
 * Positioning consumers against the embedded broker: manual assignment with
 * `@KafkaListener({ topicPartitions })` and initial offsets (absolute, from the end, relative
 * to the committed position), split across concurrent consumers and committed to the group;
 * ConsumerSeekAware / AbstractConsumerSeekAware callbacks (assignment, idle, and seeks from
 * outside the listener applied between records).
 */
import { injectable } from 'inversify';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AbstractConsumerSeekAware,
  ConsumerRecord,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  TopicBuilder,
  type ConcurrentMessageListenerContainer,
  type ConsumerSeekAware,
  type ConsumerSeekCallback,
  type TopicPartition,
} from '../../src/index.js';
import { BrokerProbe, FAST_CONSUMER, Gate, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

/** partition → offsets seen, in order, per listener. */
const seen = new Map<string, { partition: number; offset: number; value: string }[]>();
const note = (name: string, record: ConsumerRecord) => seen.set(name, [...(seen.get(name) ?? []), { partition: record.partition, offset: record.offset, value: String(record.value) }]);
const offsetsOf = (name: string, partition: number) => (seen.get(name) ?? []).filter((d) => d.partition === partition).map((d) => d.offset);

async function fill(template: KafkaTemplate<string, string>, topic: string, partitions: number, perPartition: number): Promise<void> {
  for (let p = 0; p < partitions; p++) for (let i = 0; i < perPartition; i++) await template.send(topic, p, `k${p}`, `${p}:${i}`);
}

describe('manual assignment: @KafkaListener({ topicPartitions })', () => {
  @injectable()
  class Manual {
    @KafkaListener({
      id: 'manual',
      concurrency: 2,
      autoStartup: false,
      topicPartitions: [
        {
          topic: 'pos-manual',
          partitions: ['0'],
          partitionOffsets: [
            { partition: '1', initialOffset: 2 },
            { partition: '2', initialOffset: -2 },
            { partition: '3', initialOffset: 1, relativeToCurrent: true },
          ],
        },
      ],
    })
    onRecord(record: ConsumerRecord<string, string>): void {
      note('manual', record);
    }
  }

  test('exactly the named partitions, from their initial offsets, split over the consumers, committed to group.id', async () => {
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [Manual],
      topics: [TopicBuilder.name('pos-manual').partitions(5).build()],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
    });
    try {
      await app.start();
      await fill(app.get(KafkaTemplate) as KafkaTemplate<string, string>, 'pos-manual', 5, 5);
      // The group's committed position of partition 3 is 2: relativeToCurrent +1 starts at 3.
      const admin = new Kafka(kafkaConfig(kafka)).admin();
      await admin.connect();
      await admin.setOffsets({ groupId: 'manual', topic: 'pos-manual', partitions: [{ partition: 3, offset: '2' }] });
      await admin.disconnect();

      await app.registry.startListenerContainer('manual');
      const container = app.listenerContainer('manual') as ConcurrentMessageListenerContainer;
      await waitFor(async () => {
        const committed = await probe.committed('manual', 'pos-manual');
        return [0, 1, 2, 3].every((p) => committed.get(p) === 5);
      }, { what: 'the four partitions committed to their end' });
      expect(offsetsOf('manual', 0)).toEqual([0, 1, 2, 3, 4]);
      expect(offsetsOf('manual', 1)).toEqual([2, 3, 4]);
      expect(offsetsOf('manual', 2)).toEqual([3, 4]);
      expect(offsetsOf('manual', 3)).toEqual([3, 4]);
      expect(offsetsOf('manual', 4)).toEqual([]);
      expect((await probe.committed('manual', 'pos-manual')).get(4) ?? -1).toBe(-1);
      // Two consumers, two partitions each, nothing twice.
      expect(container.containers.map((c) => c.assignments().map((tp) => tp.partition).sort())).toEqual([
        [0, 2],
        [1, 3],
      ]);
    } finally {
      await app.stop();
    }
  });

  test('bad topicPartitions are reported when the application is created', async () => {
    @injectable()
    class Bad {
      @KafkaListener({ id: 'bad-range', topicPartitions: [{ topic: 't', partitions: ['4-2'] }] })
      onRecord(): void {}
    }
    @injectable()
    class Both {
      @KafkaListener({ id: 'both', topics: ['t'], topicPartitions: [{ topic: 't', partitions: ['0'] }] })
      onRecord(): void {}
    }
    await expect(KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [Bad], logger: testLogger })).rejects.toThrow(/partition range '4-2' runs backwards/);
    await expect(KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [Both], logger: testLogger })).rejects.toThrow(/mutually exclusive/);
  });
});

describe('ConsumerSeekAware', () => {
  const gate = new Gate();
  let assignedPositions: [string, number][] = [];
  let registered = 0;
  let idleSeeks = 0;

  /** Rewinds on request from outside (AbstractConsumerSeekAware keeps the callbacks). */
  @injectable()
  class Rewinding extends AbstractConsumerSeekAware {
    @KafkaListener({ id: 'rewinding', topics: ['pos-rewind'] })
    async onRecord(record: ConsumerRecord<string, string>): Promise<void> {
      note('rewinding', record);
      if (record.value === '0:1') await gate.wait();
    }

    override registerSeekCallback(callback: ConsumerSeekCallback): void {
      registered++;
      super.registerSeekCallback(callback);
    }

    override onPartitionsAssigned(assignments: ReadonlyMap<TopicPartition, number>, callback: ConsumerSeekCallback): void {
      assignedPositions = [...assignments].map(([tp, offset]) => [`${tp.topic}-${tp.partition}`, offset]);
      super.onPartitionsAssigned(assignments, callback);
    }
  }

  /** Starts each partition at its last record, from the assignment callback. */
  @injectable()
  class LastOnly implements ConsumerSeekAware {
    @KafkaListener({ id: 'last-only', topics: ['pos-last'], autoStartup: false })
    onRecord(record: ConsumerRecord<string, string>): void {
      note('last-only', record);
    }

    onPartitionsAssigned(assignments: ReadonlyMap<TopicPartition, number>, callback: ConsumerSeekCallback): void {
      for (const tp of assignments.keys()) void callback.seekRelative(tp.topic, tp.partition, -1, false);
    }
  }

  /** Replays its partition once, the first time the container goes idle. */
  @injectable()
  class IdleReplay implements ConsumerSeekAware {
    @KafkaListener({ id: 'idle-replay', topics: ['pos-idle'], containerFactory: 'idle' })
    onRecord(record: ConsumerRecord<string, string>): void {
      note('idle-replay', record);
    }

    onIdleContainer(assignments: ReadonlyMap<TopicPartition, number>, callback: ConsumerSeekCallback): void {
      // Only once there was something to read (the container may go idle before the records are sent).
      if (idleSeeks === 0 && [...assignments.values()].some((position) => position > 0)) {
        idleSeeks++;
        void callback.seekToBeginning([...assignments.keys()]);
      }
    }
  }

  let app: KafkaApplication;
  let template: KafkaTemplate<string, string>;

  beforeAll(async () => {
    const { ConcurrentKafkaListenerContainerFactory } = await import('../../src/index.js');
    app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [Rewinding, LastOnly, IdleReplay],
      topics: [TopicBuilder.name('pos-rewind').partitions(1).build(), TopicBuilder.name('pos-last').partitions(2).build(), TopicBuilder.name('pos-idle').partitions(1).build()],
      consumerConfig: FAST_CONSUMER,
      logger: testLogger,
      containerFactories: { idle: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { idleEventInterval: 300, idleBeforeDataMultiplier: 1 } }) },
    });
    await app.start();
    template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  test('a seek from outside the listener lands between two records; then rewind, end and timestamp for every partition', async () => {
    expect(registered).toBe(1);
    expect(assignedPositions).toEqual([['pos-rewind-0', 0]]);
    await fill(template, 'pos-rewind', 1, 5);
    await waitFor(() => offsetsOf('rewinding', 0).length === 2, { what: 'the listener holding the second record' });
    const bean = app.get(Rewinding);
    // While the listener is inside offset 1, an outside caller rewinds; the record in hand finishes first.
    await bean.getSeekCallbackFor({ topic: 'pos-rewind', partition: 0 })!.seek('pos-rewind', 0, 0);
    gate.open();
    await waitFor(() => offsetsOf('rewinding', 0).length === 7, { what: 'the replay' });
    expect(offsetsOf('rewinding', 0)).toEqual([0, 1, 0, 1, 2, 3, 4]);

    await bean.seekToBeginning();
    await waitFor(() => offsetsOf('rewinding', 0).length === 12, { what: 'the second replay' });
    expect(offsetsOf('rewinding', 0).slice(7)).toEqual([0, 1, 2, 3, 4]);

    const middle = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await fill(template, 'pos-rewind', 1, 2);
    await waitFor(() => offsetsOf('rewinding', 0).length === 14, { what: 'the two new records' });
    await bean.seekToTimestamp(middle);
    await waitFor(() => offsetsOf('rewinding', 0).length === 16, { what: 'the records since the timestamp' });
    expect(offsetsOf('rewinding', 0).slice(14)).toEqual([5, 6]);

    await bean.seekToEnd();
    await template.send('pos-rewind', 0, 'k', 'after-end');
    await waitFor(() => offsetsOf('rewinding', 0).length === 17, { what: 'the record after the end' });
    expect(offsetsOf('rewinding', 0).slice(16)).toEqual([7]);
    expect(bean.getTopicsAndCallbacks().size).toBe(1);
  });

  test('onPartitionsAssigned seeks before any record of the assignment is delivered (seekRelative from the end)', async () => {
    await fill(template, 'pos-last', 2, 4);
    await app.registry.startListenerContainer('last-only');
    await waitFor(() => offsetsOf('last-only', 0).length === 1 && offsetsOf('last-only', 1).length === 1, { what: 'one record per partition' });
    expect(offsetsOf('last-only', 0)).toEqual([3]);
    expect(offsetsOf('last-only', 1)).toEqual([3]);
  });

  test('onIdleContainer gets the callback when the container goes idle', async () => {
    await fill(template, 'pos-idle', 1, 3);
    await waitFor(() => offsetsOf('idle-replay', 0).length === 6, { what: 'the records, then their replay after the idle event' });
    expect(offsetsOf('idle-replay', 0)).toEqual([0, 1, 2, 0, 1, 2]);
  });
});
