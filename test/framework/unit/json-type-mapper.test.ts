/**
 * Spring's JSON type headers (DefaultJackson2JavaTypeMapper), ErrorHandlingDeserializer's
 * failure header, and the dead-letter recoverer's retainExceptionHeader, without a broker;
 * test/framework/spring-json-interop.test.ts covers them end to end.
 */
import type { Message } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import {
  ConsumerRecord,
  DeadLetterPublishingRecoverer,
  DeserializationException,
  deserializationFailureOf,
  ErrorHandlingDeserializer,
  JsonDeserializer,
  JsonSerializer,
  JsonTypeMapper,
  KafkaException,
  KEY_DESERIALIZER_EXCEPTION_HEADER,
  ListenerExecutionFailedException,
  RecordHeaders,
  silentLogger,
  VALUE_DESERIALIZER_EXCEPTION_HEADER,
} from '../../../src/index.js';
import { bytesOnlyOperations } from '../support/bytes-only-operations.js';

class Order {
  id!: string;
}

class Refund {
  id!: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('JsonTypeMapper', () => {
  test("'token:Class' mappings name classes both ways; key headers carry the __Key_ prefix", () => {
    const mapper = new JsonTypeMapper({ typeMappings: 'com.example.Order:Order, com.example.Refund : Refund', classes: [Order, Refund] });
    const headers = new RecordHeaders();
    mapper.addTypeHeaders(Object.assign(new Refund(), { id: 'r' }), headers);
    expect(headers.lastString('__TypeId__')).toBe('com.example.Refund');
    expect(mapper.toTargetType(new RecordHeaders().add('__TypeId__', 'com.example.Order'))).toEqual({ kind: 'class', type: Order });

    const keys = new JsonTypeMapper({ typeMappings: { 'com.example.Order': Order }, isKey: true });
    const keyHeaders = new RecordHeaders();
    keys.addTypeHeaders([new Order(), new Order()], keyHeaders);
    expect(keyHeaders.toArray().map((h) => [h.key, h.value!.toString()])).toEqual([
      ['__Key_TypeId__', 'java.util.ArrayList'],
      ['__Key_ContentTypeId__', 'com.example.Order'],
    ]);
  });

  test('trusted packages: mapped ids always pass; other Java classes only from a trusted package, by simple name', () => {
    // Spring's defaults, given explicitly: strict, with Spring's message.
    const springDefaults = new JsonTypeMapper({ classes: [Order], trustedPackages: ['java.util', 'java.lang'] });
    expect(() => springDefaults.toTargetType(new RecordHeaders().add('__TypeId__', 'com.example.Order'))).toThrow(
      "The class 'com.example.Order' is not in the trusted packages: [java.util, java.lang]",
    );
    // None given: an unmapped Java class is ignored (the JSON value, or the default type), never instantiated.
    expect(new JsonTypeMapper({ classes: [Order] }).toTargetType(new RecordHeaders().add('__TypeId__', 'com.example.Order'))).toEqual({ kind: 'plain' });
    expect(new JsonDeserializer({ type: Refund }).deserialize('t', json({ id: 'x' }), new RecordHeaders().add('__TypeId__', 'com.example.Order'))).toBeInstanceOf(Refund);
    const trusting = new JsonTypeMapper({ classes: [Order], trustedPackages: ['com.example'] });
    expect(trusting.toTargetType(new RecordHeaders().add('__TypeId__', 'com.example.Order'))).toEqual({ kind: 'class', type: Order });
    expect(() => trusting.toTargetType(new RecordHeaders().add('__TypeId__', 'com.example.sub.Order'))).toThrow(KafkaException);
    const wildcard = new JsonTypeMapper({ classes: [Order], trustedPackages: ['com.example.*'] });
    expect(wildcard.toTargetType(new RecordHeaders().add('__TypeId__', 'com.example.sub.Outer$Order'))).toEqual({ kind: 'class', type: Order });
    expect(new JsonTypeMapper({ trustedPackages: ['*'] }).toTargetType(new RecordHeaders().add('__TypeId__', 'org.acme.Unknown'))).toEqual({ kind: 'plain' });
  });

  test('a text mapping naming a class that was not given is reported', () => {
    expect(() => new JsonTypeMapper({ typeMappings: 'com.example.Order:Order' })).toThrow("no class named 'Order'");
    expect(() => new JsonTypeMapper({ typeMappings: 'com.example.Order', classes: [Order] })).toThrow("must be 'token:className'");
  });

  test('JsonDeserializer: useTypeHeaders false ignores the headers; an untrusted id is a DeserializationException', () => {
    const headers = new RecordHeaders().add('__TypeId__', 'com.example.Refund');
    const ignoring = new JsonDeserializer({ type: Order, useTypeHeaders: false, removeTypeHeaders: false });
    expect(ignoring.deserialize('t', json({ id: 'x' }), headers)).toBeInstanceOf(Order);
    expect(headers.lastString('__TypeId__')).toBe('com.example.Refund');
    expect(() => new JsonDeserializer({ type: Order, trustedPackages: ['org.other'] }).deserialize('t', json({ id: 'x' }), headers)).toThrow(DeserializationException);
    const serialized = new RecordHeaders();
    new JsonSerializer({ addTypeInfo: false }).serialize('t', new Order(), serialized);
    expect(serialized.size).toBe(0);
  });
});

describe('ErrorHandlingDeserializer', () => {
  test('a failure writes the springDeserializerException header and throws, or delivers the function\'s substitute', () => {
    const headers = new RecordHeaders();
    const failing = new ErrorHandlingDeserializer(new JsonDeserializer());
    expect(() => failing.deserialize('orders', Buffer.from('{nope'), headers)).toThrow(DeserializationException);
    const info = deserializationFailureOf(headers);
    expect(info).toMatchObject({ exceptionClass: 'DeserializationException', causeClass: 'SyntaxError', isKey: false, topic: 'orders' });

    const keyHeaders = new RecordHeaders();
    const substitute = new ErrorHandlingDeserializer<unknown>(new JsonDeserializer({ isKey: true }), {
      isKey: true,
      failedDeserializationFunction: (failure) => ({ bad: failure.data!.toString(), forKey: failure.isForKey }),
    });
    expect(substitute.deserialize('orders', Buffer.from('k1'), keyHeaders)).toEqual({ bad: 'k1', forKey: true });
    expect(keyHeaders.lastHeader(KEY_DESERIALIZER_EXCEPTION_HEADER)).toBeDefined();
    expect(new ErrorHandlingDeserializer(new JsonDeserializer()).deserialize('orders', json({ ok: 1 }), new RecordHeaders())).toEqual({ ok: 1 });
  });

  test('the dead-letter recoverer drops the header unless retainExceptionHeader', async () => {
    const sent: Message[] = [];
    const template = bytesOnlyOperations(async (topic, message) => {
      sent.push(message);
      return [{ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' }];
    });
    const headers = new RecordHeaders().add(VALUE_DESERIALIZER_EXCEPTION_HEADER, '{"exceptionClass":"DeserializationException"}');
    const record = new ConsumerRecord({ topic: 'orders', partition: 0, offset: 1, timestamp: 1, key: null, value: null, headers });
    const failure = new ListenerExecutionFailedException('Listener failed', 'g');
    await new DeadLetterPublishingRecoverer(template, { logger: silentLogger }).accept(record, failure);
    await new DeadLetterPublishingRecoverer(template, { logger: silentLogger, retainExceptionHeader: true }).accept(record, failure);
    expect(sent.map((m) => VALUE_DESERIALIZER_EXCEPTION_HEADER in (m.headers ?? {}))).toEqual([false, true]);
  });
});
