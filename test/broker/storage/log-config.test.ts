import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { InvalidConfigError } from '../../../src/broker/storage/errors.js';
import { LogConfig, LONG_MAX_VALUE, validateLogConfigValue } from '../../../src/broker/storage/log-config.js';

describe('LogConfig', () => {
  it('has Kafka defaults', () => {
    const c = LogConfig.DEFAULT;
    expect(c.segmentBytes).toBe(1073741824);
    expect(c.segmentMs).toBe(604800000);
    expect(c.segmentIndexBytes).toBe(10485760);
    expect(c.indexIntervalBytes).toBe(4096);
    expect(c.retentionMs).toBe(604800000);
    expect(c.retentionBytes).toBe(-1);
    expect(c.cleanupPolicy).toBe('delete');
    expect(c.deleteRetentionMs).toBe(86400000);
    expect(c.minCompactionLagMs).toBe(0);
    expect(c.maxCompactionLagMs).toBe(LONG_MAX_VALUE);
    expect(c.minCleanableDirtyRatio).toBe(0.5);
    expect(c.flushMessages).toBe(LONG_MAX_VALUE);
    expect(c.flushMs).toBe(LONG_MAX_VALUE);
    expect(c.messageTimestampType).toBe('CreateTime');
    expect(c.fileDeleteDelayMs).toBe(60000);
    expect(c.fsyncOnAppend).toBe(false);
  });

  it('parses Kafka config strings over a base and ignores unknown names', () => {
    const c = LogConfig.fromMap({
      'segment.bytes': '1024',
      'retention.ms': '-1',
      'cleanup.policy': 'delete, compact',
      'min.cleanable.dirty.ratio': '0.25',
      'flush.messages': '9223372036854775807',
      'message.timestamp.type': 'LogAppendTime',
      'streamwright.fsync.on.append': 'TRUE',
      'compression.type': 'zstd',
    });
    expect(c.segmentBytes).toBe(1024);
    expect(c.retentionMs).toBe(-1);
    expect(c.cleanupPolicy).toBe('compact,delete');
    expect(c.compact && c.deleteEnabled).toBe(true);
    expect(c.minCleanableDirtyRatio).toBe(0.25);
    expect(c.flushMessages).toBe(LONG_MAX_VALUE);
    expect(c.messageTimestampType).toBe('LogAppendTime');
    expect(c.fsyncOnAppend).toBe(true);
    const layered = LogConfig.fromMap({ 'retention.bytes': '5000' }, c);
    expect(layered.segmentBytes).toBe(1024);
    expect(layered.retentionBytes).toBe(5000);
    expect(LogConfig.fromMap({ 'cleanup.policy': 'compact' }).deleteEnabled).toBe(false);
  });

  it.each([
    ['segment.bytes', '13'],
    ['segment.bytes', '2147483648'],
    ['segment.bytes', 'big'],
    ['segment.ms', '0'],
    ['retention.ms', '-2'],
    ['retention.ms', '1.5'],
    ['cleanup.policy', 'compact,forever'],
    ['min.cleanable.dirty.ratio', '1.5'],
    ['message.timestamp.type', 'WallClock'],
    ['flush.messages', '0'],
    ['flush.ms', '9223372036854775808'],
    ['streamwright.fsync.on.append', 'yes'],
  ])('rejects %s=%s with INVALID_CONFIG', (key, value) => {
    let caught: unknown;
    try {
      LogConfig.fromMap({ [key]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidConfigError);
    expect((caught as InvalidConfigError).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((caught as InvalidConfigError).key).toBe(key);
    expect(() => validateLogConfigValue(key, value)).toThrow(InvalidConfigError);
  });

  it('round-trips through its string map', () => {
    const c = LogConfig.fromMap({ 'segment.bytes': '4096', 'cleanup.policy': 'compact' });
    const map = c.toMap();
    expect(map['segment.bytes']).toBe('4096');
    expect(map['flush.ms']).toBe('9223372036854775807');
    expect(LogConfig.fromMap(map).values()).toEqual(c.values());
  });
});
