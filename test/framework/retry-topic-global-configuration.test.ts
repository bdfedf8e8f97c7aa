/**
 * Global retry-topic configuration (Spring's RetryTopicConfigurationSupport, bound in the
 * application's container) and @RetryableTopic's include/exclude classification, end to end:
 * blocking retries of an allowed failure before a record moves on, a failure added to the
 * non-blocking fatal list going straight to the DLT, the customizers called for every link, the
 * dead-letter recoverer settings (an extra header) on every forwarded record; `include` (with
 * `traversingCauses`) and `excludeNames` deciding which failures use the retry topic.
 */
import { Container, injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  BlockingRetriesConfigurer,
  ConsumerRecord,
  CustomizersConfigurer,
  DltHandler,
  FixedBackOff,
  Header,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  RetryableTopic,
  RetryTopicConfigurationSupport,
  type DeadLetterPublishingRecovererFactorySettings,
  type ErrorClass,
} from '../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

class TransientError extends Error {}
class FatalBusinessError extends Error {}
class RetryMe extends Error {}
class SkipMe extends Error {}

const attempts: string[] = [];
const dead: { value: string; topic: string; global: string | undefined }[] = [];
const customized = { errorHandlers: 0, recoverers: 0, containers: [] as string[] };
const onDead = (record: ConsumerRecord<string, string>, topic: string) => dead.push({ value: String(record.value), topic, global: record.headers.lastString('x-global') });
const tries = (value: string) => attempts.filter((a) => a.startsWith(`${value}@`));

class GlobalRetryConfiguration extends RetryTopicConfigurationSupport {
  override configureBlockingRetries(configurer: BlockingRetriesConfigurer): void {
    configurer.retryOn(TransientError).backOff(new FixedBackOff(0, 2));
  }

  override manageNonBlockingFatalExceptions(exceptions: ErrorClass[]): void {
    exceptions.push(FatalBusinessError);
  }

  override configureCustomizers(configurer: CustomizersConfigurer): void {
    configurer
      .customizeErrorHandler(() => void customized.errorHandlers++)
      .customizeDeadLetterPublishingRecoverer(() => void customized.recoverers++)
      .customizeListenerContainer((container) => void customized.containers.push(container.listenerId));
  }

  override configureDeadLetterPublishingContainerFactory(): DeadLetterPublishingRecovererFactorySettings {
    return { headersFunction: () => [{ key: 'x-global', value: Buffer.from('yes') }] };
  }
}

@injectable()
class Orders {
  @RetryableTopic({ attempts: 2, backoff: { delay: 0 } })
  @KafkaListener({ id: 'grt-orders', topics: ['grt-orders'] })
  onOrder(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    attempts.push(`${record.value}@${topic}`);
    if (record.value === 'transient' && tries('transient').length < 3) throw new TransientError('try again');
    if (record.value === 'fatal') throw new FatalBusinessError('never');
    if (record.value === 'plain') throw new Error('broken');
  }

  @DltHandler()
  dlt(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    onDead(record, topic);
  }
}

@injectable()
class Included {
  @RetryableTopic({ attempts: 2, backoff: { delay: 0 }, include: [RetryMe], traversingCauses: true })
  @KafkaListener({ id: 'grt-included', topics: ['grt-included'] })
  onRecord(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    attempts.push(`${record.value}@${topic}`);
    if (record.value === 'retry-me') throw new RetryMe('included');
    if (record.value === 'wrapped') throw new Error('outer', { cause: new RetryMe('inner') });
    throw new Error('not included');
  }

  @DltHandler()
  dlt(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    onDead(record, topic);
  }
}

@injectable()
class Excluded {
  @RetryableTopic({ attempts: 2, backoff: { delay: 0 }, excludeNames: ['SkipMe'] })
  @KafkaListener({ id: 'grt-excluded', topics: ['grt-excluded'] })
  onRecord(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    attempts.push(`${record.value}@${topic}`);
    if (record.value === 'skip') throw new SkipMe('excluded by name');
    throw new Error('retried');
  }

  @DltHandler()
  dlt(record: ConsumerRecord<string, string>, @Header(KafkaHeaders.RECEIVED_TOPIC) topic: string): void {
    onDead(record, topic);
  }
}

let kafka: EmbeddedKafka;
let app: KafkaApplication;

beforeAll(async () => {
  kafka = await startBroker();
  const container = new Container({ autobind: true, defaultScope: 'Singleton' });
  container.bind(RetryTopicConfigurationSupport).toConstantValue(new GlobalRetryConfiguration());
  app = await KafkaApplication.create({ container, kafka: kafkaConfig(kafka), listeners: [Orders, Included, Excluded], consumerConfig: FAST_CONSUMER, logger: testLogger });
  await app.start();
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await kafka?.stop();
});

test('blocking retries, the fatal list, customizers and recoverer settings from the global configuration', async () => {
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  for (const value of ['transient', 'fatal', 'plain']) await template.send('grt-orders', value, value);
  await waitFor(() => dead.filter((d) => d.topic === 'grt-orders-dlt').length === 2, { what: 'two dead letters of grt-orders' });
  await waitFor(() => tries('transient').length === 3, { what: 'the third delivery of transient' });

  // TransientError is retried in place (FixedBackOff(0, 2): three deliveries) and then succeeds, never leaving the main topic.
  expect(tries('transient')).toEqual(['transient@grt-orders', 'transient@grt-orders', 'transient@grt-orders']);
  // FatalBusinessError was added to the non-blocking fatal list: straight to the DLT.
  expect(tries('fatal')).toEqual(['fatal@grt-orders']);
  // Anything else takes the retry topic first.
  expect(tries('plain')).toEqual(['plain@grt-orders', 'plain@grt-orders-retry']);
  expect(dead.filter((d) => d.topic === 'grt-orders-dlt').map((d) => [d.value, d.global]).sort()).toEqual([
    ['fatal', 'yes'],
    ['plain', 'yes'],
  ]);

  // Three listeners, three links each (main, retry, DLT).
  expect(customized.recoverers).toBe(3);
  expect(customized.errorHandlers).toBe(9);
  expect([...customized.containers].sort()).toEqual(
    ['grt-excluded', 'grt-excluded-dlt', 'grt-excluded-retry', 'grt-included', 'grt-included-dlt', 'grt-included-retry', 'grt-orders', 'grt-orders-dlt', 'grt-orders-retry'],
  );
});

test('include (with traversingCauses) and excludeNames decide which failures use the retry topic', async () => {
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  for (const value of ['retry-me', 'wrapped', 'other']) await template.send('grt-included', value, value);
  for (const value of ['skip', 'again']) await template.send('grt-excluded', value, value);
  await waitFor(() => dead.filter((d) => d.topic === 'grt-included-dlt' || d.topic === 'grt-excluded-dlt').length === 5, { what: 'five dead letters' });

  expect(tries('retry-me')).toEqual(['retry-me@grt-included', 'retry-me@grt-included-retry']);
  expect(tries('wrapped')).toEqual(['wrapped@grt-included', 'wrapped@grt-included-retry']);
  expect(tries('other')).toEqual(['other@grt-included']);
  expect(tries('skip')).toEqual(['skip@grt-excluded']);
  expect(tries('again')).toEqual(['again@grt-excluded', 'again@grt-excluded-retry']);
});

test('include and exclude together are refused when the application is created', async () => {
  @injectable()
  class Both {
    @RetryableTopic({ include: [RetryMe], exclude: [SkipMe] })
    @KafkaListener({ id: 'grt-both', topics: ['grt-both'] })
    onRecord(): void {}
  }
  await expect(KafkaApplication.create({ kafka: kafkaConfig(kafka), listeners: [Both], logger: testLogger })).rejects.toThrow(/use include or exclude, not both/);
});
