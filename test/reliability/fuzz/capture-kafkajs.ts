/**
 * Drives kafkajs through every API it speaks (produce with each codec, idempotent and
 * transactional producers, a consumer group, the admin client), so that the recording proxy
 * in front of the broker captures those requests for the fuzz corpus.
 */
import kafkajs from 'kafkajs';
import { compress, CompressionType, decompress } from '../../../src/protocol/compression/index.js';

// kafkajs is CommonJS: under plain Node only its default export is importable by name.
const { CompressionCodecs, CompressionTypes, ConfigResourceTypes, Kafka, logLevel } = kafkajs;

/** kafkajs ships gzip only; snappy, lz4 and zstd use the project's codecs (as the framework's users would). */
function registerCodecs(): void {
  const codecs = [
    [CompressionTypes.Snappy, CompressionType.Snappy],
    [CompressionTypes.LZ4, CompressionType.Lz4],
    [CompressionTypes.ZSTD, CompressionType.Zstd],
  ] as const;
  for (const [kafkajsType, type] of codecs) {
    CompressionCodecs[kafkajsType] = () => ({
      compress: (encoder: { buffer: Buffer }) => compress(type, encoder.buffer),
      decompress: (buffer: Buffer) => decompress(type, buffer),
    });
  }
}

type Step = (name: string, run: () => Promise<unknown>) => Promise<void>;

export async function driveKafkajs(bootstrap: string, step: Step): Promise<void> {
  registerCodecs();
  const kafka = new Kafka({
    clientId: 'fuzz-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    requestTimeout: 10_000,
  });
  const topic = 'fuzz-kafkajs';
  const admin = kafka.admin();
  await step('kafkajs admin', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: 'fuzz-kafkajs-doomed', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }, { type: ConfigResourceTypes.BROKER, name: '0' }], includeSynonyms: true });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.describeCluster();
  });

  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await step('kafkajs producer (each codec)', async () => {
    await producer.connect();
    for (const compression of [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
      await producer.send({
        topic,
        compression,
        messages: [
          { key: 'k1', value: `value ${compression} `.repeat(8), headers: { h: 'v' } },
          { key: null, value: 'second', partition: 1 },
        ],
      });
    }
    await producer.send({ topic, acks: 1, messages: [{ value: 'acks=1' }] });
    await producer.send({ topic, acks: 0, messages: [{ value: 'acks=0' }] });
    await producer.disconnect();
  });

  await step('kafkajs idempotent producer', async () => {
    const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await idempotent.connect();
    await idempotent.send({ topic, messages: [{ key: 'i', value: 'idempotent' }] });
    await idempotent.disconnect();
  });

  await step('kafkajs transactions', async () => {
    const tx = kafka.producer({ transactionalId: 'fuzz-tx', idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const committed = await tx.transaction();
    await committed.send({ topic, messages: [{ key: 't', value: 'in a transaction' }] });
    await committed.sendOffsets({ consumerGroupId: 'fuzz-tx-group', topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }] });
    await committed.commit();
    const aborted = await tx.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    await tx.disconnect();
  });

  await step('kafkajs consumer group', async () => {
    const consumer = kafka.consumer({ groupId: 'fuzz-kafkajs-group', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen} records only`)), 20_000);
      void consumer.run({
        autoCommit: true,
        eachMessage: async () => {
          if (++seen === 5) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 1000)); // a heartbeat and an offset commit go out
    await consumer.disconnect();
  });

  await step('kafkajs admin (groups, offsets, records, deletes)', async () => {
    await admin.listGroups();
    await admin.describeGroups(['fuzz-kafkajs-group']);
    await admin.fetchOffsets({ groupId: 'fuzz-kafkajs-group', topics: [topic] });
    await admin.fetchTopicOffsets(topic);
    await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60_000);
    await admin.setOffsets({ groupId: 'fuzz-kafkajs-group', topic, partitions: [{ partition: 0, offset: '0' }] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] });
    await admin.deleteGroups(['fuzz-kafkajs-group']);
    await admin.deleteTopics({ topics: ['fuzz-kafkajs-doomed'] });
    await admin.disconnect();
  });
}
