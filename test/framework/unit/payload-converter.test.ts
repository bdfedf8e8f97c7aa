import { Exclude, Type } from 'class-transformer';
import { describe, expect, test } from 'vitest';
import { MessageConversionException } from '../../../src/framework/support/converter/message-conversion-exception.js';
import { PayloadConverter } from '../../../src/framework/support/converter/payload-converter.js';
import { convertHeaderValue } from '../../../src/framework/support/converter/header-value-converter.js';

class Line {
  sku!: string;
  qty!: number;
  cost(): number {
    return this.qty * 10;
  }
}
class Order {
  id!: string;
  @Type(() => Date) placedAt!: Date;
  @Type(() => Line) lines: Line[] = [];
  @Exclude() secret?: string;
}

const converter = new PayloadConverter();

describe('PayloadConverter', () => {
  test('JSON text to a class, nested @Type honoured', () => {
    const order = converter.convert('{"id":"o1","placedAt":"2024-01-02T03:04:05.000Z","lines":[{"sku":"a","qty":2}],"secret":"x"}', undefined, Order) as Order;
    expect(order).toBeInstanceOf(Order);
    expect(order.placedAt).toBeInstanceOf(Date);
    expect(order.lines[0]).toBeInstanceOf(Line);
    expect(order.lines[0]!.cost()).toBe(20);
    expect(order.secret).toBeUndefined();
  });

  test('primitives by declared type', () => {
    expect(converter.convert('42', undefined, Number)).toBe(42);
    expect(converter.convert(' true ', undefined, Boolean)).toBe(true);
    expect(converter.convert('12345678901234567890', undefined, BigInt)).toBe(12345678901234567890n);
    expect(converter.convert('hello', undefined, String)).toBe('hello');
    expect((converter.convert('2024-01-01T00:00:00Z', undefined, Date) as Date).getUTCFullYear()).toBe(2024);
  });

  test('Buffer gets the bytes the record arrived with', () => {
    const raw = Buffer.from([0xff, 0x00, 0x01]);
    expect(converter.convert('ignored', raw, Buffer)).toBe(raw);
    expect(converter.convert('abc', undefined, Buffer)).toEqual(Buffer.from('abc'));
  });

  test('arrays with an element type', () => {
    const lines = converter.convert('[{"sku":"a","qty":1},{"sku":"b","qty":3}]', undefined, Array, Line) as Line[];
    expect(lines.map((l) => l.cost())).toEqual([10, 30]);
  });

  test('untyped parameters get parsed JSON objects, other text as is', () => {
    expect(converter.convert('{"a":1}', undefined, Object)).toEqual({ a: 1 });
    expect(converter.convert('plain text', undefined, undefined)).toBe('plain text');
    expect(converter.convert('42', undefined, Object)).toBe('42');
    expect(converter.convert('{not json', undefined, Object)).toBe('{not json');
  });

  test('an enum object from Oxc metadata is treated as untyped', () => {
    const Color = { Red: 'RED' };
    expect(converter.convert('RED', undefined, Color)).toBe('RED');
  });

  test('what cannot be converted raises MessageConversionException', () => {
    expect(() => converter.convert('not json', undefined, Order)).toThrow(MessageConversionException);
    expect(() => converter.convert('[1,2]', undefined, Order)).toThrow(MessageConversionException);
    expect(() => converter.convert('abc', undefined, Number)).toThrow(MessageConversionException);
    expect(() => converter.convert('', undefined, Number)).toThrow(MessageConversionException);
    expect(() => converter.convert('maybe', undefined, Boolean)).toThrow(MessageConversionException);
    expect(() => converter.convert('{}', undefined, Array)).toThrow(MessageConversionException);
    expect(() => converter.convert('never', undefined, Date)).toThrow(MessageConversionException);
  });

  test('header values by declared type', () => {
    expect(convertHeaderValue(Buffer.from('abc'), String)).toBe('abc');
    expect(convertHeaderValue(Buffer.from('17'), Number)).toBe(17);
    expect(convertHeaderValue(Buffer.from([0, 0, 1, 0]), Number)).toBe(256);
    expect(convertHeaderValue(Buffer.from('x'), Buffer)).toEqual(Buffer.from('x'));
    expect(convertHeaderValue(3, String)).toBe('3');
    expect(convertHeaderValue(Buffer.from('text'), undefined)).toBe('text');
  });
});
