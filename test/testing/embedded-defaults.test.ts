/**
 * The defaults EmbeddedKafka changes for tests, read back from the broker: the internal topics
 * have 5 partitions (Kafka's 50 cost a test run seconds creating and closing their logs), and
 * a config given to start() still wins.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import type { KafkaConnection } from '../../src/client/kafka-connection.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { connectWire } from '../support/wire-client.js';

let kafka: EmbeddedKafka;
let wire: KafkaConnection;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start();
  wire = await connectWire(kafka.bootstrapServers[0]!);
});

afterAll(async () => {
  wire?.close();
  await kafka?.stop();
});

/** FindCoordinator for a group (key type 0) or a transactional id (1): creates the internal topic behind it. */
async function findCoordinator(key: string, keyType: 0 | 1, connection = wire): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await connection.request(ApiKeys.FindCoordinator, 3, { key, keyType });
    if (response.errorCode === ErrorCode.NONE) return;
    expect(response.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no coordinator for ${key}`);
}

test('__consumer_offsets and __transaction_state get 5 partitions, replicated once', async () => {
  await findCoordinator('a-group', 0);
  await findCoordinator('a-transactional-id', 1);
  const metadata = kafka.broker().instance.metadata;
  for (const name of ['__consumer_offsets', '__transaction_state']) {
    const topic = metadata.topic(name);
    expect(topic?.partitions.length, name).toBe(5);
    expect(topic?.partitions.every((p) => p.replicas.length === 1), name).toBe(true);
  }
});

test('a config given to start() wins over those defaults', async () => {
  const own = await EmbeddedKafka.start({ config: { 'offsets.topic.num.partitions': 2 } });
  const connection = await connectWire(own.bootstrapServers[0]!);
  try {
    await findCoordinator('g', 0, connection);
    expect(own.broker().instance.metadata.topic('__consumer_offsets')?.partitions.length).toBe(2);
  } finally {
    connection.close();
    await own.stop();
  }
});
