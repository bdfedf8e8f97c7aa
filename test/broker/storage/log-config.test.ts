import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { InvalidConfigError } from '../../../src/broker/config/invalid-config-error.js';
import { validateTopicConfigs } from '../../../src/broker/config/broker-config.js';
import { TOPIC_CONFIGS } from '../../../src/broker/config/config-definitions.js';
import { LogConfig, LogConfigKeys, LONG_MAX_VALUE, validateLogConfigValue, type LogConfigValues } from '../../../src/broker/storage/log-config.js';

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

  it('reports Kafka-style messages', () => {
    expect(() => LogConfig.fromMap({ 'retention.ms': '-2' })).toThrow('Invalid value -2 for configuration retention.ms: Value must be at least -1');
    expect(() => LogConfig.fromMap({ 'min.cleanable.dirty.ratio': '1.5' })).toThrow('Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
    expect(() => LogConfig.fromMap({ 'cleanup.policy': 'compact,forever' })).toThrow('Invalid value compact,forever for configuration cleanup.policy: String must be one of: compact, delete');
  });

  it('round-trips through its string map', () => {
    const c = LogConfig.fromMap({ 'segment.bytes': '4096', 'cleanup.policy': 'compact' });
    const map = c.toMap();
    expect(map['segment.bytes']).toBe('4096');
    expect(map['flush.ms']).toBe('9223372036854775807');
    expect(LogConfig.fromMap(map).values()).toEqual(c.values());
  });
});

// The storage layer has no table of its own: its defaults and bounds are the topic config
// definitions'. These walk every declared topic config so that the two cannot drift apart.
describe('LogConfig and the topic config definitions', () => {
  const fields = Object.keys(LogConfigKeys) as (keyof LogConfigValues)[];
  const logConfigNames = new Set<string>(Object.values(LogConfigKeys));

  it('has a declared topic config for every field', () => {
    const declared = new Set(TOPIC_CONFIGS.map((d) => d.name));
    expect(fields.map((f) => LogConfigKeys[f]).filter((name) => !declared.has(name))).toEqual([]);
  });

  it.each(TOPIC_CONFIGS.map((d) => [d.name, d] as const))('%s: the storage default is the declared default', (name, definition) => {
    expect(definition.default).not.toBeNull();
    const storage = LogConfig.DEFAULT.toMap();
    if (logConfigNames.has(name)) {
      // Same value once both are read the same way (the default map writes Long.MAX_VALUE back as Kafka does).
      expect(storage[name]).toBe(validateTopicConfigs({ [name]: definition.default! })[name]);
    }
    // Every declared default is itself valid under its own bounds.
    expect(() => validateTopicConfigs({ [name]: definition.default! })).not.toThrow();
  });

  it.each(TOPIC_CONFIGS.filter((d) => d.min !== undefined).map((d) => [d.name, d.min!] as const))('%s: the storage layer refuses just below the declared minimum %s', (name, min) => {
    const below = Number.isInteger(min) ? String(BigInt(min) - 1n) : String(min - 0.01);
    expect(() => validateTopicConfigs({ [name]: below })).toThrow(InvalidConfigError);
    if (logConfigNames.has(name)) {
      expect(() => LogConfig.fromMap({ [name]: below })).toThrow(InvalidConfigError);
      expect(() => LogConfig.fromMap({ [name]: String(min) })).not.toThrow();
    }
  });

  it.each(TOPIC_CONFIGS.filter((d) => d.max !== undefined).map((d) => [d.name, d.max!] as const))('%s: the storage layer refuses just above the declared maximum %s', (name, max) => {
    const above = String(max + 0.01);
    expect(() => validateTopicConfigs({ [name]: above })).toThrow(InvalidConfigError);
    if (logConfigNames.has(name)) {
      expect(() => LogConfig.fromMap({ [name]: above })).toThrow(InvalidConfigError);
      expect(() => LogConfig.fromMap({ [name]: String(max) })).not.toThrow();
    }
  });

  // Where the storage layer's own table and the definitions used to disagree, now settled on Kafka's rule.
  it.each([
    ['segment.index.bytes', '4', true], // Kafka's atLeast(4); the definitions said 8
    ['segment.index.bytes', '3', false],
    ['min.cleanable.dirty.ratio', '1.5', false], // Kafka's between(0, 1); the definitions had no upper bound
    ['streamwright.fsync.on.append', 'TRUE', true], // Kafka reads booleans ignoring case; the definitions did not
    ['cleanup.policy', 'delete,delete', true], // a list of compact/delete (Kafka's ValidList)
    ['segment.bytes', '+1024', true], // Java's Integer.parseInt takes a sign
  ] as const)('request validation and the storage layer agree on %s=%s (valid: %s)', (name, value, valid) => {
    const check = (fn: () => unknown) => (valid ? expect(fn).not.toThrow() : expect(fn).toThrow(InvalidConfigError));
    check(() => validateTopicConfigs({ [name]: value }));
    check(() => LogConfig.fromMap({ [name]: value }));
  });
});
