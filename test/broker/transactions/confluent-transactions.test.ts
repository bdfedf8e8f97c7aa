import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { killAll, run } from '../groups/support/processes.js';
import { kafkaClient, rawFetch } from './support/helpers.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// librdkafka 2.0.2 transactions through confluent-kafka-python: init_transactions,
// an aborted transaction, then a consume-transform-produce transaction with
// send_offsets_to_transaction, and a read_committed consumer of the output.

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'support', 'confluent_transactions.py');

let kafka: EmbeddedKafka;
let bootstrap: string;
let raw: KafkaConnection;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent'), config: { 'group.min.session.timeout.ms': 500 } });
  bootstrap = kafka.bootstrapServers[0]!;
  raw = await connectWire(bootstrap);
});
afterEach(() => killAll());
afterAll(async () => {
  killAll();
  raw?.close();
  await kafka?.stop();
});

describe('confluent-kafka-python transactions', () => {
  it('commits the output and the group offsets together with send_offsets_to_transaction; aborted output stays invisible', { timeout: 90_000 }, async () => {
    const inTopic = 'py-txn-in';
    const outTopic = 'py-txn-out';
    const group = 'py-txn-group';
    kafka.broker().instance.controller.createTopic({ name: inTopic, numPartitions: 2, replicationFactor: 1 });
    kafka.broker().instance.controller.createTopic({ name: outTopic, numPartitions: 1, replicationFactor: 1 });
    const producer = kafkaClient(bootstrap).producer();
    await producer.connect();
    await producer.send({ topic: inTopic, messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();

    const result = await run(PYTHON, [SCRIPT], {
      env: { BOOTSTRAP: bootstrap, GROUP: group, IN_TOPIC: inTopic, OUT_TOPIC: outTopic, EXPECTED: '6', TRANSACTIONAL_ID: 'py-txn-id' },
      timeoutMs: 80_000,
    });
    const steps = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(steps.map((s) => s.step), result.stderr).toEqual(['consumed', 'initialized', 'aborted', 'committed', 'read']);
    expect(steps[0]!.count).toBe(6);
    expect(steps[3]!.offsets).toEqual({ [`${inTopic}:0`]: 3, [`${inTopic}:1`]: 3 });
    const read = steps[4]!.values as string[];
    expect([...read].sort()).toEqual(['out-v0', 'out-v1', 'out-v2', 'out-v3', 'out-v4', 'out-v5']);
    expect(result.code).toBe(0);

    // The group's committed offsets, as any client fetches them.
    const committed = await raw.request(ApiKeys.OffsetFetch, 7, {
      groupId: group,
      topics: [{ name: inTopic, partitionIndexes: [0, 1] }],
      requireStable: true,
    });
    expect(committed.errorCode).toBe(0);
    expect(committed.topics[0]!.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset), p.errorCode])).toEqual([[0, 3, 0], [1, 3, 0]]);

    // The output partition: 3 aborted records, their marker, 6 committed ones and theirs.
    const fetched = await rawFetch(raw, outTopic, 0, 0, 1);
    expect(fetched.abortedTransactions).toHaveLength(1);
    expect(fetched.abortedTransactions![0]!.firstOffset).toBe(0);
    expect(fetched.lastStableOffset).toBe(fetched.highWatermark);
    expect(fetched.batches.filter((b) => b.isControl)).toHaveLength(2);
  });
});
