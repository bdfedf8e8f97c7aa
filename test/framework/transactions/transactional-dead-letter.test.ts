/**
 * The shipped DeadLetterPublishingRecoverer in a transactional container: the dead letter and
 * the failed record's offset commit in one transaction (DefaultAfterRollbackProcessor with
 * commitRecovered). The transaction carrying them is made to fail once (a lost AddOffsetsToTxn
 * reply: aborted; a lost EndTxn reply: committed, but the client cannot know), the recovery is
 * retried, and a read_committed reader finds the record in the dead-letter topic exactly once
 * with the group's offset past it. Also: a transactional template outside any transaction.
 */
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  ConcurrentKafkaListenerContainerFactory,
  DeadLetterPublishingRecoverer,
  DefaultAfterRollbackProcessor,
  DefaultErrorHandler,
  DefaultKafkaConsumerFactory,
  DefaultKafkaProducerFactory,
  FixedBackOff,
  KafkaTemplate,
  KafkaTransactionManager,
  type ConsumerRecord,
  type MessageListenerContainer,
} from '../../../src/index.js';
import { EmbeddedKafka } from '../../../src/testing/index.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, testLogger, unique } from '../support/framework-harness.js';
import { readTopic, values, startFaultCluster } from './tx-harness.js';
import { waitFor } from '../../support/wait-for.js';

/** Kafka's API keys of the requests whose replies are dropped. */
const ADD_OFFSETS_TO_TXN = 25;
const END_TXN = 26;

/** A lost reply costs one request timeout; kafkajs does not retry EndTxn or AddOffsetsToTxn after one. */
const shortTimeouts = { requestTimeout: 1500, connectionTimeout: 1000 };

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producer: Producer;
const closing: Array<{ close(): Promise<void> }> = [];
const running: MessageListenerContainer[] = [];

beforeAll(async () => {
  ({ kafka, probe, producer } = await startFaultCluster());
}, 60_000);
afterEach(async () => {
  kafka.faults.heal();
  await Promise.all(running.splice(0).map((c) => c.stop()));
  await Promise.all(closing.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await producer?.disconnect();
  await probe?.close();
  await kafka?.stop();
});

async function topics(): Promise<{ input: string; dlt: string; group: string }> {
  const input = unique('txdlt-in');
  await probe.createTopic(input, 1);
  await probe.createTopic(`${input}-dlt`, 1);
  await producer.send({ topic: input, messages: ['v0', 'v1', 'v2'].map((value, i) => ({ key: `k${i}`, value })) });
  return { input, dlt: `${input}-dlt`, group: unique('txdlt-group') };
}

function transactionalTemplate(): { template: KafkaTemplate<string, string>; manager: KafkaTransactionManager } {
  const factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka, shortTimeouts), transactionIdPrefix: unique('txdlt-'), logger: testLogger });
  closing.push(factory);
  return { template: new KafkaTemplate(factory, { logger: testLogger }), manager: new KafkaTransactionManager(factory, { logger: testLogger }) };
}

/**
 * A transactional container whose listener fails on v1 (every time), with the shipped
 * recoverer; `onDeadLetter` runs as the dead letter is built (inside the recovery transaction).
 */
async function start(input: string, group: string, onDeadLetter: (attempt: number) => void) {
  const { template, manager } = transactionalTemplate();
  let deadLetters = 0;
  const recoverer = new DeadLetterPublishingRecoverer(template, {
    headersFunction: () => {
      onDeadLetter(++deadLetters);
      return [];
    },
    logger: testLogger,
  });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: {
      groupId: group,
      transactionManager: manager,
      afterRollbackProcessor: new DefaultAfterRollbackProcessor({ backOff: new FixedBackOff(0, 1), recoverer, commitRecovered: true, logger: testLogger }),
    },
    logger: testLogger,
  });
  const container = factory.createContainer(input);
  const processed: string[] = [];
  container.containerProperties.messageListener = (record: ConsumerRecord) => {
    processed.push(String(record.value));
    if (record.value === 'v1') throw new Error('cannot handle v1');
  };
  running.push(container);
  await container.start();
  return { processed, deadLetters: () => deadLetters };
}

async function expectDeadLetteredOnce(dlt: string, input: string, group: string): Promise<void> {
  const dead = await readTopic(kafkaConfig(kafka), dlt, { done: (r) => r.length >= 1, settleMs: 1000 });
  expect(values(dead)).toEqual(['v1']);
  await waitFor(async () => (await probe.committedAt(group, input)) === 3, { what: 'the group committed past every record' });
  // Nothing more shows up once the offset is past all three records.
  const again = await readTopic(kafkaConfig(kafka), dlt, { done: (r) => r.length >= 1, settleMs: 500 });
  expect(again).toHaveLength(1);
}

describe('DeadLetterPublishingRecoverer in a transactional container', () => {
  test('the dead letter joins the recovery transaction: when that transaction aborts, the retried recovery leaves it in the DLT once', { timeout: 60_000 }, async () => {
    const { input, dlt, group } = await topics();
    const dropped = kafka.faults.droppedResponses;
    const { processed, deadLetters } = await start(input, group, (attempt) => {
      // The first recovery transaction loses its AddOffsetsToTxn reply: sendOffsets fails, the transaction aborts.
      if (attempt === 1) kafka.faults.dropResponses({ apiKey: ADD_OFFSETS_TO_TXN, count: 1 });
    });
    await expectDeadLetteredOnce(dlt, input, group);
    expect(kafka.faults.droppedResponses).toBe(dropped + 1);
    expect(deadLetters()).toBe(2);
    // 2 deliveries, a failed recovery, 2 more deliveries, then the recovery that commits.
    expect(processed).toEqual(['v0', 'v1', 'v1', 'v1', 'v1', 'v2']);
    // The aborted attempt's dead letter was written: read_uncommitted readers see both.
    const uncommitted = await readTopic(kafkaConfig(kafka), dlt, { readUncommitted: true, done: (r) => r.length >= 2 });
    expect(values(uncommitted)).toEqual(['v1', 'v1']);
  });

  test('a recovery transaction whose commit reply is lost (it did commit) is not recovered again: the DLT holds the record once', { timeout: 60_000 }, async () => {
    const { input, dlt, group } = await topics();
    const dropped = kafka.faults.droppedResponses;
    const { processed, deadLetters } = await start(input, group, (attempt) => {
      // The next EndTxn is this recovery transaction's commit: the broker commits, the reply never comes.
      if (attempt === 1) kafka.faults.dropResponses({ apiKey: END_TXN, count: 1 });
    });
    await expectDeadLetteredOnce(dlt, input, group);
    expect(kafka.faults.droppedResponses).toBe(dropped + 1);
    // The failed commit was settled at once: it had committed, so the record is not recovered again.
    expect(deadLetters()).toBe(1);
    expect(processed).toEqual(['v0', 'v1', 'v1', 'v2']);
    const uncommitted = await readTopic(kafkaConfig(kafka), dlt, { readUncommitted: true, done: (r) => r.length >= 1, settleMs: 500 });
    expect(values(uncommitted)).toEqual(['v1']);
  });

  test('outside any transaction a transactional template publishes the dead letter in a transaction of its own', { timeout: 30_000 }, async () => {
    const { input, dlt, group } = await topics();
    const { template } = transactionalTemplate();
    const factory = new ConcurrentKafkaListenerContainerFactory({
      consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
      containerProperties: { groupId: group },
      commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template, { logger: testLogger }), new FixedBackOff(0, 0), { logger: testLogger }),
      logger: testLogger,
    });
    const container = factory.createContainer(input);
    container.containerProperties.messageListener = (record: ConsumerRecord) => {
      if (record.value === 'v1') throw new Error('cannot handle v1');
    };
    running.push(container);
    await container.start();
    // read_committed: only a committed transaction's record is visible.
    const dead = await readTopic(kafkaConfig(kafka), dlt, { done: (r) => r.length >= 1 });
    expect(values(dead)).toEqual(['v1']);
    await waitFor(async () => (await probe.committedAt(group, input)) === 3, { what: 'offset 3 committed' });
    expect(template.inTransaction()).toBe(false);
  });
});
