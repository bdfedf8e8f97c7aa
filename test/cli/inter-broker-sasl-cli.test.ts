// `streamwright broker --brokers 2` with a SASL_PLAINTEXT inter-broker listener and PLAIN: the
// command line has no users option, so the broker user is a `user_*` of the listener's JAAS
// entry next to its own `username`/`password`. A wrong password stops the command at start-up.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, killChildren, lines, startBrokerProcess } from './cli-process.js';
import { waitFor } from '../support/wait-for.js';

const JAAS_KEY = 'listener.name.sasl_plaintext.plain.sasl.jaas.config';
const args = (password: string) => [
  '--brokers', '2', '--port', '0', '--log-level', 'warn',
  '--config', 'listeners=SASL_PLAINTEXT://127.0.0.1:0',
  '--config', 'inter.broker.listener.name=SASL_PLAINTEXT',
  '--config', 'sasl.enabled.mechanisms=PLAIN',
  '--config', 'sasl.mechanism.inter.broker.protocol=PLAIN',
  '--config', 'offsets.topic.replication.factor=2',
  '--config', `${JAAS_KEY}=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="${password}" user_broker="broker-secret" user_alice="alice-secret";`,
];

afterAll(() => killChildren());

describe('streamwright broker with SASL between its brokers', () => {
  it('replicates an acks=all produce over the authenticated inter-broker listener', { timeout: 60_000 }, async () => {
    const broker = await startBrokerProcess(args('broker-secret'), 30_000);
    await waitFor(() => lines(broker.stdout()).length >= 2, { what: 'two "listening on" lines', timeoutMs: 30_000 });
    const brokers = lines(broker.stdout()).map((line) => line.replace('listening on ', ''));
    const kafka = new Kafka({ clientId: 'inter-broker-sasl-cli', brokers, sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'cli-sasl', numPartitions: 1, replicationFactor: 2, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    const [acked] = await producer.send({ topic: 'cli-sasl', acks: -1, messages: [{ value: 'replicated' }] });
    await producer.disconnect();
    expect(acked!.errorCode).toBe(0);
    expect((await admin.fetchTopicMetadata({ topics: ['cli-sasl'] })).topics[0]!.partitions[0]!.isr).toHaveLength(2);
    await admin.disconnect();
    expect(await broker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('exits 1 at start-up with an error naming the JAAS key when the inter-broker password is wrong', { timeout: 30_000 }, async () => {
    const result = await cli(['broker', ...args('wrong')], { timeoutMs: 25_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: the broker did not start:');
    expect(result.stderr).toContain(JAAS_KEY);
    expect(result.stderr).toMatch(/PLAIN user broker/);
  });
});
