import { isIP } from 'node:net';

/**
 * Kafka's configuration names, types, defaults and bounds for what this broker implements: the
 * one place they are declared. Validation (config-validation.ts), DescribeConfigs and the
 * storage layer's LogConfig all read them. Topic configs name their broker-level synonym (the
 * broker value a topic inherits unless it overrides it), which is also what DescribeConfigs
 * reports as synonyms; every topic config may change on a live topic, and so may its synonym
 * (DYNAMIC_BROKER_CONFIGS).
 */
export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** DescribeConfigs ConfigType codes (v3+). */
export const CONFIG_TYPE_CODES: Record<ConfigType, number> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
};

export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default as a string; null where Kafka has none. */
  readonly default: string | null;
  /** Allowed values, for enumerations (validated on create/alter); for a list, of each element. */
  readonly validValues?: readonly string[];
  /** Smallest allowed numeric value. */
  readonly min?: number;
  /** Largest allowed numeric value (beyond what the type holds). */
  readonly max?: number;
  /** A broker config AlterConfigs may change on a running broker (Kafka's dynamic configs); topic configs always may. */
  readonly dynamic?: boolean;
  /** A check beyond type and range: returns why the value is invalid, or undefined. */
  readonly check?: (value: string) => string | undefined;
}

export interface TopicConfigDefinition extends ConfigDefinition {
  /** The broker config a topic inherits this value from. */
  readonly brokerSynonym: string | null;
}

const LONG_MAX = '9223372036854775807';
const INT_MAX = '2147483647';

/** max.connections.per.ip.overrides: `host:count` pairs, comma-separated (IP addresses here). */
function checkHostCounts(value: string): string | undefined {
  for (const entry of value.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.lastIndexOf(':');
    const host = entry.slice(0, at);
    const count = entry.slice(at + 1);
    if (at <= 0 || !/^\d+$/.test(count) || Number(count) > 2 ** 31 - 1) return `expected host:count pairs, got "${entry}"`;
    if (isIP(host.replace(/^\[|\]$/g, '')) === 0) return `"${host}" is not an IP address (host names are not resolved)`;
  }
  return undefined;
}

export const TOPIC_CONFIGS: readonly TopicConfigDefinition[] = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', brokerSynonym: 'log.cleanup.policy', validValues: ['compact', 'delete'] },
  { name: 'compression.type', type: 'string', default: 'producer', brokerSynonym: 'compression.type', validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', brokerSynonym: 'log.cleaner.delete.retention.ms', min: 0 },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', brokerSynonym: 'log.segment.delete.delay.ms', min: 0 },
  { name: 'flush.messages', type: 'long', default: LONG_MAX, brokerSynonym: 'log.flush.interval.messages', min: 1 },
  { name: 'flush.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.flush.interval.ms', min: 0 },
  { name: 'index.interval.bytes', type: 'int', default: '4096', brokerSynonym: 'log.index.interval.bytes', min: 0 },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.cleaner.max.compaction.lag.ms', min: 1 },
  { name: 'max.message.bytes', type: 'int', default: '1048588', brokerSynonym: 'message.max.bytes', min: 0 },
  { name: 'message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.message.timestamp.after.max.ms', min: 0 },
  { name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.message.timestamp.before.max.ms', min: 0 },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', brokerSynonym: 'log.message.timestamp.type', validValues: ['CreateTime', 'LogAppendTime'] },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', brokerSynonym: 'log.cleaner.min.cleanable.ratio', min: 0, max: 1 },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', min: 0 },
  { name: 'min.insync.replicas', type: 'int', default: '1', brokerSynonym: 'min.insync.replicas', min: 1 },
  { name: 'preallocate', type: 'boolean', default: 'false', brokerSynonym: 'log.preallocate' },
  { name: 'retention.bytes', type: 'long', default: '-1', brokerSynonym: 'log.retention.bytes' },
  { name: 'retention.ms', type: 'long', default: '604800000', brokerSynonym: 'log.retention.ms', min: -1 },
  { name: 'segment.bytes', type: 'int', default: '1073741824', brokerSynonym: 'log.segment.bytes', min: 14 },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', brokerSynonym: 'log.index.size.max.bytes', min: 4 },
  { name: 'segment.jitter.ms', type: 'long', default: '0', brokerSynonym: 'log.roll.jitter.ms', min: 0 },
  { name: 'segment.ms', type: 'long', default: '604800000', brokerSynonym: 'log.roll.ms', min: 1 },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', brokerSynonym: 'unclean.leader.election.enable' },
  // Not a Kafka config: fsync every append, for users who want durability over speed in tests.
  { name: 'streamwright.fsync.on.append', type: 'boolean', default: 'false', brokerSynonym: 'streamwright.fsync.on.append' },
];

/** Broker configs. The log.* synonyms of topic configs are listed here too, with the same defaults. */
export const BROKER_CONFIGS: readonly ConfigDefinition[] = [
  { name: 'node.id', type: 'int', default: '0', min: 0 },
  { name: 'auto.create.topics.enable', type: 'boolean', default: 'true' },
  { name: 'delete.topic.enable', type: 'boolean', default: 'true' },
  { name: 'num.partitions', type: 'int', default: '1', min: 1 },
  { name: 'default.replication.factor', type: 'int', default: '1', min: 1 },
  { name: 'socket.request.max.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'max.connections', type: 'int', default: INT_MAX, min: 0, dynamic: true },
  { name: 'max.connections.per.ip', type: 'int', default: INT_MAX, min: 0, dynamic: true },
  { name: 'max.connections.per.ip.overrides', type: 'string', default: '', check: checkHostCounts, dynamic: true },
  { name: 'connections.max.idle.ms', type: 'long', default: '600000' },
  { name: 'quota.window.num', type: 'int', default: '11', min: 1 },
  { name: 'quota.window.size.seconds', type: 'int', default: '1', min: 1 },
  { name: 'connections.max.reauth.ms', type: 'long', default: '0', min: 0 },
  { name: 'connection.failed.authentication.delay.ms', type: 'int', default: '100', min: 0 },
  { name: 'sasl.enabled.mechanisms', type: 'list', default: 'GSSAPI' },
  { name: 'sasl.server.max.receive.size', type: 'int', default: '524288', min: 1 },
  { name: 'ssl.client.auth', type: 'string', default: 'none', validValues: ['none', 'requested', 'required'] },
  { name: 'ssl.principal.mapping.rules', type: 'string', default: 'DEFAULT' },
  { name: 'log.retention.check.interval.ms', type: 'long', default: '300000', min: 1 },
  { name: 'log.cleaner.backoff.ms', type: 'long', default: '15000', min: 0 },
  { name: 'log.cleaner.enable', type: 'boolean', default: 'true' },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, min: 0 },
  { name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0 },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000', min: 0 },
  { name: 'group.min.session.timeout.ms', type: 'int', default: '6000' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: '1800000' },
  { name: 'group.max.size', type: 'int', default: '2147483647', min: 1 },
  { name: 'offsets.topic.num.partitions', type: 'int', default: '50', min: 1 },
  { name: 'offsets.topic.replication.factor', type: 'short', default: '3', min: 1 },
  { name: 'offsets.retention.minutes', type: 'int', default: '10080', min: 1 },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', min: 1 },
  { name: 'offset.metadata.max.bytes', type: 'int', default: '4096' },
  { name: 'transaction.state.log.num.partitions', type: 'int', default: '50', min: 1 },
  { name: 'transaction.state.log.replication.factor', type: 'short', default: '3', min: 1 },
  { name: 'transaction.state.log.min.isr', type: 'int', default: '2', min: 1 },
  { name: 'transaction.state.log.segment.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'transaction.max.timeout.ms', type: 'int', default: '900000', min: 1 },
  { name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: '10000', min: 1 },
  { name: 'transaction.partition.verification.enable', type: 'boolean', default: 'true', dynamic: true },
  { name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', min: 1 },
  { name: 'transactions.remove.expired.transaction.cleanup.interval.ms', type: 'int', default: '3600000', min: 1 },
  { name: 'producer.id.expiration.ms', type: 'int', default: '86400000', min: 1, dynamic: true },
  { name: 'producer.id.expiration.check.interval.ms', type: 'int', default: '600000', min: 1 },
  { name: 'replica.lag.time.max.ms', type: 'long', default: '30000' },
  { name: 'replica.fetch.wait.max.ms', type: 'int', default: '500', min: 0 },
  { name: 'replica.fetch.min.bytes', type: 'int', default: '1', min: 1 },
  { name: 'replica.fetch.max.bytes', type: 'int', default: '1048576', min: 0 },
  { name: 'replica.fetch.response.max.bytes', type: 'int', default: '10485760', min: 0 },
  { name: 'replica.fetch.backoff.ms', type: 'int', default: '1000', min: 0 },
  { name: 'replica.high.watermark.checkpoint.interval.ms', type: 'long', default: '5000' },
  { name: 'broker.heartbeat.interval.ms', type: 'int', default: '2000', min: 1 },
  { name: 'broker.session.timeout.ms', type: 'int', default: '9000', min: 1 },
  { name: 'auto.leader.rebalance.enable', type: 'boolean', default: 'true' },
  { name: 'leader.imbalance.check.interval.seconds', type: 'long', default: '300', min: 1 },
  { name: 'leader.imbalance.per.broker.percentage', type: 'int', default: '10', min: 0 },
  { name: 'fetch.max.bytes', type: 'int', default: '57671680', min: 0 },
  // Not Kafka configs: bounds on what requests may make the broker create (docs/broker.md, "Limits").
  { name: 'streamwright.max.partitions.per.request', type: 'int', default: '10000', min: 1 },
  { name: 'streamwright.max.partitions', type: 'int', default: '4000', min: 1 },
  { name: 'streamwright.max.groups', type: 'int', default: '10000', min: 1 },
  { name: 'streamwright.max.transactional.ids', type: 'int', default: '10000', min: 1 },
  // Not a Kafka config: segment and index files open at once, least recently used closed first (docs/broker.md, "Open files").
  { name: 'streamwright.log.max.open.files', type: 'int', default: '4096', min: 1 },
  // Every topic config inherits from a broker config of the same type, default and bounds, which a running broker re-reads.
  ...TOPIC_CONFIGS.map(({ brokerSynonym, ...definition }) => ({ ...definition, name: brokerSynonym!, dynamic: true })),
];

/**
 * The broker configs AlterConfigs may change on a running broker (those declared `dynamic`):
 * those Kafka updates dynamically and this broker re-reads where it uses them (every topic
 * config's broker synonym, the connection quotas, two producer settings). Kafka refuses the
 * rest ("Cannot update these configs dynamically"), and so does this broker, rather than store
 * a value it would not apply.
 */
export const DYNAMIC_BROKER_CONFIGS: ReadonlySet<string> = new Set(BROKER_CONFIGS.filter((c) => c.dynamic === true).map((c) => c.name));

export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDefinition> = new Map(TOPIC_CONFIGS.map((c) => [c.name, c]));
export const BROKER_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDefinition> = new Map(BROKER_CONFIGS.map((c) => [c.name, c]));
