/**
 * Request-scoped and transient Nest providers with @KafkaListener: each record is handled by a
 * fresh instance that Nest resolves for it (ModuleRef.resolve with a context id per record), with
 * the record as that context's REQUEST, as Nest does for its own request-scoped message handlers.
 * A provider that is static itself but depends on a request-scoped one is scoped too.
 */
import { Inject, Injectable, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConsumerRecord, KafkaListener, KafkaListenerEndpointRegistry, KafkaTemplate, Payload, ReplyingKafkaTemplate, SendTo, TopicBuilder } from '../../src/index.js';
import { StreamwrightModule } from '../../src/nestjs/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from '../framework/support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

interface Handled {
  instance: number;
  payload: string;
  /** The REQUEST the instance was built with: the record it handles. */
  requestOffset: number;
  requestValue: unknown;
}

const handled = { perRequest: [] as Handled[], transient: [] as Handled[], dependent: [] as Handled[] };
let instances = 0;

/** A request-scoped collaborator: its REQUEST is the record being handled. */
@Injectable({ scope: Scope.REQUEST })
class RecordInfo {
  readonly instance = ++instances;
  constructor(@Inject(REQUEST) readonly record: ConsumerRecord<string, string>) {}
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestListener {
  readonly instance = ++instances;
  constructor(@Inject(REQUEST) private readonly record: ConsumerRecord<string, string>) {}

  @KafkaListener({ id: 'scoped-request', topics: ['scoped-request'] })
  onRecord(@Payload() payload: string): void {
    handled.perRequest.push({ instance: this.instance, payload, requestOffset: this.record.offset, requestValue: this.record.value });
  }

  @KafkaListener({ id: 'scoped-quotes', topics: ['scoped-quotes'] })
  @SendTo()
  quote(@Payload() sku: string): string {
    return `${sku} quoted by instance ${this.instance} for ${this.record.topic}@${this.record.offset}`;
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientListener {
  readonly instance = ++instances;

  @KafkaListener({ id: 'scoped-transient', topics: ['scoped-transient'] })
  onRecord(@Payload() payload: string): void {
    handled.transient.push({ instance: this.instance, payload, requestOffset: -1, requestValue: undefined });
  }
}

/** Declared static, but its dependency is request-scoped: Nest makes it request-scoped too. */
@Injectable()
class DependentListener {
  readonly instance = ++instances;
  constructor(private readonly info: RecordInfo) {}

  @KafkaListener({ id: 'scoped-dependent', topics: ['scoped-dependent'] })
  onRecord(@Payload() payload: string): void {
    handled.dependent.push({ instance: this.instance, payload, requestOffset: this.info.record.offset, requestValue: this.info.record.value });
  }
}

const TOPICS = ['scoped-request', 'scoped-quotes', 'scoped-quotes-replies', 'scoped-transient', 'scoped-dependent'];
let kafka: EmbeddedKafka;
let app: TestingModule;

beforeAll(async () => {
  kafka = await startBroker();
  app = await Test.createTestingModule({
    imports: [
      StreamwrightModule.forRoot({
        kafka: kafkaConfig(kafka),
        config: false,
        logger: testLogger,
        consumerConfig: FAST_CONSUMER,
        topics: TOPICS.map((name) => TopicBuilder.name(name).build()),
        replyingTemplate: { replyTopic: 'scoped-quotes-replies', consumerConfig: FAST_CONSUMER, timeoutMs: 10_000 },
      }),
    ],
    providers: [RecordInfo, PerRequestListener, TransientListener, DependentListener],
  }).compile();
  await app.init();
});

afterAll(async () => {
  await app?.close();
  await kafka?.stop();
});

test('scoped listeners are registered like static ones', () => {
  const ids = app.get(KafkaListenerEndpointRegistry).getListenerContainerIds();
  expect(ids).toEqual(expect.arrayContaining(['scoped-request', 'scoped-quotes', 'scoped-transient', 'scoped-dependent']));
});

test('a request-scoped listener gets a fresh instance per record, built with the record as its REQUEST', async () => {
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  for (const value of ['a', 'b', 'c']) await template.send('scoped-request', value, value);
  await waitFor(() => handled.perRequest.length >= 3, { what: 'three records handled' });
  expect(handled.perRequest.map((h) => h.payload)).toEqual(['a', 'b', 'c']);
  expect(handled.perRequest.map((h) => [h.requestOffset, h.requestValue])).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
  expect(new Set(handled.perRequest.map((h) => h.instance)).size).toBe(3);
});

test('a transient listener gets a fresh instance per record', async () => {
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  for (const value of ['x', 'y']) await template.send('scoped-transient', value, value);
  await waitFor(() => handled.transient.length >= 2, { what: 'two records handled' });
  expect(handled.transient.map((h) => h.payload)).toEqual(['x', 'y']);
  expect(handled.transient[0]!.instance).not.toBe(handled.transient[1]!.instance);
});

test('a provider depending on a request-scoped one is resolved per record, its dependency seeing the record', async () => {
  const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
  for (const value of ['p', 'q']) await template.send('scoped-dependent', value, value);
  await waitFor(() => handled.dependent.length >= 2, { what: 'two records handled' });
  expect(handled.dependent.map((h) => [h.payload, h.requestOffset, h.requestValue])).toEqual([['p', 0, 'p'], ['q', 1, 'q']]);
  expect(handled.dependent[0]!.instance).not.toBe(handled.dependent[1]!.instance);
});

test('a request-scoped @SendTo listener replies from the instance made for the request', async () => {
  const replying = app.get(ReplyingKafkaTemplate);
  const first = await replying.sendAndReceive({ topic: 'scoped-quotes', value: 'tea' });
  const second = await replying.sendAndReceive({ topic: 'scoped-quotes', value: 'coffee' });
  expect(first.value).toMatch(/^tea quoted by instance \d+ for scoped-quotes@0$/);
  expect(second.value).toMatch(/^coffee quoted by instance \d+ for scoped-quotes@1$/);
  const instanceOf = (reply: unknown) => /instance (\d+)/.exec(String(reply))![1];
  expect(instanceOf(first.value)).not.toBe(instanceOf(second.value));
});
