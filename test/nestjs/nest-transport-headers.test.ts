/**
 * The NestJS dialect of the request/reply headers, without a broker: which requests are
 * Nest's, how a Nest error reply is read, and the text correlation ids Nest can echo.
 */
import { describe, expect, test } from 'vitest';
import { CorrelationKey, encodeReplyPartition } from '../../src/index.js';
import { isNestRequest, nestErrorOf, nestErrorValue } from '../../src/framework/requestreply/nest-transport-headers.js';
import { RecordHeaders } from '../../src/framework/support/record-headers.js';

const headers = (entries: Record<string, string | Buffer>) => RecordHeaders.fromKafkaJs(entries);

describe('isNestRequest', () => {
  test('a decimal-string kafka_replyPartition is Nest\'s; Spring\'s 4-byte int and no partition are not', () => {
    expect(isNestRequest(headers({ kafka_replyPartition: '0' }))).toBe(true);
    expect(isNestRequest(headers({ kafka_replyPartition: Buffer.from('12') }))).toBe(true);
    expect(isNestRequest(headers({ kafka_replyPartition: Buffer.from('1234') }))).toBe(true);
    expect(isNestRequest(headers({ kafka_replyPartition: encodeReplyPartition(3) }))).toBe(false);
    expect(isNestRequest(headers({}))).toBe(false);
    expect(isNestRequest(headers({ kafka_replyPartition: 'x1' }))).toBe(false);
  });
});

describe('nestErrorOf', () => {
  test('reads Nest\'s JSON error, a JSON string and plain text; other replies have none', () => {
    expect(nestErrorOf(headers({ 'kafka_nest-err': '{"status":"error","message":"Internal server error"}' }))).toEqual({ className: 'RpcException', message: 'Internal server error' });
    expect(nestErrorOf(headers({ 'kafka_nest-err': nestErrorValue('RangeError', 'too big') }))).toEqual({ className: 'RangeError', message: 'too big' });
    expect(nestErrorOf(headers({ 'kafka_nest-err': '"quoted"' }))).toEqual({ className: 'RpcException', message: 'quoted' });
    expect(nestErrorOf(headers({ 'kafka_nest-err': 'plain failure' }))).toEqual({ className: 'RpcException', message: 'plain failure' });
    expect(nestErrorOf(headers({ 'kafka_nest-err': '{not json' }))).toEqual({ className: 'RpcException', message: '{not json' });
    expect(nestErrorOf(headers({ kafka_correlationId: 'abc' }))).toBeUndefined();
  });
});

describe('CorrelationKey.randomText', () => {
  test('is a UUID as text: it survives a UTF-8 round trip, and prints as itself', () => {
    const key = CorrelationKey.randomText();
    expect(key.bytes.toString('utf8')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Buffer.from(key.bytes.toString('utf8')).equals(key.bytes)).toBe(true);
    expect(String(key)).toBe(key.bytes.toString('utf8'));
    expect(CorrelationKey.randomText().hex).not.toBe(key.hex);
  });
});
