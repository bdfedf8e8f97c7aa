import { CompressionTypes, ConfigResourceTypes, Partitioners, type IHeaders, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { CompressionType, RECORD_BATCH_HEADER_SIZE, readBatchHeader, readBatchSize } from '../../../src/protocol/records/index.js';
import { Cleanup, kafkajsClient, startKafka, stopKafkas } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// kafkajs 2.2.4 against the broker: a 10,000-record gzip round trip through a consumer
// group, the admin API (topics, configs, partitions) and ListOffsets by timestamp.

// DescribeConfigs ConfigSource codes.
const DYNAMIC_TOPIC_CONFIG = 1;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

let kafka: EmbeddedKafka;
let bootstrap: string;
let client: Kafka;
const cleanup = new Cleanup();

beforeAll(async () => {
  kafka = await startKafka({ config: { 'log.segment.bytes': 1048576, 'num.partitions': 1 } });
  bootstrap = kafka.bootstrapServers[0]!;
  client = kafkajsClient(bootstrap, 'kafkajs-clients-test');
});
afterEach(() => cleanup.run());
afterAll(() => stopKafkas());

async function connectedAdmin() {
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  return admin;
}

async function connectedProducer() {
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  return producer;
}

/** The compression codec of every batch stored in a partition, read from the log itself. */
function storedCodecs(topic: string, partition: number): number[] {
  const log = kafka.broker().instance.replicaManager.partition(topic, partition)!.log;
  const read = log.read(log.logStartOffset, 64 << 20, { maxOffset: log.logEndOffset });
  const codecs: number[] = [];
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= read.records.length; at += readBatchSize(read.records, at)) codecs.push(readBatchHeader(read.records, at).compression);
  return codecs;
}

describe('kafkajs', () => {
  it('produces 10,000 gzip records with keys and headers and reads them all back through a consumer group, in order per partition', { timeout: 60_000 }, async () => {
    const topic = 'kafkajs-10k';
    const partitions = 3;
    const total = 10_000;
    const admin = await connectedAdmin();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })).toBe(true);

    const producer = await connectedProducer();
    const valueOf = (i: number) => `value-${i}-${'x'.repeat(i % 50)}`;
    const perBatch = 500;
    for (let start = 0; start < total; start += perBatch) {
      const messages = [];
      for (let i = start; i < start + perBatch; i++) {
        messages.push({
          key: `key-${i}`,
          value: valueOf(i),
          partition: i % partitions,
          headers: { index: String(i), source: 'kafkajs-test', bin: Buffer.from([i & 0xff, 0, 0xff]) } as IHeaders,
        });
      }
      const metadata = await producer.send({ topic, compression: CompressionTypes.GZIP, acks: -1, messages });
      // One batch per partition, at the offset that follows the previous ones.
      for (const m of metadata) expect(m.errorCode).toBe(0);
      expect(metadata.map((m) => m.partition).sort()).toEqual([0, 1, 2]);
      for (const m of metadata) expect(Number(m.baseOffset)).toBe(Math.max(0, Math.ceil((start - m.partition) / partitions)));
    }

    const received: Array<{ partition: number; offset: string; key: string; value: string; headers: IHeaders }> = [];
    const consumer = client.consumer({ groupId: 'kafkajs-10k-group', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
    cleanup.add(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, offset: message.offset, key: message.key!.toString(), value: message.value!.toString(), headers: message.headers ?? {} });
      },
    });
    await waitFor(() => received.length >= total, { timeoutMs: 45_000, what: `${total} records (have ${received.length})` });

    expect(received).toHaveLength(total);
    const byPartition = new Map<number, typeof received>();
    for (const r of received) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2]);
    for (const [partition, records] of byPartition) {
      records.forEach((r, n) => {
        const i = n * partitions + partition;
        expect(r.offset).toBe(String(n));
        expect(r.key).toBe(`key-${i}`);
        expect(r.value).toBe(valueOf(i));
        expect(r.headers.index!.toString()).toBe(String(i));
        expect(r.headers.source!.toString()).toBe('kafkajs-test');
        expect(Buffer.compare(r.headers.bin as Buffer, Buffer.from([i & 0xff, 0, 0xff]))).toBe(0);
      });
    }
    // The broker kept the producer's gzip batches as they were.
    for (let p = 0; p < partitions; p++) {
      const codecs = storedCodecs(topic, p);
      expect(codecs.length).toBe(total / perBatch);
      expect(new Set(codecs)).toEqual(new Set([CompressionType.Gzip]));
    }
    // The group committed what it consumed.
    await waitFor(async () => {
      const committed = await admin.fetchOffsets({ groupId: 'kafkajs-10k-group', topics: [topic] });
      return committed[0]!.partitions.every((p) => p.offset === String(Math.ceil((total - p.partition) / partitions)));
    }, { timeoutMs: 20_000, what: 'committed offsets at the end of each partition' });
  });

  it('creates, describes, alters and deletes topics and their configs, and adds partitions', async () => {
    const admin = await connectedAdmin();
    const topic = 'kafkajs-admin';
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '123456' }, { name: 'max.message.bytes', value: '20000' }] }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    // Creating it again: TOPIC_ALREADY_EXISTS, which kafkajs reports as "not created".
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(false);
    expect(await admin.listTopics()).toContain(topic);

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual([
      [0, 0, [0], [0]],
      [1, 0, [0], [0]],
    ]);

    const describeTopic = async (names: string[]) => {
      const result = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }] });
      expect(result.resources[0]!.errorCode).toBe(0);
      return new Map(result.resources[0]!.configEntries.map((e) => [e.configName, e]));
    };
    let configs = await describeTopic(['retention.ms', 'max.message.bytes', 'segment.bytes', 'cleanup.policy']);
    expect(configs.get('retention.ms')).toMatchObject({ configValue: '123456', isDefault: false, configSource: DYNAMIC_TOPIC_CONFIG });
    expect(configs.get('retention.ms')!.configSynonyms[0]).toMatchObject({ configName: 'retention.ms', configValue: '123456', configSource: DYNAMIC_TOPIC_CONFIG });
    expect(configs.get('max.message.bytes')).toMatchObject({ configValue: '20000', configSource: DYNAMIC_TOPIC_CONFIG });
    // Inherited from the broker's static config, under the broker synonym.
    expect(configs.get('segment.bytes')).toMatchObject({ configValue: '1048576', isDefault: false, configSource: STATIC_BROKER_CONFIG });
    expect(configs.get('segment.bytes')!.configSynonyms).toContainEqual(expect.objectContaining({ configName: 'log.segment.bytes', configValue: '1048576', configSource: STATIC_BROKER_CONFIG }));
    expect(configs.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: DEFAULT_CONFIG });

    // All topic configs when none are named.
    const all = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    const allNames = all.resources[0]!.configEntries.map((e) => e.configName);
    expect(allNames).toEqual(expect.arrayContaining(['cleanup.policy', 'retention.ms', 'segment.bytes', 'min.insync.replicas', 'compression.type']));

    // The broker resource.
    const broker = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configNames: ['log.segment.bytes', 'num.partitions'] }] });
    const brokerConfigs = new Map(broker.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(brokerConfigs.get('log.segment.bytes')).toMatchObject({ configValue: '1048576', configSource: STATIC_BROKER_CONFIG });

    // AlterConfigs (not incremental) replaces every override: max.message.bytes goes back to its default.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '999999' }] }] });
    configs = await describeTopic(['retention.ms', 'max.message.bytes']);
    expect(configs.get('retention.ms')).toMatchObject({ configValue: '999999', configSource: DYNAMIC_TOPIC_CONFIG });
    expect(configs.get('max.message.bytes')).toMatchObject({ configValue: '1048588', configSource: DEFAULT_CONFIG, isDefault: true });
    // validateOnly changes nothing; a bad value is refused.
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '5' }] }] });
    expect((await describeTopic(['retention.ms'])).get('retention.ms')!.configValue).toBe('999999');
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'segment.bytes', value: 'lots' }] }] }),
    ).rejects.toThrow();
    expect((await describeTopic(['retention.ms'])).get('retention.ms')!.configValue).toBe('999999');

    // The changed config is applied to the live log.
    expect(kafka.broker().instance.replicaManager.partition(topic, 0)!.log.config.retentionMs).toBe(999999);

    // CreatePartitions: 2 → 5; records go to the new partitions.
    await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] });
    const grown = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(grown.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
    await expect(admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] })).rejects.toThrow();
    const producer = await connectedProducer();
    const sent = await producer.send({ topic, messages: [{ partition: 4, value: 'to the new partition' }] });
    expect(sent[0]).toMatchObject({ partition: 4, errorCode: 0, baseOffset: '0' });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.find((o) => o.partition === 4)).toMatchObject({ low: '0', high: '1' });

    // DeleteTopics.
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), { what: 'the topic to disappear' });
    expect(kafka.broker().instance.replicaManager.partition(topic, 0)).toBeUndefined();
    // Deleting it again: UNKNOWN_TOPIC_OR_PARTITION (retriable, so ask a client that does not retry).
    const noRetry = client.admin({ retry: { retries: 0 } });
    await noRetry.connect();
    cleanup.add(() => noRetry.disconnect());
    await expect(noRetry.deleteTopics({ topics: [topic], timeout: 5_000 })).rejects.toThrow(/does not host this topic-partition|UNKNOWN_TOPIC/i);
  });

  it('finds the offset of a timestamp in the middle of the data (ListOffsets by timestamp)', async () => {
    const admin = await connectedAdmin();
    const topic = 'kafkajs-timestamps';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = await connectedProducer();
    const base = Date.now() - 3_600_000;
    const count = 100;
    for (let start = 0; start < count; start += 25) {
      const messages = [];
      for (let i = start; i < start + 25; i++) messages.push({ key: `k${i}`, value: `v${i}`, timestamp: String(base + i * 1000) });
      await producer.send({ topic, messages });
    }
    const at = async (timestamp: number) => (await admin.fetchTopicOffsetsByTimestamp(topic, timestamp))[0]!.offset;
    expect(await at(base + 50_000)).toBe('50'); // exactly record 50's timestamp
    expect(await at(base + 50_500)).toBe('51'); // between 50 and 51: the first record at or after it
    expect(await at(base + 37_001)).toBe('38'); // inside a batch (25..49)
    expect(await at(base - 10_000)).toBe('0'); // before everything
    expect(await at(base + 25_000)).toBe('25'); // first record of a batch
    expect(await at(base + count * 1000 + 5)).toBe(String(count)); // after everything: -1, which kafkajs maps to the end
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]).toMatchObject({ partition: 0, low: '0', high: String(count) });
  });
});
