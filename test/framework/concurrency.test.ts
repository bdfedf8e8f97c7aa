/**
 * concurrency: 3 on 6 partitions: every record processed once, each partition by one consumer
 * at a time, also while a second application instance joins the group mid-stream.
 */
import { injectable } from 'inversify';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConsumerRecord, Header, KafkaApplication, KafkaHeaders, KafkaListener, KafkaTemplate, TopicBuilder, type ContainerConsumer } from '../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

/** What every consumer of the group did, across application instances. */
const watch = {
  active: new Set<number>(),
  overlaps: [] as string[],
  processedBy: new Map<number, Set<string>>(),
  values: [] as string[],
  delayMs: 0,
  reset() {
    this.active.clear();
    this.overlaps = [];
    this.processedBy.clear();
    this.values = [];
    this.delayMs = 0;
  },
};

@injectable()
class PartitionWorker {
  @KafkaListener({ id: 'work', topics: ['work'], groupId: 'workers', concurrency: 3 })
  async onWork(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.CONSUMER) consumer: ContainerConsumer) {
    if (watch.active.has(record.partition)) watch.overlaps.push(`${record.partition}@${record.offset}`);
    watch.active.add(record.partition);
    try {
      if (watch.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, watch.delayMs));
      const owners = watch.processedBy.get(record.partition) ?? new Set<string>();
      owners.add(consumer.clientId);
      watch.processedBy.set(record.partition, owners);
      watch.values.push(String(record.value));
    } finally {
      watch.active.delete(record.partition);
    }
  }
}

let kafka: EmbeddedKafka;
const apps: KafkaApplication[] = [];

async function startApp(): Promise<KafkaApplication> {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [PartitionWorker],
    topics: [TopicBuilder.name('work').partitions(6).replicas(1).build()],
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
  });
  apps.push(app);
  await app.start();
  return app;
}

beforeAll(async () => {
  kafka = await startBroker();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  watch.reset();
});
afterAll(async () => {
  await kafka.stop();
});

test('three consumers share six partitions; every record is processed once, each partition by one consumer', async () => {
  const app = await startApp();
  const container = app.listenerContainer('work');
  const assigned = container.assignments().map((tp) => tp.partition).sort();
  expect(assigned).toEqual([0, 1, 2, 3, 4, 5]);

  const template = app.get(KafkaTemplate);
  const values = Array.from({ length: 120 }, (_, i) => `v${i}`);
  await Promise.all(values.map((value, i) => template.send('work', `key-${i}`, value)));
  await waitFor(() => watch.values.length >= values.length, { what: 'all records' });

  expect(watch.values.sort()).toEqual([...values].sort());
  expect(watch.overlaps).toEqual([]);
  expect([...watch.processedBy.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  for (const owners of watch.processedBy.values()) expect(owners.size).toBe(1);
  expect(new Set([...watch.processedBy.values()].flatMap((owners) => [...owners])).size).toBe(3);
});

test('a second instance joining mid-stream: no partition is processed by two consumers at once, nothing is lost', async () => {
  const first = await startApp();
  watch.delayMs = 5;
  const template = first.get(KafkaTemplate);
  const values = Array.from({ length: 400 }, (_, i) => `r${i}`);
  const sending = Promise.all(values.map((value, i) => template.send('work', `key-${i}`, value)));
  await waitFor(() => watch.values.length >= 20, { what: 'processing under way' });
  const second = await startApp();
  const processedWhenSettled = new Set(watch.values).size;
  await sending;
  await waitFor(() => new Set(watch.values).size >= values.length, { what: 'every record at least once', timeoutMs: 30_000 });

  // The rebalance really happened mid-stream.
  expect(processedWhenSettled).toBeLessThan(values.length);
  expect(watch.overlaps).toEqual([]);
  expect(new Set(watch.values)).toEqual(new Set(values));
  // After the rebalance the six consumers hold each partition exactly once.
  await waitFor(() => [first, second].flatMap((app) => app.listenerContainer('work').assignments()).length === 6, { what: 'six assignments' });
  const partitions = [first, second].flatMap((app) => app.listenerContainer('work').assignments().map((tp) => tp.partition));
  expect(partitions.sort()).toEqual([0, 1, 2, 3, 4, 5]);
});
