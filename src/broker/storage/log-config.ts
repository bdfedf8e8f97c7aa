import { InvalidConfigError } from './errors.js';

/**
 * The topic-level settings a partition log reads, with Kafka's names and defaults. Built from
 * the string map a CreateTopics / AlterConfigs request carries; a bad value is an
 * {@link InvalidConfigError} (INVALID_CONFIG).
 */

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

/** Java's Long.MAX_VALUE as a number: Kafka's "never" for flush.messages, flush.ms, max.compaction.lag.ms. */
// Java's Long.MAX_VALUE as Kafka writes it in configs; a double rounds it to 2^63, which is what
// the comparisons need (no timestamp or size comes near it).
export const LONG_MAX_VALUE = 2 ** 63;

/** The settings as plain values (what {@link LogConfig.with} takes). */
export interface LogConfigValues {
  /** segment.bytes: roll a new segment when the active one would grow past this. */
  readonly segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is this old (by record timestamps). */
  readonly segmentMs: number;
  /** segment.jitter.ms: each new segment rolls a random [0, min(this, segment.ms)) ms early. */
  readonly segmentJitterMs: number;
  /** segment.index.bytes: preallocated size of .index / .timeindex; a full index rolls the segment. */
  readonly segmentIndexBytes: number;
  /** index.interval.bytes: bytes of log between two offset index entries. */
  readonly indexIntervalBytes: number;
  /** retention.ms: -1 keeps segments forever. */
  readonly retentionMs: number;
  /** retention.bytes: -1 = no size limit. */
  readonly retentionBytes: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones survive compaction. */
  readonly deleteRetentionMs: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly minCleanableDirtyRatio: number;
  /** flush.messages: fsync after this many appended records (LONG_MAX_VALUE = leave it to the OS). */
  readonly flushMessages: number;
  /** flush.ms: fsync when the last flush is this old (checked by the log manager's flusher). */
  readonly flushMs: number;
  readonly messageTimestampType: MessageTimestampType;
  /** max.message.bytes: the largest batch a producer may append (checked by the produce path). */
  readonly maxMessageBytes: number;
  /** file.delete.delay.ms: deleted segments linger as `.deleted` files this long. */
  readonly fileDeleteDelayMs: number;
  /** streamwright.fsync.on.append (not a Kafka config): fsync the active segment after every append. */
  readonly fsyncOnAppend: boolean;
}

export const LogConfigKeys = {
  segmentBytes: 'segment.bytes',
  segmentMs: 'segment.ms',
  segmentJitterMs: 'segment.jitter.ms',
  segmentIndexBytes: 'segment.index.bytes',
  indexIntervalBytes: 'index.interval.bytes',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes',
  cleanupPolicy: 'cleanup.policy',
  deleteRetentionMs: 'delete.retention.ms',
  minCompactionLagMs: 'min.compaction.lag.ms',
  maxCompactionLagMs: 'max.compaction.lag.ms',
  minCleanableDirtyRatio: 'min.cleanable.dirty.ratio',
  flushMessages: 'flush.messages',
  flushMs: 'flush.ms',
  messageTimestampType: 'message.timestamp.type',
  maxMessageBytes: 'max.message.bytes',
  fileDeleteDelayMs: 'file.delete.delay.ms',
  fsyncOnAppend: 'streamwright.fsync.on.append',
} as const satisfies Record<keyof LogConfigValues, string>;

/** Every config name {@link LogConfig.fromMap} understands. */
export const LOG_CONFIG_NAMES: ReadonlySet<string> = new Set(Object.values(LogConfigKeys));

const DEFAULTS: LogConfigValues = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  segmentJitterMs: 0,
  segmentIndexBytes: 10485760,
  indexIntervalBytes: 4096,
  retentionMs: 604800000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 86400000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX_VALUE,
  minCleanableDirtyRatio: 0.5,
  flushMessages: LONG_MAX_VALUE,
  flushMs: LONG_MAX_VALUE,
  messageTimestampType: 'CreateTime',
  maxMessageBytes: 1048588,
  fileDeleteDelayMs: 60000,
  fsyncOnAppend: false,
});

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INTEGER = /^[+-]?\d+$/;

type Parser<T> = (key: string, raw: string) => T;

function int(min: number, max = INT_MAX): Parser<number> {
  return (key, raw) => {
    const text = raw.trim();
    if (!INTEGER.test(text)) throw new InvalidConfigError(key, raw, 'expected an int');
    const value = Number(text);
    if (value < INT_MIN || value > INT_MAX) throw new InvalidConfigError(key, raw, 'does not fit in an int');
    if (value < min || value > max) throw new InvalidConfigError(key, raw, `value must be in [${min}, ${max}]`);
    return value;
  };
}

function long(min: number): Parser<number> {
  return (key, raw) => {
    const text = raw.trim();
    if (!INTEGER.test(text)) throw new InvalidConfigError(key, raw, 'expected a long');
    const big = BigInt(text);
    if (big < LONG_MIN || big > LONG_MAX) throw new InvalidConfigError(key, raw, 'does not fit in a long');
    if (big < BigInt(min)) throw new InvalidConfigError(key, raw, `value must be at least ${min}`);
    // Values past 2^53 are "practically never" thresholds: the rounding does not matter.
    return Number(big);
  };
}

const ratio: Parser<number> = (key, raw) => {
  const text = raw.trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new InvalidConfigError(key, raw, 'expected a double');
  if (value < 0 || value > 1) throw new InvalidConfigError(key, raw, 'value must be in [0, 1]');
  return value;
};

const bool: Parser<boolean> = (key, raw) => {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InvalidConfigError(key, raw, 'expected true or false');
};

const cleanupPolicy: Parser<CleanupPolicy> = (key, raw) => {
  const parts = new Set(raw.split(',').map((p) => p.trim()));
  for (const part of parts) {
    if (part !== 'compact' && part !== 'delete') throw new InvalidConfigError(key, raw, 'expected a list of compact, delete');
  }
  if (parts.has('compact') && parts.has('delete')) return 'compact,delete';
  if (parts.has('compact')) return 'compact';
  return 'delete';
};

const timestampType: Parser<MessageTimestampType> = (key, raw) => {
  const text = raw.trim();
  if (text === 'CreateTime' || text === 'LogAppendTime') return text;
  throw new InvalidConfigError(key, raw, 'expected CreateTime or LogAppendTime');
};

// Kafka's validators (TopicConfig / LogConfig): the lower bounds are Kafka's own.
const PARSERS: { readonly [K in keyof LogConfigValues]: Parser<LogConfigValues[K]> } = {
  segmentBytes: int(14),
  segmentMs: long(1),
  segmentJitterMs: long(0),
  segmentIndexBytes: int(4),
  indexIntervalBytes: int(0),
  retentionMs: long(-1),
  retentionBytes: long(Number.MIN_SAFE_INTEGER),
  cleanupPolicy,
  deleteRetentionMs: long(0),
  minCompactionLagMs: long(0),
  maxCompactionLagMs: long(1),
  minCleanableDirtyRatio: ratio,
  flushMessages: long(1),
  flushMs: long(0),
  messageTimestampType: timestampType,
  maxMessageBytes: int(0),
  fileDeleteDelayMs: long(0),
  fsyncOnAppend: bool,
};

const FIELDS = Object.keys(LogConfigKeys) as (keyof LogConfigValues)[];

/**
 * A partition log's settings. Immutable: a config change builds a new one and hands it to
 * `PartitionLog.updateConfig`.
 */
export class LogConfig implements LogConfigValues {
  static readonly DEFAULT: LogConfig = new LogConfig(DEFAULTS);

  readonly segmentBytes!: number;
  readonly segmentMs!: number;
  readonly segmentJitterMs!: number;
  readonly segmentIndexBytes!: number;
  readonly indexIntervalBytes!: number;
  readonly retentionMs!: number;
  readonly retentionBytes!: number;
  readonly cleanupPolicy!: CleanupPolicy;
  readonly deleteRetentionMs!: number;
  readonly minCompactionLagMs!: number;
  readonly maxCompactionLagMs!: number;
  readonly minCleanableDirtyRatio!: number;
  readonly flushMessages!: number;
  readonly flushMs!: number;
  readonly messageTimestampType!: MessageTimestampType;
  readonly maxMessageBytes!: number;
  readonly fileDeleteDelayMs!: number;
  readonly fsyncOnAppend!: boolean;

  private constructor(values: LogConfigValues) {
    Object.assign(this, values);
    Object.freeze(this);
  }

  /**
   * Parses topic config strings layered over `base` (the broker's defaults). Names this
   * class does not know are ignored: the broker owns the full set of topic configs. Throws
   * {@link InvalidConfigError} (INVALID_CONFIG) for the first bad value.
   */
  static fromMap(props: Readonly<Record<string, string | null | undefined>>, base: LogConfig = LogConfig.DEFAULT): LogConfig {
    const values: Record<string, unknown> = { ...base.values() };
    for (const field of FIELDS) {
      const key = LogConfigKeys[field];
      const raw = props[key];
      if (raw === undefined || raw === null) continue;
      values[field] = PARSERS[field](key, raw);
    }
    return new LogConfig(values as unknown as LogConfigValues);
  }

  /** A copy with some values replaced (tests, programmatic overrides). Values are not re-validated. */
  with(overrides: Partial<LogConfigValues>): LogConfig {
    return new LogConfig({ ...this.values(), ...overrides });
  }

  values(): LogConfigValues {
    const out: Record<string, unknown> = {};
    for (const field of FIELDS) out[field] = this[field];
    return out as unknown as LogConfigValues;
  }

  /** The config as Kafka's string map (DescribeConfigs). */
  toMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const field of FIELDS) {
      const value = this[field];
      out[LogConfigKeys[field]] = value === LONG_MAX_VALUE ? LONG_MAX.toString() : String(value);
    }
    return out;
  }

  /**
   * Kafka's randomSegmentJitter: how much earlier than segment.ms a new segment rolls, drawn
   * from [0, min(segment.jitter.ms, segment.ms)). `random` returns a number in [0, 1).
   */
  randomSegmentJitter(random: () => number = Math.random): number {
    if (this.segmentJitterMs <= 0) return 0;
    return Math.floor(random() * Math.min(this.segmentJitterMs, this.segmentMs));
  }

  get compact(): boolean {
    return this.cleanupPolicy !== 'delete';
  }

  get deleteEnabled(): boolean {
    return this.cleanupPolicy !== 'compact';
  }
}

/** Validates one `name=value` pair (AlterConfigs, CreateTopics validateOnly). Unknown names pass. */
export function validateLogConfigValue(name: string, value: string): void {
  const field = FIELDS.find((f) => LogConfigKeys[f] === name);
  if (field !== undefined) PARSERS[field](name, value);
}

/** {@link LogConfig.fromMap} as a function. */
export function parseLogConfig(props: Readonly<Record<string, string | null | undefined>>, base: LogConfig = LogConfig.DEFAULT): LogConfig {
  return LogConfig.fromMap(props, base);
}

export const DEFAULT_LOG_CONFIG: LogConfig = LogConfig.DEFAULT;
