/**
 * Spring's `authExceptionRetryInterval` against a SASL/SCRAM embedded broker: a consumer whose
 * SCRAM user does not exist yet keeps retrying (ConsumerRetryAuthEvent, no stop), and once the
 * user is created through AlterUserScramCredentials it gets through and consumes.
 */
import { Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { consoleLogger as brokerLogger } from '../../src/broker/logger.js';
import { SCRAM_MECHANISMS, randomSalt, saltedPassword } from '../../src/broker/security/sasl/scram-credential.js';
import { KafkaConnection } from '../../src/client/kafka-connection.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import {
  ApplicationEventPublisher,
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  ConsumerRetryAuthEvent,
  ConsumerRetryAuthSuccessfulEvent,
  ConsumerStartedEvent,
  ConsumerStoppedEvent,
  DefaultKafkaConsumerFactory,
} from '../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'auth-retry';
let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    port: 0,
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    sasl: { mechanisms: ['SCRAM-SHA-256'] },
    logger: brokerLogger('silent', 'auth-retry'),
  });
}, 60_000);
afterAll(async () => {
  await kafka?.stop();
});

/** Creates (or replaces) a SCRAM-SHA-256 user, as `kafka-configs --alter --add-config` does. */
async function upsertScramUser(name: string, password: string): Promise<void> {
  const [host, port] = kafka.bootstrapServersFor('PLAINTEXT')[0]!.split(':');
  const connection = await KafkaConnection.connect({ host: host!, port: Number(port) });
  try {
    const salt = randomSalt();
    const iterations = 4096;
    const response = await connection.request(ApiKeys.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name, mechanism: SCRAM_MECHANISMS['SCRAM-SHA-256'].id, iterations, salt, saltedPassword: saltedPassword('SCRAM-SHA-256', password, salt, iterations) }],
    });
    expect((response as { results: { errorCode: number }[] }).results.map((r) => r.errorCode)).toEqual([0]);
  } finally {
    await connection.close();
  }
}

test('an authentication failure with authExceptionRetryInterval retries until the SCRAM user exists, then consumes', async () => {
  const plain = new Kafka({ ...kafkaConfig(kafka), brokers: kafka.bootstrapServersFor('PLAINTEXT') });
  const producer = plain.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic: TOPIC, messages: [{ value: 'waiting for credentials' }] });
  await producer.disconnect();

  const publisher = new ApplicationEventPublisher();
  const retries: ConsumerRetryAuthEvent[] = [];
  const stopped: ConsumerStoppedEvent[] = [];
  let succeeded = 0;
  let started = 0;
  publisher.addListener(ConsumerRetryAuthEvent, (event) => void retries.push(event));
  publisher.addListener(ConsumerStoppedEvent, (event) => void stopped.push(event));
  publisher.addListener(ConsumerRetryAuthSuccessfulEvent, () => void succeeded++);
  publisher.addListener(ConsumerStartedEvent, () => void started++);

  const sasl = kafkaConfig(kafka, { brokers: kafka.bootstrapServersFor('SASL_PLAINTEXT'), sasl: { mechanism: 'scram-sha-256', username: 'late', password: 'late-secret' } });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: sasl, consumerConfig: { ...FAST_CONSUMER, autoOffsetReset: 'earliest' }, logger: testLogger }),
    containerProperties: { groupId: 'auth-retry-group', authExceptionRetryInterval: 200 },
    applicationEventPublisher: publisher,
    logger: testLogger,
  });
  const container = factory.createContainer(TOPIC);
  const received: string[] = [];
  container.containerProperties.messageListener = (record: ConsumerRecord) => void received.push(String(record.value));
  try {
    // Without the interval this start rejects and the consumer stops with AUTH (stop-reasons.test.ts).
    await container.start();
    expect(container.isRunning()).toBe(true);
    await waitFor(() => retries.length >= 3, { what: 'three authentication retries' });
    expect(new Set(retries.map((event) => event.reason))).toEqual(new Set(['AUTHENTICATION']));
    expect(stopped).toEqual([]);
    expect(started).toBe(0);

    await upsertScramUser('late', 'late-secret');
    await waitFor(() => received.length === 1, { what: 'the record, once the user exists' });
    expect(received).toEqual(['waiting for credentials']);
    expect(succeeded).toBe(1);
    expect(started).toBe(1);
    expect(container.isRunning()).toBe(true);
  } finally {
    await container.stop();
  }
  expect(stopped.map((event) => event.reason)).toEqual(['NORMAL']);
});
