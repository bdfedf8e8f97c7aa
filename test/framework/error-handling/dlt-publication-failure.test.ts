/**
 * When the dead-letter topic can't be written (here: it does not exist and the broker does not
 * auto-create topics), the recoverer throws: the record is not committed and keeps being
 * retried, never skipped, and the records behind it wait. Once the DLT exists it lands there.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  FixedBackOff,
  KafkaHeaders,
  KafkaTemplate,
  type ConsumerRecord,
} from '../../../src/index.js';
import { BrokerProbe, Deliveries, FAST_CONSUMER, headerText, kafkaConfig, readTopic, startErrorHandlingBroker, testLogger, unique } from './support/error-handling-harness.js';
import { waitFor } from '../../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker({ 'auto.create.topics.enable': false });
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

test('a failing DLT publication leaves the record uncommitted and retried; it is dead-lettered once the DLT exists', async () => {
  const topic = unique('ledger');
  const group = unique('ledger-group');
  await probe.createTopic(topic, 1);
  const producers = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  const template = new KafkaTemplate<string, string>(producers, { logger: testLogger });
  for (const value of ['ok-1', 'poison', 'ok-2']) await template.send(topic, 'k', value);

  const deliveries = new Deliveries();
  const recoveryFailures: unknown[] = [];
  const recovered: string[] = [];
  const errorHandler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template, { logger: testLogger }), new FixedBackOff(20, 1), { logger: testLogger });
  errorHandler.addRetryListener({
    recoveryFailed: (_record, _original, failure) => void recoveryFailures.push(failure),
    recovered: (record) => void recovered.push(String(record.value)),
  });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group },
    commonErrorHandler: errorHandler,
    logger: testLogger,
  });
  const container = factory.createContainer(topic);
  container.containerProperties.messageListener = (record: ConsumerRecord) => {
    deliveries.add(record);
    if (record.value === 'poison') throw new Error('unprocessable');
  };
  try {
    await container.start();
    await waitFor(() => recoveryFailures.length >= 2, { what: 'two failed publications', timeoutMs: 20_000 });
    // Not skipped: not committed past it, the record after it not processed, and still retried.
    expect(await probe.committedAt(group, topic)).toBe(1);
    expect(deliveries.of('ok-2')).toHaveLength(0);
    expect(recovered).toEqual([]);
    expect(String((recoveryFailures[0] as Error).message)).toContain(`Dead-letter publication to ${topic}-dlt failed`);
    const deliveriesSoFar = deliveries.of('poison').length;
    expect(deliveriesSoFar).toBeGreaterThanOrEqual(4);

    await probe.createTopic(`${topic}-dlt`, 1);
    await waitFor(async () => (await probe.committedAt(group, topic)) === 3, { what: 'committed past the poison record', timeoutMs: 20_000 });
    expect(recovered).toEqual(['poison']);
    expect(deliveries.values().filter((v) => v !== 'poison')).toEqual(['ok-1', 'ok-2']);
    const [dead] = await readTopic(kafka, `${topic}-dlt`, 1);
    expect(dead!.value!.toString()).toBe('poison');
    expect(headerText(dead!, KafkaHeaders.DLT_ORIGINAL_TOPIC)).toBe(topic);
  } finally {
    await container.stop();
    await producers.close();
  }
});
