import type { ConsumerConfig } from 'kafkajs';
import type { Logger } from '../support/logger.js';

/**
 * Consumer settings: kafkajs' `ConsumerConfig` plus Kafka's `auto.offset.reset`, which kafkajs
 * takes as a `subscribe` argument instead.
 */
export interface ConsumerSettings extends Partial<ConsumerConfig> {
  /**
   * Where a group with no committed offset starts: `earliest` (the default here; Kafka's is
   * `latest`) or `latest`. With `latest`, records sent between a consumer's assignment and its
   * first fetch would be skipped, which surprises more often than re-reading a topic does.
   */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /**
   * Kafka's `isolation.level`: `read_committed` (kafkajs' default, and forced for containers
   * with a transaction manager unless their own properties say otherwise) skips records of
   * aborted and still-open transactions; `read_uncommitted` sees everything. Takes precedence
   * over kafkajs' `readUncommitted`.
   */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
}

/**
 * Consumer overrides as kafkajs-named settings, or as Kafka's property strings the way
 * `@KafkaListener({ properties })` takes them in Spring: `'key=value'`, `'key:value'` or
 * `'key value'` (e.g. `'session.timeout.ms=10000'`).
 */
export type KafkaConsumerOverrides = ConsumerSettings | readonly string[];

/** Java consumer property names and the kafkajs setting each maps to. */
export const KAFKA_CONSUMER_PROPERTY_NAMES: Readonly<Record<string, { key: keyof ConsumerSettings; parse: (value: string) => unknown }>> = {
  'group.id': { key: 'groupId', parse: String },
  'session.timeout.ms': { key: 'sessionTimeout', parse: Number },
  'heartbeat.interval.ms': { key: 'heartbeatInterval', parse: Number },
  'max.poll.interval.ms': { key: 'rebalanceTimeout', parse: Number },
  'fetch.max.wait.ms': { key: 'maxWaitTimeInMs', parse: Number },
  'fetch.min.bytes': { key: 'minBytes', parse: Number },
  'fetch.max.bytes': { key: 'maxBytes', parse: Number },
  'max.partition.fetch.bytes': { key: 'maxBytesPerPartition', parse: Number },
  'metadata.max.age.ms': { key: 'metadataMaxAge', parse: Number },
  'allow.auto.create.topics': { key: 'allowAutoTopicCreation', parse: (v) => v === 'true' },
  'isolation.level': { key: 'readUncommitted', parse: (v) => v === 'read_uncommitted' },
  'auto.offset.reset': { key: 'autoOffsetReset', parse: (v) => (v === 'latest' || v === 'none' ? v : 'earliest') },
  'client.rack': { key: 'rackId', parse: String },
  'max.in.flight.requests.per.connection': { key: 'maxInFlightRequests', parse: Number },
};

/** Turns either form of overrides into kafkajs-named settings; unknown Kafka names are logged and ignored. */
export function parseConsumerOverrides(overrides: KafkaConsumerOverrides | undefined, logger?: Logger): ConsumerSettings {
  if (!overrides) return {};
  if (!Array.isArray(overrides)) return { ...(overrides as ConsumerSettings) };
  const settings: Record<string, unknown> = {};
  for (const entry of overrides as readonly string[]) {
    const match = /^\s*([^=:\s]+)\s*[=:\s]\s*(.*?)\s*$/.exec(String(entry));
    const mapping = match ? KAFKA_CONSUMER_PROPERTY_NAMES[match[1]!] : undefined;
    if (!match || !mapping) {
      logger?.warn(`Ignoring consumer property '${entry}': not a 'key=value' pair with a supported Kafka consumer property name`);
      continue;
    }
    const value = mapping.parse(match[2]!);
    if (typeof value === 'number' && !Number.isFinite(value)) {
      logger?.warn(`Ignoring consumer property '${entry}': not a number`);
      continue;
    }
    settings[mapping.key] = value;
  }
  return settings as ConsumerSettings;
}

/** Defaults that differ from kafkajs': Java's 500 ms fetch wait instead of 5 s, `earliest`. */
export const CONSUMER_DEFAULTS: ConsumerSettings = {
  maxWaitTimeInMs: 500,
  autoOffsetReset: 'earliest',
};
