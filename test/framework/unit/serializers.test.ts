import { describe, expect, test } from 'vitest';
import { Exclude } from 'class-transformer';
import { RecordHeaders } from '../../../src/framework/support/record-headers.js';
import { DeserializationException } from '../../../src/framework/support/serializer/deserialization-exception.js';
import { JsonDeserializer } from '../../../src/framework/support/serializer/json-deserializer.js';
import { JsonSerializer } from '../../../src/framework/support/serializer/json-serializer.js';
import { SerializationException } from '../../../src/framework/support/serializer/serialization-exception.js';
import { StringDeserializer, StringSerializer } from '../../../src/framework/support/serializer/string-serializer.js';
import { TYPE_ID_HEADER } from '../../../src/framework/support/serializer/type-id-headers.js';

class Invoice {
  id = 'i1';
  @Exclude() internal = 'hidden';
}

describe('serializers', () => {
  test('JsonSerializer writes instanceToPlain JSON and the __TypeId__ header', () => {
    const headers = new RecordHeaders();
    const bytes = new JsonSerializer().serialize('t', new Invoice(), headers)!;
    expect(JSON.parse(bytes.toString())).toEqual({ id: 'i1' });
    expect(headers.lastString(TYPE_ID_HEADER)).toBe('Invoice');
  });

  test('JsonSerializer: strings as text, bytes as is, plain objects without a type, aliases', () => {
    const headers = new RecordHeaders();
    expect(new JsonSerializer().serialize('t', 'hello', headers)!.toString()).toBe('hello');
    expect(headers.lastString(TYPE_ID_HEADER)).toBe('String');
    const raw = Buffer.from([1, 2]);
    expect(new JsonSerializer().serialize('t', raw, new RecordHeaders())).toBe(raw);
    const plain = new RecordHeaders();
    new JsonSerializer().serialize('t', { a: 1 }, plain);
    expect(plain.lastHeader(TYPE_ID_HEADER)).toBeUndefined();
    const aliased = new RecordHeaders();
    new JsonSerializer({ typeMappings: { invoice: Invoice } }).serialize('t', new Invoice(), aliased);
    expect(aliased.lastString(TYPE_ID_HEADER)).toBe('invoice');
    expect(new JsonSerializer().serialize('t', null, new RecordHeaders())).toBeNull();
  });

  test('JsonSerializer reports unserializable values', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => new JsonSerializer().serialize('t', circular, new RecordHeaders())).toThrow(SerializationException);
  });

  test('JsonDeserializer picks the class from the type header among trusted mappings', () => {
    const headers = new RecordHeaders().add(TYPE_ID_HEADER, 'Invoice');
    const value = new JsonDeserializer({ typeMappings: { Invoice } }).deserialize('t', Buffer.from('{"id":"x"}'), headers);
    expect(value).toBeInstanceOf(Invoice);
    const untrusted = new JsonDeserializer().deserialize('t', Buffer.from('{"id":"x"}'), headers);
    expect(untrusted).toEqual({ id: 'x' });
    expect(() => new JsonDeserializer().deserialize('t', Buffer.from('{oops'), new RecordHeaders())).toThrow(DeserializationException);
  });

  test('String serde', () => {
    expect(new StringSerializer().serialize('t', 5)!.toString()).toBe('5');
    expect(new StringSerializer().serialize('t', { a: 1 })!.toString()).toBe('{"a":1}');
    expect(new StringDeserializer().deserialize('t', Buffer.from('é'))).toBe('é');
    expect(new StringDeserializer().deserialize('t', null)).toBeNull();
  });

  test('RecordHeaders keeps repeated names in order; the last one wins', () => {
    const headers = RecordHeaders.fromKafkaJs({ a: ['1', '2'], b: Buffer.from('x') });
    expect(headers.lastString('a')).toBe('2');
    expect(headers.headers('a')).toHaveLength(2);
    expect(headers.size).toBe(3);
  });

  test('records without headers share no state: a header added to one is not on another', () => {
    const first = RecordHeaders.fromKafkaJs({});
    const second = RecordHeaders.fromKafkaJs(undefined);
    const third = new RecordHeaders();
    first.add('a', '1');
    third.add('c', '3').remove('c');
    expect([...first].map((h) => h.key)).toEqual(['a']);
    expect(second.size).toBe(0);
    expect([...second]).toEqual([]);
    expect(second.toArray()).toEqual([]);
    second.remove('a');
    expect(second.add('b', '2').lastString('b')).toBe('2');
    expect(first.headers('b')).toEqual([]);
    expect(third.size).toBe(0);
  });
});
