import { TOPIC_CONFIG_BY_NAME, type TopicConfigDefinition } from '../config/config-definitions.js';
import { validateConfigValue } from '../config/config-validation.js';

/**
 * The topic-level settings a partition log reads, with Kafka's names and defaults. Built from
 * the string map a CreateTopics / AlterConfigs request carries; a bad value is an
 * InvalidConfigError (INVALID_CONFIG). Defaults and bounds are the topic config definitions'.
 */

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

// Java's Long.MAX_VALUE as Kafka writes it in configs; a double rounds it to 2^63, which is what
// the comparisons need (no timestamp or size comes near it).
export const LONG_MAX_VALUE = 2 ** 63;
const JAVA_LONG_MAX = '9223372036854775807';

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

type Converter<T> = (canonical: string) => T;

const toNumber: Converter<number> = (canonical) => Number(canonical);
const toBoolean: Converter<boolean> = (canonical) => canonical === 'true';
const toCleanupPolicy: Converter<CleanupPolicy> = (canonical) => {
  const parts = new Set(canonical.split(','));
  if (parts.has('compact') && parts.has('delete')) return 'compact,delete';
  return parts.has('compact') ? 'compact' : 'delete';
};
const toTimestampType: Converter<MessageTimestampType> = (canonical) => canonical as MessageTimestampType;

/**
 * How each field reads the canonical string its definition's validation returns. Names, types,
 * defaults and bounds are not here: they are the topic config definitions' (config-definitions.ts).
 */
const CONVERTERS: { readonly [K in keyof LogConfigValues]: Converter<LogConfigValues[K]> } = {
  segmentBytes: toNumber,
  segmentMs: toNumber,
  segmentJitterMs: toNumber,
  segmentIndexBytes: toNumber,
  indexIntervalBytes: toNumber,
  retentionMs: toNumber,
  retentionBytes: toNumber,
  cleanupPolicy: toCleanupPolicy,
  deleteRetentionMs: toNumber,
  minCompactionLagMs: toNumber,
  maxCompactionLagMs: toNumber,
  minCleanableDirtyRatio: toNumber,
  flushMessages: toNumber,
  flushMs: toNumber,
  messageTimestampType: toTimestampType,
  maxMessageBytes: toNumber,
  fileDeleteDelayMs: toNumber,
  fsyncOnAppend: toBoolean,
};

/** The declaration of a field's topic config (every LogConfig field is one). */
export function definitionOf(field: keyof LogConfigValues): TopicConfigDefinition {
  const definition = TOPIC_CONFIG_BY_NAME.get(LogConfigKeys[field]);
  if (!definition) throw new Error(`no topic config definition for ${LogConfigKeys[field]}`);
  return definition;
}

/**
 * Validates `raw` against the field's definition (InvalidConfigError, INVALID_CONFIG) and
 * converts it. Values past 2^53 are "practically never" thresholds: the rounding does not matter.
 */
function parseField<K extends keyof LogConfigValues>(field: K, raw: string): LogConfigValues[K] {
  return CONVERTERS[field](validateConfigValue(definitionOf(field), raw));
}

const FIELDS = Object.keys(LogConfigKeys) as (keyof LogConfigValues)[];

/**
 * A partition log's settings. Immutable: a config change builds a new one and hands it to
 * `PartitionLog.updateConfig`.
 */
export class LogConfig implements LogConfigValues {
  /** Kafka's defaults, read from the topic config definitions. */
  static readonly DEFAULT: LogConfig = new LogConfig(Object.fromEntries(FIELDS.map((field) => [field, parseField(field, definitionOf(field).default!)])) as unknown as LogConfigValues);

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
   * InvalidConfigError (INVALID_CONFIG) for the first bad value.
   */
  static fromMap(props: Readonly<Record<string, string | null | undefined>>, base: LogConfig = LogConfig.DEFAULT): LogConfig {
    const values: Record<string, unknown> = { ...base.values() };
    for (const field of FIELDS) {
      const key = LogConfigKeys[field];
      const raw = props[key];
      if (raw === undefined || raw === null) continue;
      values[field] = parseField(field, raw);
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
      out[LogConfigKeys[field]] = value === LONG_MAX_VALUE ? JAVA_LONG_MAX : String(value);
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
  if (field !== undefined) parseField(field, value);
}

/** {@link LogConfig.fromMap} as a function. */
export function parseLogConfig(props: Readonly<Record<string, string | null | undefined>>, base: LogConfig = LogConfig.DEFAULT): LogConfig {
  return LogConfig.fromMap(props, base);
}

export const DEFAULT_LOG_CONFIG: LogConfig = LogConfig.DEFAULT;
