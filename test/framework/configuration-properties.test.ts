/**
 * An application configured only by a streamwright.yml and environment variables, against a
 * real EmbeddedKafka: bootstrap servers from the environment, topics and group via
 * placeholders, ack-mode and concurrency from properties; and a bad file that fails start-up
 * with one error naming every problem with its file and line.
 */
import { injectable } from 'inversify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { KafkaListener } from '../../src/framework/annotation/kafka-listener.js';
import { SendTo } from '../../src/framework/annotation/send-to.js';
import { InvalidConfigurationException } from '../../src/framework/autoconfigure/invalid-configuration-exception.js';
import { TopicBuilder } from '../../src/framework/config/topic-builder.js';
import { KafkaApplication } from '../../src/framework/container/kafka-application.js';
import { KafkaTemplate } from '../../src/framework/core/kafka-template.js';
import { AckMode } from '../../src/framework/listener/ack-mode.js';
import type { ConcurrentMessageListenerContainer } from '../../src/framework/listener/concurrent-message-listener-container.js';
import { BrokerProbe, kafkaConfig, startBroker, testLogger, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let dir: string;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  dir = mkdtempSync(join(tmpdir(), 'streamwright-configured-'));
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
});

@injectable()
class ConfiguredOrders {
  readonly received: string[] = [];

  @KafkaListener({ id: '${orders.listener-id}', topics: ['${orders.topic}'], groupId: '${orders.group}' })
  @SendTo('${orders.replies}')
  onOrder(value: string): string {
    this.received.push(value);
    return value.toUpperCase();
  }
}

test('an app configured by streamwright.yml and environment variables consumes, commits per record and replies', async () => {
  const names = { topic: unique('cfg-orders'), replies: unique('cfg-replies'), group: unique('cfg-group') };
  const appDir = join(dir, 'good');
  mkdirSync(appDir);
  writeFileSync(
    join(appDir, 'streamwright.yml'),
    [
      'streamwright:',
      '  kafka:',
      '    client-id: configured-app',
      '    consumer:',
      '      heartbeat-interval: 300ms',
      '      fetch-max-wait: 100ms',
      '      properties:',
      '        session.timeout.ms: 6000',
      '        max.poll.interval.ms: 6000',
      '    producer:',
      '      acks: all',
      '      compression-type: gzip',
      '    listener:',
      '      ack-mode: record',
      '      concurrency: 2',
      '    template:',
      '      default-topic: ${orders.topic}',
      'orders:',
      '  listener-id: configured-orders',
      `  topic: ${names.topic}`,
      `  replies: ${names.replies}`,
    ].join('\n'),
  );
  // No kafka.brokers in code: they come from the environment, like the group id (ORDERS_GROUP for ${orders.group}).
  const app = await KafkaApplication.create({
    config: { dir: appDir, env: { STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers.join(','), ORDERS_GROUP: names.group } },
    listeners: [ConfiguredOrders],
    topics: [TopicBuilder.name('${orders.topic}').partitions(2).build(), TopicBuilder.name('${orders.replies}').build()],
    logger: testLogger,
  });
  try {
    const container = app.listenerContainer('configured-orders') as ConcurrentMessageListenerContainer;
    expect(container.containerProperties.ackMode).toBe(AckMode.RECORD);
    expect(container.concurrency).toBe(2);
    expect(container.containerProperties.topics).toEqual([names.topic]);
    expect(container.containerProperties.groupId).toBe(names.group);
    await app.start();

    const producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.topic, messages: [{ key: 'a', value: 'first' }] });
    await producer.disconnect();
    await app.get(KafkaTemplate).sendDefault('b', 'second'); // template.default-topic: ${orders.topic}

    const listener = app.get(ConfiguredOrders);
    await waitFor(() => listener.received.length === 2, { what: 'both records' });
    expect([...listener.received].sort()).toEqual(['first', 'second']);
    // RECORD commits after each record: the group's committed offsets cover both.
    await waitFor(async () => [...(await probe.committed(names.group, names.topic)).values()].reduce((sum, offset) => sum + Math.max(0, offset), 0) === 2, { what: 'committed offsets' });

    // @SendTo('${orders.replies}') replied to the configured topic.
    const consumer = new Kafka(kafkaConfig(kafka)).consumer({ groupId: unique('reply-reader'), maxWaitTimeInMs: 100 });
    const replies: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: names.replies, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void replies.push(String(message.value)) });
    await waitFor(() => replies.length === 2, { what: 'replies' });
    await consumer.disconnect();
    expect([...replies].sort()).toEqual(['FIRST', 'SECOND']);
  } finally {
    await app.stop();
  }
});

@injectable()
class MisconfiguredListener {
  @KafkaListener({ topics: ['${missing.topic}'], groupId: 'g' })
  onRecord(): void {}
}

@injectable()
class PlaceholderAttributes {
  @KafkaListener({ id: 'attrs', topics: ['${attrs.topics}'], concurrency: '${attrs.concurrency:4}', autoStartup: '${attrs.auto:false}', containerFactory: '${attrs.factory}' })
  onRecord(): void {}
}

test('placeholders in concurrency, autoStartup, containerFactory and a topic list; retry.topic.enabled gives listeners a retry chain', async () => {
  const [one, two] = [unique('attrs-one'), unique('attrs-two')];
  const app = await KafkaApplication.create({
    config: {
      dir: mkdtempSync(join(dir, 'attrs-')),
      env: {},
      properties: {
        'attrs.topics': `${one}, ${two}`,
        'attrs.factory': 'kafkaListenerContainerFactory',
        'streamwright.kafka.bootstrap-servers': kafka.bootstrapServers.join(','),
        'streamwright.kafka.retry.topic.enabled': true,
        'streamwright.kafka.retry.topic.attempts': 2,
      },
    },
    listeners: [PlaceholderAttributes],
    logger: testLogger,
  });
  const container = app.listenerContainer('attrs') as ConcurrentMessageListenerContainer;
  expect(container.containerProperties.topics).toEqual([one, two]);
  expect(container.concurrency).toBe(4);
  // attempts 2: the main topics, one retry topic each and a DLT each
  const subscribed = app.listenerContainers().flatMap((c) => c.containerProperties.topics).sort();
  expect(subscribed).toEqual([one, `${one}-dlt`, `${one}-retry`, two, `${two}-dlt`, `${two}-retry`].sort());
  try {
    await app.start(); // creates the retry topics; autoStartup '${attrs.auto:false}' leaves the main container stopped
    expect(container.isRunning()).toBe(false);
    const admin = new Kafka(kafkaConfig(kafka)).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).toEqual(expect.arrayContaining([`${one}-retry`, `${one}-dlt`, `${two}-retry`, `${two}-dlt`]));
  } finally {
    await app.stop();
  }
});

test('a bad configuration fails KafkaApplication.create with one error naming every problem with file:line', async () => {
  const badDir = mkdtempSync(join(dir, 'bad-'));
  writeFileSync(
  join(badDir, 'streamwright.yml'),
  ['streamwright:', '  kafka:', '    consumer:', '      group-idd: x', '    listener:', '      concurrency: many', '      poll-timeout: 1s'].join('\n'),
  );
  const creating = KafkaApplication.create({
    config: { dir: badDir, env: { STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers.join(',') } },
    listeners: [MisconfiguredListener],
    logger: testLogger,
  });
  await expect(creating).rejects.toBeInstanceOf(InvalidConfigurationException);
  const error = (await creating.catch((e: unknown) => e)) as InvalidConfigurationException;
  const file = join(badDir, 'streamwright.yml');
  expect(error.problems.map((p) => `${p.key} @ ${p.origin}`)).toEqual([
    `streamwright.kafka.consumer.group-idd @ ${file}:4`,
    `streamwright.kafka.listener.concurrency @ ${file}:6`,
    `streamwright.kafka.listener.poll-timeout @ ${file}:7`,
    "@KafkaListener topics of MisconfiguredListener.onRecord @ '${missing.topic}'",
  ]);
  expect(error.message).toContain("did you mean 'streamwright.kafka.consumer.group-id'?");
  expect(error.message).toContain('expected a whole number');
  expect(error.message).toContain("could not resolve placeholder '${missing.topic}'");
});
