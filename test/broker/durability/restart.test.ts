import { ConfigResourceTypes, Partitioners } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, closeRawConnections, kafkajsClient, kcatReadAll, openWire, removeTempDirs, startKafka, stopKafka, stopKafkas, tempDir } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';

// A clean stop and a start on the same data dir: every record at its offset, the log start
// offset moved by DeleteRecords, topic configs and committed group offsets are all still
// there, and producing continues at the old log end offset.

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  killChildren();
  closeRawConnections();
  await stopKafkas();
});
afterAll(() => removeTempDirs());

it('keeps every record, offset, config and committed offset across restarts, and appends at the old end', { timeout: 60_000 }, async () => {
  const dataDir = tempDir('streamwright-restart-');
  const topic = 'restart-topic';
  const group = 'restart-group';
  const perPartition = 1500;
  const config = { 'log.segment.bytes': 16384 };
  const valueOf = (p: number, n: number) => `p${p}-n${n}-${'r'.repeat(n % 40)}`;

  // First life: create, produce, move the start of partition 1, commit a group offset.
  let kafka = await startKafka({ dataDir, config });
  let client = kafkajsClient(kafka.bootstrapServers[0]!);
  let admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true });
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.add(() => producer.disconnect());
  for (let start = 0; start < perPartition; start += 250) {
    const messages = [];
    for (let n = start; n < start + 250; n++) for (const p of [0, 1]) messages.push({ partition: p, key: `k${n}`, value: valueOf(p, n) });
    await producer.send({ topic, acks: -1, messages });
  }
  await admin.fetchTopicOffsets(topic); // kafkajs's deleteTopicRecords needs the topic in its metadata cache first
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 1, offset: '100' }] });
  // A standalone commit (generation -1), as admin tools do (kafkajs's setOffsets runs a whole consumer).
  const raw = await openWire(kafka.bootstrapServers[0]!);
  const commit = await raw.request(ApiKeys.OffsetCommit, 2, {
    groupId: group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    retentionTimeMs: -1n,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 700n, committedMetadata: '' }, { partitionIndex: 1, committedOffset: 900n, committedMetadata: '' }] }],
  });
  expect(commit.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0]);
  raw.close();
  const before = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
  expect(before.map((o) => [o.partition, o.low, o.high])).toEqual([
    [0, '0', String(perPartition)],
    [1, '100', String(perPartition)],
  ]);
  const topicIdOf = async (bootstrap: string) => {
    const metadata = await openWire(bootstrap);
    const response = await metadata.request(ApiKeys.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    metadata.close();
    return response.topics[0]!.topicId;
  };
  const topicId = await topicIdOf(kafka.bootstrapServers[0]!);
  expect(topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
  const segmentsBefore = kafka.broker().instance.replicaManager.partition(topic, 0)!.log.numberOfSegments;
  expect(segmentsBefore).toBeGreaterThan(3); // the data spans several segments
  await producer.disconnect();
  await admin.disconnect();
  await stopKafka(kafka);

  for (let life = 2; life <= 3; life++) {
    // Next life: a new port, the same data dir.
    kafka = await startKafka({ dataDir, config });
    const bootstrap = kafka.bootstrapServers[0]!;
    client = kafkajsClient(bootstrap);
    admin = client.admin();
    await admin.connect();
    cleanup.add(() => admin.disconnect());
    const appended = (life - 2) * 2; // records appended per partition in earlier lives

    const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    expect(offsets.map((o) => [o.partition, o.low, o.high])).toEqual([
      [0, '0', String(perPartition + appended)],
      [1, '100', String(perPartition + appended)],
    ]);
    expect(kafka.broker().instance.replicaManager.partition(topic, 0)!.log.numberOfSegments).toBeGreaterThanOrEqual(segmentsBefore);

    // Every record, at its offset.
    const lines = await kcatReadAll(bootstrap, topic, '%p %o %k %s\\n');
    const expected: string[] = [];
    for (const p of [0, 1]) {
      for (let n = p === 1 ? 100 : 0; n < perPartition; n++) expected.push(`${p} ${n} k${n} ${valueOf(p, n)}`);
      for (let a = 0; a < appended; a++) expected.push(`${p} ${perPartition + a} after-${Math.floor(a / 2) + 2}-${a % 2} appended in life ${Math.floor(a / 2) + 2}`);
    }
    expect(lines.sort()).toEqual(expected.sort());

    // Topic id, topic config and group offsets.
    expect(await topicIdOf(bootstrap)).toBe(topicId);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    expect(described.resources[0]!.configEntries[0]).toMatchObject({ configName: 'retention.ms', configValue: '-1', configSource: 1 });
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual(['700', '900']);

    // Producing continues at the old end.
    const next = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await next.connect();
    cleanup.add(() => next.disconnect());
    for (const p of [0, 1]) {
      const sent = await next.send({
        topic,
        acks: -1,
        messages: [0, 1].map((i) => ({ partition: p, key: `after-${life}-${i}`, value: `appended in life ${life}` })),
      });
      expect(sent[0]).toMatchObject({ partition: p, errorCode: 0, baseOffset: String(perPartition + appended) });
    }
    await next.disconnect();
    await admin.disconnect();
    await stopKafka(kafka);
  }
});
