/**
 * acks=0 Produce: the broker never answers, so an error is reported the way Kafka does it, by
 * closing the connection; the producer then refreshes its metadata instead of losing records
 * without a word. A produce that succeeds keeps the connection open.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { decodeResponse } from '../../../src/protocol/codec.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { closeRawConnections, kafkajsClient, openRaw, startKafka, stopKafkas, type RawConnection } from '../../support/broker-harness.js';

const TOPIC = 'acks-zero';
let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await startKafka();
  bootstrap = kafka.bootstrapServers[0]!;
  const admin = kafkajsClient(bootstrap, 'acks-zero-test').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});
afterEach(() => closeRawConnections());
afterAll(() => stopKafkas());

const logEnd = () => kafka.broker().instance.replicaManager.partition(TOPIC, 0)!.log.logEndOffset;

function acksZeroProduce(connection: RawConnection, topic: string, partition: number, records: Buffer): Buffer {
  return connection.encode(ApiKeys.Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
}

const batch = (value: string) => encodeRecordBatchSync({ records: [{ key: 'k', value }] });

async function expectOpen(connection: RawConnection): Promise<void> {
  const versions = await connection.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  expect(versions.errorCode).toBe(0);
}

describe('acks=0 Produce', () => {
  it('keeps the connection open and stores the records when the produce succeeds', async () => {
    const connection = await openRaw(bootstrap);
    const end = logEnd();
    await connection.write(acksZeroProduce(connection, TOPIC, 0, batch('fire and forget')));
    await expectOpen(connection);
    expect(logEnd()).toBe(end + 1);
  });

  it.each([
    { name: 'an unknown topic', topic: 'no-such-topic', partition: 0, records: () => batch('lost?') },
    { name: 'a partition the topic does not have', topic: TOPIC, partition: 7, records: () => batch('lost?') },
    {
      name: 'a batch with a bad CRC',
      topic: TOPIC,
      partition: 0,
      records: () => {
        const corrupt = batch('flipped');
        corrupt[corrupt.length - 1]! ^= 1;
        return corrupt;
      },
    },
  ])('closes the connection for $name, after answering the requests before it', async ({ topic, partition, records }) => {
    const connection = await openRaw(bootstrap);
    const end = logEnd();
    const metadataId = connection.nextCorrelationId();
    const metadata = connection.encode(ApiKeys.Metadata, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }, metadataId);
    await connection.write(Buffer.concat([metadata, acksZeroProduce(connection, topic, partition, records())]));
    const answered = decodeResponse(ApiKeys.Metadata, 12, await connection.nextFrame());
    expect(answered.correlationId).toBe(metadataId);
    expect(await connection.closesWithin(10_000)).toBe(true);
    expect(logEnd()).toBe(end);
  });
});

describe('acks=0 Produce in a cluster', () => {
  it('closes the connection to a broker that is not the partition leader, and the leader takes the records', { timeout: 60_000 }, async () => {
    const cluster = await startKafka({ brokers: 2 });
    const admin = kafkajsClient(cluster.bootstrapServers[0]!, 'acks-zero-cluster').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'acks-zero-led', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const probe = await openRaw(cluster.bootstrapServers[0]!);
    const metadata = await probe.request(ApiKeys.Metadata, 12, { topics: [{ name: 'acks-zero-led' }], allowAutoTopicCreation: false });
    const leader = metadata.topics[0]!.partitions[0]!.leaderId;
    const address = (nodeId: number) => {
      const broker = metadata.brokers.find((b) => b.nodeId === nodeId)!;
      return `${broker.host}:${broker.port}`;
    };
    const follower = metadata.brokers.map((b) => b.nodeId).find((id) => id !== leader)!;

    const wrong = await openRaw(address(follower));
    await wrong.write(acksZeroProduce(wrong, 'acks-zero-led', 0, batch('sent to the wrong broker')));
    expect(await wrong.closesWithin(10_000)).toBe(true);

    const right = await openRaw(address(leader));
    await right.write(acksZeroProduce(right, 'acks-zero-led', 0, batch('sent to the leader')));
    await expectOpen(right);
    expect(cluster.broker(leader).instance.replicaManager.partition('acks-zero-led', 0)!.log.logEndOffset).toBe(1);
  });
});
