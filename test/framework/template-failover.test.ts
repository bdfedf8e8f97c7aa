/**
 * A KafkaTemplate never reports success for a record the cluster did not acknowledge:
 * concurrent sends across several partitions of a replicated topic run while a leader is
 * killed, batched and one request per send; every resolved send is in the log exactly once,
 * at the partition and offset its SendResult gives, and every other send was rejected.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DefaultKafkaProducerFactory, KafkaTemplate, type KafkaTemplateOptions } from '../../src/index.js';
import { kcatReadAll, removeTempDirs, stopKafkas } from '../support/broker-harness.js';
import { clusterClient, startCluster } from '../broker/replication/support/cluster-harness.js';
import { testLogger } from './support/framework-harness.js';

afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

describe.each<[string, KafkaTemplateOptions<string, string>]>([
  // Sends started in the same event-loop turn share a request per partition (the default).
  ['batching (lingerMs 0)', { lingerMs: 0 }],
  // Every send its own request, many of them in flight at once.
  ['one request per send (batchSize 0)', { batchSize: 0 }],
])('KafkaTemplate across a leader failover, %s', (_name, options) => {
  it('resolves only acknowledged sends, each exactly once at its reported offset', { timeout: 120_000 }, async () => {
    const kafka = await startCluster();
    const topic = 'template-failover';
    const admin = clusterClient(kafka, 'failover-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await admin.disconnect();

    const factory = new DefaultKafkaProducerFactory({
      kafka: { brokers: kafka.bootstrapServers, clientId: 'template-failover', connectionTimeout: 3_000, requestTimeout: 30_000, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } },
      producerConfig: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
      logger: testLogger,
    });
    const template = new KafkaTemplate<string, string>(factory, { ...options, logger: testLogger, producerListener: {} });
    const resolved = new Map<string, string>(); // value -> "partition@offset"
    const rejected: string[] = [];
    const leaders = kafka.controller!.metadata.topic(topic)!.partitions.map((p) => p.leaderId);
    // The broker leading most partitions, so the failover moves several of them at once.
    const victim = [...new Set(leaders)].sort((a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length)[0]!;
    let killed = false;

    const worker = async (name: string) => {
      for (let round = 0; round < 40; round++) {
        const values = Array.from({ length: 12 }, (_, i) => `${name}-${round}-${i}`);
        const outcomes = await Promise.allSettled(values.map((value) => template.send(topic, value)));
        outcomes.forEach((outcome, i) => {
          if (outcome.status === 'fulfilled') resolved.set(values[i]!, `${outcome.value.recordMetadata.partition}@${outcome.value.recordMetadata.offset}`);
          else rejected.push(values[i]!);
        });
        if (!killed && resolved.size >= 600) {
          killed = true;
          await kafka.broker(victim).kill();
        }
      }
    };
    try {
      await Promise.all(['a', 'b', 'c', 'd'].map(worker));
    } finally {
      await factory.close();
    }
    expect(killed).toBe(true);
    expect(resolved.size + rejected.length).toBe(4 * 40 * 12);
    // The template rode out the failover: most sends were acknowledged after it.
    expect(resolved.size).toBeGreaterThan(1200);

    const live = kafka.nodeIds.filter((id) => kafka.broker(id).isRunning).map((id) => `${kafka.broker(id).instance.host}:${kafka.broker(id).instance.port}`);
    const lines = await kcatReadAll(live.join(','), topic, '%p@%o %s\\n');
    const placeOf = new Map<string, string[]>();
    for (const line of lines) {
      const [place, value] = line.split(' ') as [string, string];
      placeOf.set(value, [...(placeOf.get(value) ?? []), place]);
    }
    const wrong = [...resolved].filter(([value, place]) => placeOf.get(value)?.length !== 1 || placeOf.get(value)![0] !== place);
    expect(wrong).toEqual([]);
    // A rejected send may have reached the log (no acknowledgement came back), but never twice.
    expect(rejected.filter((value) => (placeOf.get(value)?.length ?? 0) > 1)).toEqual([]);
  });
});
