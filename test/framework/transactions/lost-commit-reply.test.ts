/**
 * docs/transactions.md "A commit that fails": a listener transaction whose EndTxn reply is lost
 * has committed at the broker while the container sees a failure. The record comes back, the
 * transaction is settled (a new producer on its id) and the record, below the group's committed
 * offset now, is skipped: read_committed readers see its output once.
 */
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  ConcurrentKafkaListenerContainerFactory,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  KafkaTemplate,
  KafkaTransactionManager,
  type ConsumerRecord,
} from '../../../src/index.js';
import { EmbeddedKafka } from '../../../src/testing/index.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, testLogger, unique } from '../support/framework-harness.js';
import { readTopic, values, startFaultCluster } from './tx-harness.js';
import { waitFor } from '../../support/wait-for.js';

const END_TXN = 26;

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producer: Producer;

beforeAll(async () => {
  ({ kafka, probe, producer } = await startFaultCluster());
}, 60_000);
afterAll(async () => {
  kafka?.faults.heal();
  await producer?.disconnect();
  await probe?.close();
  await kafka?.stop();
});

test("a listener transaction whose commit reply is lost is not processed again: its output is read once", { timeout: 60_000 }, async () => {
  const input = unique('lost-in');
  const output = unique('lost-out');
  const group = unique('lost-group');
  await probe.createTopic(input, 1);
  await probe.createTopic(output, 1);
  await producer.send({ topic: input, messages: ['v0', 'v1', 'v2'].map((value, i) => ({ key: `k${i}`, value })) });

  const producerFactory = new DefaultKafkaProducerFactory({
    kafka: kafkaConfig(kafka, { requestTimeout: 1500, connectionTimeout: 1000 }),
    transactionIdPrefix: unique('lost-tx-'),
    logger: testLogger,
  });
  const template = new KafkaTemplate<string, string>(producerFactory, { logger: testLogger });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group, transactionManager: new KafkaTransactionManager(producerFactory, { logger: testLogger }) },
    logger: testLogger,
  });
  const container = factory.createContainer(input);
  const processed: string[] = [];
  const dropped = kafka.faults.droppedResponses;
  container.containerProperties.messageListener = async (record: ConsumerRecord) => {
    processed.push(String(record.value));
    await template.send(output, String(record.key), `out-${String(record.value)}`);
    // The next EndTxn is this transaction's commit: the broker commits, the reply never comes.
    if (record.value === 'v1' && processed.filter((v) => v === 'v1').length === 1) kafka.faults.dropResponses({ apiKey: END_TXN, count: 1 });
  };
  try {
    await container.start();
    // Offsets are read only once the container's group exists (the probe then finds its coordinator at once).
    await waitFor(() => processed.length >= 3, { what: 'three records processed', timeoutMs: 30_000 }).catch((error) => {
      throw new Error(`${String(error)}; processed ${processed.join(',')}`);
    });
    await waitFor(async () => (await probe.committedAt(group, input)) === 3, { what: 'offset 3 committed', timeoutMs: 30_000 }).catch((error) => {
      throw new Error(`${String(error)}; processed ${processed.join(',')}`);
    });
    const committed = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= 3, settleMs: 1000 });
    expect(values(committed)).toEqual(['out-v0', 'out-v1', 'out-v2']);
    expect(kafka.faults.droppedResponses).toBe(dropped + 1);
    expect(processed).toEqual(['v0', 'v1', 'v2']);
  } finally {
    await container.stop();
    await producerFactory.close();
  }
});
