/**
 * The dead-letter recoverer checks the destination partition with the real KafkaTemplate's
 * `partitionsFor` (Spring's `verifyPartition`): records failing on partition 2 of a
 * 3-partition topic reach a 1-partition `-dlt` topic on the partition the producer chooses,
 * with Spring's headers; with `verifyPartition: false` the send to the missing partition fails
 * and the recoverer says so. Also `partitionsFor` itself: partitions in order, an empty list for
 * a topic the cluster does not have, and the per-topic cache.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  FixedBackOff,
  KafkaHeaders,
  KafkaTemplate,
  ListenerExecutionFailedException,
  silentLogger,
  type Logger,
} from '../../../src/index.js';
import { waitFor } from '../../support/wait-for.js';
import { BrokerProbe, FAST_CONSUMER, header, headerText, kafkaConfig, readTopic, startErrorHandlingBroker, testLogger, unique } from './support/error-handling-harness.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producers: DefaultKafkaProducerFactory;
let template: KafkaTemplate<string, string>;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker({ 'auto.create.topics.enable': false });
  probe = new BrokerProbe(kafka);
  producers = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  template = new KafkaTemplate<string, string>(producers, { logger: testLogger });
});
afterAll(async () => {
  await producers?.close();
  await probe?.close();
  await kafka?.stop();
});

test('records failing on partition 2 reach a 1-partition DLT, on partition 0, with the dlt headers', async () => {
  const topic = unique('orders');
  const group = unique('orders-group');
  await probe.createTopic(topic, 3);
  await probe.createTopic(`${topic}-dlt`, 1);
  for (const partition of [0, 1, 2]) for (const n of [1, 2]) await template.send(topic, partition, `k${partition}`, `p${partition}-${n}`);

  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
  const recovered: string[] = [];
  const recoveryFailures: unknown[] = [];
  const errorHandler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template, { logger }), new FixedBackOff(0, 0), { logger: testLogger });
  errorHandler.addRetryListener({
    recovered: (record) => void recovered.push(String(record.value)),
    recoveryFailed: (_record, _original, failure) => void recoveryFailures.push(failure),
  });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group },
    commonErrorHandler: errorHandler,
    logger: testLogger,
  });
  const container = factory.createContainer(topic);
  const processed: string[] = [];
  container.containerProperties.messageListener = (record: ConsumerRecord) => {
    if (record.partition === 2) throw new Error(`cannot process ${String(record.value)}`);
    processed.push(String(record.value));
  };
  try {
    await container.start();
    await waitFor(async () => (await probe.committedAt(group, topic, 2)) === 2, { what: 'partition 2 committed past its failed records', timeoutMs: 20_000 });
  } finally {
    await container.stop();
  }
  expect(recoveryFailures).toEqual([]);
  expect(recovered.sort()).toEqual(['p2-1', 'p2-2']);
  expect(processed.sort()).toEqual(['p0-1', 'p0-2', 'p1-1', 'p1-2']);

  const dead = await readTopic(kafka, `${topic}-dlt`, 2);
  expect(dead.map((r) => [r.partition, r.value!.toString()])).toEqual([
    [0, 'p2-1'],
    [0, 'p2-2'],
  ]);
  for (const [index, record] of dead.entries()) {
    expect(headerText(record, KafkaHeaders.DLT_ORIGINAL_TOPIC)).toBe(topic);
    expect(header(record, KafkaHeaders.DLT_ORIGINAL_PARTITION)!.readInt32BE(0)).toBe(2);
    expect(header(record, KafkaHeaders.DLT_ORIGINAL_OFFSET)!.readBigInt64BE(0)).toBe(BigInt(index));
    expect(headerText(record, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP)).toBe(group);
    expect(headerText(record, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).toContain(`cannot process p2-${index + 1}`);
  }
  expect(warnings.filter((w) => w.includes(`non-existent partition ${topic}-dlt-2`))).toHaveLength(2);
});

test('verifyPartition=false sends to the missing partition as resolved, and the recoverer throws', async () => {
  const topic = unique('payments');
  await probe.createTopic(topic, 3);
  await probe.createTopic(`${topic}-dlt`, 1);
  const failed = new ConsumerRecord<string, string>({ topic, partition: 2, offset: 5, timestamp: Date.now(), key: 'k', value: 'v' });
  const error = new ListenerExecutionFailedException('Listener failed', 'payments-group', { cause: new Error('boom') });
  const unverified = new DeadLetterPublishingRecoverer(template, { verifyPartition: false, waitForSendResultTimeout: 10_000, logger: silentLogger });
  await expect(unverified.accept(failed, error)).rejects.toThrow(`Dead-letter publication to ${topic}-dlt failed for: ${topic}-2@5`);
  // The same record with the check on is published.
  await new DeadLetterPublishingRecoverer(template, { logger: silentLogger }).accept(failed, error);
  const [dead] = await readTopic(kafka, `${topic}-dlt`, 1);
  expect([dead!.partition, dead!.value!.toString()]).toEqual([0, 'v']);
});

test('partitionsFor: partitions in order, none for a missing topic, answers reused for partitionInfoMaxAge', async () => {
  const topic = unique('described');
  await probe.createTopic(topic, 3);
  const partitions = await template.partitionsFor(topic);
  expect(partitions.map((p) => [p.topic, p.partition])).toEqual([0, 1, 2].map((p) => [topic, p]));
  expect(partitions.every((p) => p.leader >= 0 && p.replicas.includes(p.leader) && p.inSyncReplicas.includes(p.leader))).toBe(true);
  expect(await template.partitionsFor(unique('missing'))).toEqual([]);
  // Cached: the same answer object within the max age; asked again with a max age of 0.
  expect(await template.partitionsFor(topic)).toBe(partitions);
  const uncached = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger, partitionInfoMaxAge: 0 });
  try {
    const first = await uncached.partitionsFor(topic);
    const second = await uncached.partitionsFor(topic);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  } finally {
    await uncached.close();
  }
  await expect(new DefaultKafkaProducerFactory({ logger: testLogger }).partitionsFor(topic)).rejects.toThrow(/no Kafka client config/);
});
