/**
 * Streamwright and NestJS's own Kafka transport (@nestjs/microservices ClientKafka and
 * ServerKafka, unmocked) on one embedded broker, both ways:
 * - a Nest client.send() to a Streamwright @KafkaListener + @SendTo completes with the reply
 *   (kafka_nest-is-disposed), fails with Nest's error for a thrown error (kafka_nest-err) and
 *   completes with null when the listener returns nothing; a listener returning an Observable
 *   (or a Promise) replies with its last value, an Observable's error becomes Nest's error;
 * - ReplyingKafkaTemplate.sendAndReceive (textHeaders) to a Nest @MessagePattern gets its
 *   reply, and a Nest RpcException becomes a RemoteListenerError;
 * - client.emit() reaches a Streamwright listener, KafkaTemplate.send() a Nest @EventPattern.
 */
import { Controller, Injectable, Logger } from '@nestjs/common';
import { ClientKafka, EventPattern, MessagePattern, Payload as NestPayload, RpcException, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import type { INestMicroservice } from '@nestjs/common';
import { concat, delay, EMPTY, lastValueFrom, of, throwError, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { KafkaListener, KafkaTemplate, Payload, RemoteListenerError, ReplyingKafkaTemplate, SendTo, TopicBuilder } from '../../src/index.js';
import { StreamwrightModule } from '../../src/nestjs/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from '../framework/support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

// Nest's own components log through its static Logger; keep the test output quiet.
Logger.overrideLogger(false);

const fromNest = { events: [] as unknown[] };
const fromStreamwright = { events: [] as unknown[] };

@Injectable()
class QuoteListener {
  @KafkaListener({ id: 'sw-quotes', topics: ['sw-quotes'] })
  @SendTo()
  quote(@Payload() request: { sku: string; quantity: number }): { sku: string; total: number } | undefined {
    if (request.sku === 'broken') throw new RangeError(`no price for ${request.sku}`);
    if (request.sku === 'none') return undefined;
    return { sku: request.sku, total: request.quantity * 5 };
  }

  /** Nest handlers may return an Observable or a Promise; so may a @SendTo listener. */
  @KafkaListener({ id: 'sw-streams', topics: ['sw-streams'] })
  @SendTo()
  stream(@Payload() request: { kind: string }): Observable<unknown> | Promise<unknown> {
    switch (request.kind) {
      case 'values':
        // Emitted over time: the reply waits for completion and carries the last value.
        return concat(of('first'), of('second').pipe(delay(20)), of({ last: true }).pipe(delay(20)));
      case 'promise':
        return new Promise((resolve) => setTimeout(() => resolve({ resolved: true }), 20));
      case 'empty':
        return EMPTY;
      default:
        return concat(of('partial'), throwError(() => new TypeError(`cannot stream ${request.kind}`)));
    }
  }

  @KafkaListener({ id: 'sw-events', topics: ['sw-events'] })
  onEvent(@Payload() event: unknown): void {
    fromNest.events.push(event);
  }
}

@Controller()
class NestPricing {
  @MessagePattern('nest-prices')
  price(@NestPayload() request: { sku: string; quantity: number }): { sku: string; total: number } {
    if (request.sku === 'broken') throw new RpcException(`nest cannot price ${request.sku}`);
    return { sku: request.sku, total: request.quantity * 7 };
  }

  @EventPattern('nest-events')
  onEvent(@NestPayload() event: unknown): void {
    fromStreamwright.events.push(event);
  }
}

let kafka: EmbeddedKafka;
let streamwright: TestingModule;
let nestServer: INestMicroservice;
let client: ClientKafka;

const nestKafkaClient = (clientId: string) => ({ brokers: kafka.bootstrapServers, clientId, logLevel: 0, retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 } });
const nestConsumer = (groupId: string) => ({ groupId, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });

beforeAll(async () => {
  kafka = await startBroker();
  // The Streamwright side: a Nest app with StreamwrightModule; it creates every topic of the test.
  streamwright = await Test.createTestingModule({
    imports: [
      StreamwrightModule.forRoot({
        kafka: kafkaConfig(kafka, { clientId: 'sw-app' }),
        config: false,
        logger: testLogger,
        consumerConfig: FAST_CONSUMER,
        topics: ['sw-quotes', 'sw-quotes.reply', 'sw-streams', 'sw-streams.reply', 'sw-events', 'nest-prices', 'nest-prices.reply', 'nest-events'].map((name) => TopicBuilder.name(name).build()),
        replyingTemplate: { replyTopic: 'nest-prices.reply', textHeaders: true, consumerConfig: FAST_CONSUMER, timeoutMs: 10_000 },
      }),
    ],
    providers: [QuoteListener],
  }).compile();
  await streamwright.init();

  // The Nest transport side: a ServerKafka microservice and a ClientKafka.
  const nestModule = await Test.createTestingModule({ controllers: [NestPricing] }).compile();
  nestServer = nestModule.createNestMicroservice<MicroserviceOptions>({
    transport: Transport.KAFKA,
    options: { client: nestKafkaClient('nest-pricing'), consumer: nestConsumer('nest-pricing'), subscribe: { fromBeginning: true } },
  });
  await nestServer.listen();

  client = new ClientKafka({ client: nestKafkaClient('nest-caller'), consumer: nestConsumer('nest-caller') });
  client.subscribeToResponseOf('sw-quotes');
  client.subscribeToResponseOf('sw-streams');
  await client.connect();
  // send() needs the client's reply partitions, which it learns when its consumer joins.
  await waitFor(() => ['sw-quotes.reply', 'sw-streams.reply'].every((topic) => client.getConsumerAssignments()[topic] !== undefined), { what: 'the Nest client\'s reply partitions' });
});

afterAll(async () => {
  await client?.close();
  await nestServer?.close();
  await streamwright?.close();
  await kafka?.stop();
});

describe('a Nest ClientKafka calling a Streamwright @SendTo listener', () => {
  test('send() completes with the reply', async () => {
    const reply = await lastValueFrom(client.send('sw-quotes', { sku: 'apple', quantity: 3 }));
    expect(reply).toEqual({ sku: 'apple', total: 15 });
  });

  test('a thrown error fails send() with Nest\'s error object', async () => {
    const error = await lastValueFrom(client.send('sw-quotes', { sku: 'broken', quantity: 1 })).catch((e: unknown) => e);
    expect(error).toEqual({ status: 'error', message: 'no price for broken', name: 'RangeError' });
  });

  test('a listener that returns nothing completes send() with null', async () => {
    const reply = await lastValueFrom(client.send('sw-quotes', { sku: 'none', quantity: 1 }));
    expect(reply).toBeNull();
  });

  test('a listener returning an Observable replies with its last value once it completes', async () => {
    const replies = await collect(client.send('sw-streams', { kind: 'values' }));
    expect(replies).toEqual([{ last: true }]);
  });

  test('a listener returning a Promise replies with its value', async () => {
    expect(await lastValueFrom(client.send('sw-streams', { kind: 'promise' }))).toEqual({ resolved: true });
  });

  test('an Observable that completes without a value completes send() with null', async () => {
    expect(await lastValueFrom(client.send('sw-streams', { kind: 'empty' }))).toBeNull();
  });

  test('an Observable\'s error fails send() with Nest\'s error object', async () => {
    const error = await lastValueFrom(client.send('sw-streams', { kind: 'broken' })).catch((e: unknown) => e);
    expect(error).toEqual({ status: 'error', message: 'cannot stream broken', name: 'TypeError' });
  });

  test('emit() reaches a Streamwright listener', async () => {
    await lastValueFrom(client.emit('sw-events', { kind: 'created', id: 7 }));
    await waitFor(() => fromNest.events.length > 0, { what: 'the emitted event' });
    expect(fromNest.events).toEqual([{ kind: 'created', id: 7 }]);
  });
});

/** Every value an Observable emits until it completes. */
function collect<T>(observable: Observable<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const values: T[] = [];
    observable.subscribe({ next: (value) => values.push(value), error: reject, complete: () => resolve(values) });
  });
}

describe('Streamwright calling a Nest @MessagePattern handler', () => {
  test('sendAndReceive gets the handler\'s reply', async () => {
    const replying = streamwright.get(ReplyingKafkaTemplate);
    const reply = await replying.sendAndReceive({ topic: 'nest-prices', key: 'k', value: { sku: 'pear', quantity: 2 } });
    expect(reply.value).toEqual({ sku: 'pear', total: 14 });
  });

  test('an RpcException in the handler becomes a RemoteListenerError', async () => {
    const replying = streamwright.get(ReplyingKafkaTemplate);
    const error = await replying.sendAndReceive({ topic: 'nest-prices', value: { sku: 'broken', quantity: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteListenerError);
    expect((error as RemoteListenerError).remoteMessage).toBe('nest cannot price broken');
  });

  test('KafkaTemplate.send() reaches a Nest @EventPattern handler', async () => {
    await streamwright.get(KafkaTemplate).send('nest-events', 'e', { kind: 'shipped', id: 9 });
    await waitFor(() => fromStreamwright.events.length > 0, { what: 'the event in the Nest handler' });
    expect(fromStreamwright.events).toEqual([{ kind: 'shipped', id: 9 }]);
  });
});
