/**
 * Commit points of every AckMode, proven by reading the group's committed offsets back from
 * the broker (and by the exact sequence of commits), plus stop-mid-batch-and-restart.
 */
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConcurrentKafkaListenerContainerFactory } from '../../src/framework/config/concurrent-kafka-listener-container-factory.js';
import { DefaultKafkaConsumerFactory } from '../../src/framework/core/consumer-factory.js';
import { AckMode } from '../../src/framework/listener/ack-mode.js';
import type { ContainerPropertiesInit } from '../../src/framework/listener/container-properties.js';
import type { MessageListenerContainer } from '../../src/framework/listener/message-listener-container.js';
import type { Acknowledgment } from '../../src/framework/support/acknowledgment.js';
import type { ConsumerRecord } from '../../src/framework/support/consumer-record.js';
import type { ConsumerRecords } from '../../src/framework/support/consumer-records.js';
import { BrokerProbe, FAST_CONSUMER, Gate, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let producer: Producer;
const running: MessageListenerContainer[] = [];

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await producer.disconnect();
  await probe.close();
  await kafka.stop();
});

type RecordListener = (record: ConsumerRecord, ack: Acknowledgment) => unknown;

/** A one-partition topic holding `count` records (produced in one request, so one batch), and a group. */
async function topicWithRecords(count = 5) {
  const topic = unique('acks');
  await probe.createTopic(topic, 1);
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  return { topic, group: unique('group') };
}

async function startContainer(topic: string, group: string, properties: ContainerPropertiesInit, listener: ContainerPropertiesInit['messageListener']) {
  const commits: number[] = [];
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: kafkaConfig(kafka), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group, commitCallback: (offsets, error) => !error && offsets.forEach((o) => commits.push(o.offset)), ...properties },
    logger: testLogger,
  });
  const container = factory.createContainer(topic);
  container.containerProperties.messageListener = listener;
  running.push(container);
  await container.start();
  return { container, commits };
}

/** Runs a record listener that can be held inside one offset. */
async function scenario(properties: ContainerPropertiesInit, onRecord: RecordListener = () => undefined, holdAt?: number) {
  const { topic, group } = await topicWithRecords();
  const gate = new Gate();
  const seen: number[] = [];
  let holding = false;
  const { container, commits } = await startContainer(topic, group, properties, async (record: ConsumerRecord, ack: Acknowledgment) => {
    seen.push(record.offset);
    await onRecord(record, ack);
    if (record.offset === holdAt) {
      holding = true;
      await gate.wait();
    }
  });
  return {
    topic,
    group,
    container,
    commits,
    seen,
    held: () => waitFor(() => holding, { what: `listener held at ${holdAt}` }),
    release: () => gate.open(),
    allSeen: (n = 5) => waitFor(() => new Set(seen).size >= n, { what: `${n} records` }),
    committed: () => probe.committedAt(group, topic),
  };
}

describe('commit points by AckMode', () => {
  test('RECORD: each record is committed before the next is delivered', async () => {
    const s = await scenario({ ackMode: AckMode.RECORD }, undefined, 2);
    await s.held();
    expect(await s.committed()).toBe(2);
    s.release();
    await s.allSeen();
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5' });
    expect(s.commits).toEqual([1, 2, 3, 4, 5]);
  });

  test('BATCH: nothing is committed until the batch is done, then everything', async () => {
    const s = await scenario({ ackMode: AckMode.BATCH }, undefined, 2);
    await s.held();
    expect(await s.committed()).toBe(-1);
    s.release();
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5' });
    expect(s.commits).toEqual([5]);
  });

  test('COUNT: every ackCount records; the remainder waits (here: for stop)', async () => {
    const s = await scenario({ ackMode: AckMode.COUNT, ackCount: 2 }, undefined, 3);
    await s.held();
    expect(await s.committed()).toBe(2);
    s.release();
    await s.allSeen();
    await waitFor(async () => (await s.committed()) === 4, { what: 'commit of 4' });
    await s.container.stop();
    expect(await s.committed()).toBe(5);
    expect(s.commits).toEqual([2, 4, 5]);
  });

  test('TIME: nothing before ackTime has passed (the pending offsets are committed on stop)', async () => {
    const s = await scenario({ ackMode: AckMode.TIME, ackTime: 3_600_000 }, undefined, 2);
    await s.held();
    expect(await s.committed()).toBe(-1);
    s.release();
    await s.allSeen();
    expect(await s.committed()).toBe(-1);
    await s.container.stop();
    expect(await s.committed()).toBe(5);
    expect(s.commits).toEqual([5]);
  });

  test('TIME: with ackTime 0 every record is due', async () => {
    const s = await scenario({ ackMode: AckMode.TIME, ackTime: 0 }, undefined, 2);
    await s.held();
    expect(await s.committed()).toBe(2);
    s.release();
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5' });
    expect(s.commits).toEqual([1, 2, 3, 4, 5]);
  });

  test('COUNT_TIME: whichever comes first', async () => {
    const s = await scenario({ ackMode: AckMode.COUNT_TIME, ackCount: 2, ackTime: 3_600_000 }, undefined, 3);
    await s.held();
    expect(await s.committed()).toBe(2);
    s.release();
    await waitFor(async () => (await s.committed()) === 4, { what: 'commit of 4' });
    await s.container.stop();
    expect(s.commits).toEqual([2, 4, 5]);
  });

  test('MANUAL: acks commit with the batch; out-of-order acks commit only the contiguous prefix', async () => {
    let late: Acknowledgment | undefined;
    const s = await scenario({ ackMode: AckMode.MANUAL }, (record, ack) => {
      if (record.offset === 1) late = ack;
      else ack.acknowledge();
    });
    await s.allSeen();
    await waitFor(async () => (await s.committed()) === 1, { what: 'commit of 1' });
    expect(s.commits).toEqual([1]);
    late!.acknowledge();
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5 after the late ack' });
    expect(s.commits).toEqual([1, 5]);
  });

  test('MANUAL_IMMEDIATE: acknowledge() commits at once, never past an unacknowledged record', async () => {
    let late: Acknowledgment | undefined;
    const s = await scenario(
      { ackMode: AckMode.MANUAL_IMMEDIATE },
      (record, ack) => {
        if (record.offset === 1) late = ack;
        else ack.acknowledge();
      },
      3,
    );
    await s.held();
    expect(await s.committed()).toBe(1);
    s.release();
    await s.allSeen();
    expect(await s.committed()).toBe(1);
    late!.acknowledge();
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5' });
    expect(s.commits).toEqual([1, 5]);
  });

  test('acknowledge() outside manual modes is a harmless no-op', async () => {
    const s = await scenario({ ackMode: AckMode.BATCH }, (_record, ack) => ack.acknowledge());
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5' });
    expect(s.commits).toEqual([5]);
  });
});

describe('nack', () => {
  test('record nack: earlier records are committed, this one and the rest come back after the sleep', async () => {
    let committedAtRedelivery: number | undefined;
    let nacked = false;
    const s = await scenario({ ackMode: AckMode.MANUAL_IMMEDIATE }, async (record, ack) => {
      if (record.offset === 2 && !nacked) {
        nacked = true;
        ack.nack(200);
        return;
      }
      if (record.offset === 2) committedAtRedelivery = await probe.committedAt(s.group, s.topic);
      ack.acknowledge();
    });
    await waitFor(async () => (await s.committed()) === 5, { what: 'commit of 5' });
    expect(s.seen).toEqual([0, 1, 2, 2, 3, 4]);
    expect(committedAtRedelivery).toBe(2);
  });

  test('batch nack(index): records before the index are committed, the rest are redelivered', async () => {
    const { topic, group } = await topicWithRecords();
    const batches: number[][] = [];
    const { commits } = await startContainer(topic, group, { ackMode: AckMode.MANUAL }, {
      batch: true,
      onMessage: (records: ConsumerRecords, ack: Acknowledgment) => {
        batches.push(records.map((r) => r.offset));
        if (batches.length === 1) ack.nack(2, 100);
        else ack.acknowledge();
      },
    });
    await waitFor(async () => (await probe.committedAt(group, topic)) === 5, { what: 'commit of 5' });
    expect(batches).toEqual([[0, 1, 2, 3, 4], [2, 3, 4]]);
    expect(commits).toEqual([2, 5]);
  });

  test('nack after the listener returned is refused', async () => {
    let saved: Acknowledgment | undefined;
    const s = await scenario({ ackMode: AckMode.MANUAL }, (record, ack) => {
      if (record.offset === 0) saved = ack;
      ack.acknowledge();
    });
    await s.allSeen();
    expect(() => saved!.nack(10)).toThrow(/before the listener returns/);
  });
});

describe('batch listeners', () => {
  test('BATCH commits after the batch listener returns', async () => {
    const { topic, group } = await topicWithRecords();
    const batches: number[][] = [];
    const { commits } = await startContainer(topic, group, { ackMode: AckMode.BATCH }, {
      batch: true,
      onMessage: (records: ConsumerRecords) => {
        batches.push(records.map((r) => r.offset));
      },
    });
    await waitFor(async () => (await probe.committedAt(group, topic)) === 5, { what: 'commit of 5' });
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
    expect(commits).toEqual([5]);
  });

  test('AckMode.RECORD with a batch listener is refused at start', async () => {
    const { topic, group } = await topicWithRecords(1);
    await expect(startContainer(topic, group, { ackMode: AckMode.RECORD }, { batch: true, onMessage: () => undefined })).rejects.toThrow('Cannot use AckMode.RECORD with a batch listener');
  });
});

describe('stop mid-batch, then restart', () => {
  const modes = [AckMode.RECORD, AckMode.BATCH, AckMode.COUNT, AckMode.TIME, AckMode.MANUAL, AckMode.MANUAL_IMMEDIATE] as const;
  test.each(modes)('%s: the record in hand is finished and committed; nothing is lost', async (ackMode) => {
    const { topic, group } = await topicWithRecords();
    const manual = ackMode === AckMode.MANUAL || ackMode === AckMode.MANUAL_IMMEDIATE;
    const gate = new Gate();
    const first: number[] = [];
    let holding = false;
    const props = { ackMode, ackCount: 10, ackTime: 3_600_000 };
    const { container } = await startContainer(topic, group, props, async (record: ConsumerRecord, ack: Acknowledgment) => {
      first.push(record.offset);
      if (record.offset === 2) {
        holding = true;
        await gate.wait();
        return; // in manual modes the record in hand stays unacknowledged
      }
      ack.acknowledge();
    });
    await waitFor(() => holding, { what: 'listener inside offset 2' });
    const stopping = container.stop();
    gate.open();
    await stopping;
    expect(first).toEqual([0, 1, 2]);
    // Processed records are committed on stop; an unacknowledged one is not.
    expect(await probe.committedAt(group, topic)).toBe(manual ? 2 : 3);

    const second: number[] = [];
    await startContainer(topic, group, props, (record: ConsumerRecord, ack: Acknowledgment) => {
      second.push(record.offset);
      ack.acknowledge();
    });
    await waitFor(() => second.includes(4), { what: 'the rest after restart' });
    expect(second).toEqual(manual ? [2, 3, 4] : [3, 4]);
    expect(new Set([...first, ...second])).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  test('stopImmediate: false finishes the whole batch before stopping (Spring\'s default)', async () => {
    const { topic, group } = await topicWithRecords();
    const gate = new Gate();
    const seen: number[] = [];
    const { container } = await startContainer(topic, group, { ackMode: AckMode.BATCH, stopImmediate: false }, async (record: ConsumerRecord) => {
      seen.push(record.offset);
      if (record.offset === 2) await gate.wait();
    });
    await waitFor(() => seen.includes(2), { what: 'listener inside offset 2' });
    const stopping = container.stop();
    gate.open();
    await stopping;
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(await probe.committedAt(group, topic)).toBe(5);
  });
});
