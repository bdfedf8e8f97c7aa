import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/index.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { closeRawConnections, expectSuccess, openWire, python, removeTempDirs, startKafka, stopKafka, stopKafkas, tempDir, testLogger } from '../../support/broker-harness.js';

// librdkafka (confluent-kafka) against a real-clock cluster of two brokers: a producer over its
// producer_byte_rate is told so in throttle_time_ms (librdkafka's throttle_cb reports it),
// a producer with another client id on the same broker is not. The quota, set through one
// broker, is in the cluster's metadata log: every broker has it, also after a restart.

const PRODUCE = `
import json, sys
from confluent_kafka import Producer
bootstrap, topic, client_id, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
throttles = []
producer = Producer({'bootstrap.servers': bootstrap, 'client.id': client_id, 'linger.ms': 50,
                     'throttle_cb': lambda event: throttles.append(event.throttle_time)})
delivered = []
for i in range(count):
    producer.produce(topic, value=b'x' * 1000, on_delivery=lambda err, msg: delivered.append(err is None))
    producer.poll(0)
producer.flush(30)
producer.poll(0.5)
print(json.dumps({'delivered': sum(delivered), 'maxThrottleSeconds': max(throttles) if throttles else 0}))
`;

let kafka: EmbeddedKafka;
let address: string;
const dataDir = tempDir('streamwright-quota-cluster-');
const clusterOptions = { logger: testLogger, brokers: 2, dataDir };

beforeAll(async () => {
  kafka = await startKafka({ ...clusterOptions, topics: ['throttled'] });
  address = kafka.bootstrapServers[0]!;
  const admin = await openWire(address, 'quota-admin');
  // 10 000 B/s: the first 10 s window holds 100 KB; 130 records of 1 KB overshoot it.
  const set = await admin.request(ApiKeys.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'py-slow' }], ops: [{ key: 'producer_byte_rate', value: 10_000, remove: false }] }],
    validateOnly: false,
  });
  expect(set.entries[0]!.errorCode).toBe(0);
});

afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
  removeTempDirs();
});

describe('confluent-kafka and producer_byte_rate', () => {
  it('the limited client id sees throttle_time_ms in its produce responses; another client id does not', async () => {
    const [slow, fast] = await Promise.all([
      python(PRODUCE, [address, 'throttled', 'py-slow', '130'], { timeoutMs: 60_000 }),
      python(PRODUCE, [address, 'throttled', 'py-fast', '130'], { timeoutMs: 60_000 }),
    ]);
    const slowResult = JSON.parse(expectSuccess(slow, 'throttled producer').stdout) as { delivered: number; maxThrottleSeconds: number };
    const fastResult = JSON.parse(expectSuccess(fast, 'unthrottled producer').stdout) as { delivered: number; maxThrottleSeconds: number };
    expect(slowResult.delivered).toBe(130);
    expect(slowResult.maxThrottleSeconds).toBeGreaterThan(0);
    expect(fastResult.delivered).toBe(130);
    expect(fastResult.maxThrottleSeconds).toBe(0);
  }, 90_000);
});

describe('quotas in a cluster', () => {
  it('every broker has the quota set through one, and the cluster has it after a restart', async () => {
    const quotaOf = async (host: string) => {
      const connection = await openWire(host, 'quota-reader');
      const response = await connection.request(ApiKeys.DescribeClientQuotas, 1, { components: [{ entityType: 'client-id', matchType: 0, match: 'py-slow' }], strict: true });
      connection.close();
      return response.entries?.map((e) => e.values.map((v) => `${v.key}=${v.value}`).join(',')) ?? [];
    };
    for (const host of kafka.bootstrapServers) expect(await quotaOf(host)).toEqual(['producer_byte_rate=10000']);
    await stopKafka(kafka);
    kafka = await startKafka(clusterOptions);
    for (const host of kafka.bootstrapServers) expect(await quotaOf(host)).toEqual(['producer_byte_rate=10000']);
  }, 60_000);
});
