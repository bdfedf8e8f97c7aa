/**
 * What the template hands kafkajs for a key or value: a string given to the plain
 * StringSerializer stays a string (kafkajs writes it as UTF-8, the serializer's very bytes);
 * anything else, and any other serializer (a subclass of StringSerializer included), goes
 * through the serializer.
 */
import { expect, test } from 'vitest';
import { wireValue } from '../../../src/framework/core/wire-value.js';
import { JsonSerializer, RecordHeaders, StringSerializer } from '../../../src/index.js';

test('a string for the plain StringSerializer goes as it is, and its UTF-8 bytes are what the serializer makes', () => {
  const serializer = new StringSerializer();
  const text = 'grüße, 東京 ✓';
  expect(wireValue(serializer, 't', text, new RecordHeaders())).toBe(text);
  expect(Buffer.from(text, 'utf8').equals(serializer.serialize('t', text)!)).toBe(true);
});

test('other values and other serializers go through the serializer', () => {
  const headers = new RecordHeaders();
  expect(wireValue(new StringSerializer(), 't', 42, headers)).toEqual(Buffer.from('42'));
  expect(wireValue(new StringSerializer(), 't', null, headers)).toBeNull();
  class Shouting extends StringSerializer {
    override serialize(topic: string, data: unknown): Buffer | null {
      return super.serialize(topic, typeof data === 'string' ? data.toUpperCase() : data);
    }
  }
  expect(wireValue(new Shouting(), 't', 'quiet', headers)).toEqual(Buffer.from('QUIET'));
  expect(wireValue(new JsonSerializer(), 't', 'text', headers)).toEqual(Buffer.from('text'));
});
