import { isKnownSecurityConfig, refuseUnsupportedConfigs } from './unsupported-configs.js';
import { BROKER_CONFIG_BY_NAME, DYNAMIC_BROKER_CONFIGS, TOPIC_CONFIGS, TOPIC_CONFIG_BY_NAME, } from './config-definitions.js';
import type { ConfigValue } from './config-value.js';
import { validateConfigValue } from './config-validation.js';
import { InvalidConfigError } from './invalid-config-error.js';

export type { ConfigValue } from './config-value.js';
export { InvalidConfigError } from './invalid-config-error.js';
export { validateConfigValue } from './config-validation.js';

/** Kafka's coarser spellings of some ms configs, finest first. */
const COARSE_SYNONYMS: ReadonlyArray<{ name: string; coarser: ReadonlyArray<{ name: string; ms: number }> }> = [
  { name: 'log.retention.ms', coarser: [{ name: 'log.retention.minutes', ms: 60_000 }, { name: 'log.retention.hours', ms: 3_600_000 }] },
  { name: 'log.roll.ms', coarser: [{ name: 'log.roll.hours', ms: 3_600_000 }] },
  { name: 'log.roll.jitter.ms', coarser: [{ name: 'log.roll.jitter.hours', ms: 3_600_000 }] },
];
const COARSE_NAMES: ReadonlySet<string> = new Set(COARSE_SYNONYMS.flatMap((s) => s.coarser.map((c) => c.name)));

/** Where a config value comes from, with DescribeConfigs' ConfigSource codes. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export interface ResolvedConfig {
  name: string;
  value: string | null;
  source: number;
}

/**
 * The broker's configuration in Kafka's layers, highest first: dynamic per-broker values,
 * dynamic cluster-wide defaults (both set through AlterConfigs), static values given at
 * start-up, Kafka's defaults. Unknown static names are kept (Kafka only warns about them).
 */
export class BrokerConfig {
  private readonly staticValues = new Map<string, string>();
  /** Dynamic values for this broker and for the cluster default; owned by cluster metadata. */
  dynamic: { broker: Record<string, string>; clusterDefault: Record<string, string> } = { broker: {}, clusterDefault: {} };

  /** Throws {@link UnsupportedConfigError} for a setting it cannot honour, InvalidConfigError for a bad value. */
  constructor(overrides: Readonly<Record<string, ConfigValue>> = {}) {
    refuseUnsupportedConfigs(overrides);
    for (const [name, raw] of Object.entries(overrides)) {
      const definition = BROKER_CONFIG_BY_NAME.get(name);
      this.staticValues.set(name, definition ? validateConfigValue(definition, raw) : String(raw));
    }
    this.applyCoarseSynonyms();
  }

  /**
   * Kafka's hour and minute forms (`log.retention.hours=168` in every server.properties): the
   * finest unit given wins, and the value is kept under the ms name the broker reads.
   */
  private applyCoarseSynonyms(): void {
    for (const { name, coarser } of COARSE_SYNONYMS) {
      if (this.staticValues.has(name)) continue;
      for (const { name: coarse, ms } of coarser) {
        const raw = this.staticValues.get(coarse);
        if (raw === undefined) continue;
        if (!/^-?\d+$/.test(raw.trim())) throw InvalidConfigError.forValue(coarse, raw, 'Not a number');
        const value = Number(raw.trim());
        this.staticValues.set(name, validateConfigValue(BROKER_CONFIG_BY_NAME.get(name)!, String(value < 0 ? value : value * ms)));
        break;
      }
    }
  }

  /** Static names that are neither broker configs nor known listener / directory settings (Kafka warns about them). */
  unknownStaticNames(): string[] {
    return [...this.staticValues.keys()].filter((n) => !BROKER_CONFIG_BY_NAME.has(n) && !isKnownSecurityConfig(n) && !COARSE_NAMES.has(n));
  }

  /** A broker config with every layer that sets it, highest precedence first. */
  resolve(name: string): ResolvedConfig[] {
    const layers: ResolvedConfig[] = [];
    const broker = this.dynamic.broker[name];
    if (broker !== undefined) layers.push({ name, value: broker, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const clusterDefault = this.dynamic.clusterDefault[name];
    if (clusterDefault !== undefined) layers.push({ name, value: clusterDefault, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    const staticValue = this.staticValues.get(name);
    if (staticValue !== undefined) layers.push({ name, value: staticValue, source: ConfigSource.STATIC_BROKER_CONFIG });
    const definition = BROKER_CONFIG_BY_NAME.get(name);
    if (definition) layers.push({ name, value: definition.default, source: ConfigSource.DEFAULT_CONFIG });
    return layers;
  }

  /** A static config without a definition (listeners, ssl.*, ...), or undefined. */
  staticValue(name: string): string | undefined {
    return this.staticValues.get(name);
  }

  /** `listener.name.<listener>.<name>` if set, else `<name>` (Kafka's per-listener overrides). */
  listenerValue(listener: string, name: string): string | undefined {
    return this.staticValues.get(`listener.name.${listener.toLowerCase()}.${name}`) ?? this.resolve(name)[0]?.value ?? undefined;
  }

  string(name: string): string {
    const value = this.resolve(name)[0]?.value;
    if (value === undefined || value === null) throw new Error(`no value or default for broker config ${name}`);
    return value;
  }
  int(name: string): number {
    return Number(this.string(name));
  }
  boolean(name: string): boolean {
    return this.string(name) === 'true';
  }

  /**
   * A topic config with every layer that sets it, highest first: the topic's override, then
   * the layers of its broker synonym.
   */
  resolveTopicConfig(name: string, overrides: Readonly<Record<string, string>>): ResolvedConfig[] {
    const definition = TOPIC_CONFIG_BY_NAME.get(name);
    if (!definition) return [];
    const layers: ResolvedConfig[] = [];
    if (overrides[name] !== undefined) layers.push({ name, value: overrides[name]!, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const synonymLayers = this.resolve(definition.brokerSynonym!).filter((l) => l.source !== ConfigSource.DEFAULT_CONFIG);
    layers.push(...synonymLayers);
    // A topic's default is its own (Kafka reports it under the topic config's name).
    layers.push({ name, value: definition.default, source: ConfigSource.DEFAULT_CONFIG });
    return layers;
  }

  /** The complete effective config of a topic. */
  topicConfig(overrides: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const definition of TOPIC_CONFIGS) out[definition.name] = this.resolveTopicConfig(definition.name, overrides)[0]!.value ?? '';
    return out;
  }
}

/** A dynamic change to a broker config that is read once at start-up: Kafka answers INVALID_REQUEST. */
export class ReadOnlyConfigError extends Error {
  override readonly name = 'ReadOnlyConfigError';
  constructor(readonly keys: readonly string[]) {
    super(`Cannot update these configs dynamically: ${keys.join(', ')}`);
  }
}

/**
 * Validates dynamic broker config changes: only known broker configs
 * ({@link InvalidConfigError}) that can change on a running broker ({@link ReadOnlyConfigError}).
 */
export function validateBrokerConfigs(configs: Readonly<Record<string, ConfigValue>>): Record<string, string> {
  const readOnly = Object.keys(configs).filter((name) => BROKER_CONFIG_BY_NAME.has(name) && !DYNAMIC_BROKER_CONFIGS.has(name));
  if (readOnly.length > 0) throw new ReadOnlyConfigError(readOnly);
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(configs)) {
    const definition = BROKER_CONFIG_BY_NAME.get(name);
    if (!definition) throw new InvalidConfigError(`Unknown broker config name: ${name}`);
    out[name] = validateConfigValue(definition, raw);
  }
  return out;
}

/** Validates topic config overrides (CreateTopics, AlterConfigs): unknown names are INVALID_CONFIG. */
export function validateTopicConfigs(configs: Readonly<Record<string, ConfigValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(configs)) {
    const definition = TOPIC_CONFIG_BY_NAME.get(name);
    if (!definition) throw new InvalidConfigError(`Unknown topic config name: ${name}`);
    out[name] = validateConfigValue(definition, raw);
  }
  return out;
}
