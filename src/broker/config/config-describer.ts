import type { DescribeConfigsResponse } from '../../protocol/generated/messages.js';
import { ConfigSource, type BrokerConfig, type ResolvedConfig } from './broker-config.js';
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME, DYNAMIC_BROKER_CONFIGS, CONFIG_TYPE_CODES, TOPIC_CONFIGS, TOPIC_CONFIG_BY_NAME, type ConfigDefinition } from './config-definitions.js';

/** One entry of a DescribeConfigs result. */
export type DescribedConfig = DescribeConfigsResponse['results'][number]['configs'][number];

const DEFAULT_SOURCE = 5;

function describe(definition: ConfigDefinition, layers: ResolvedConfig[], readOnly: boolean, includeSynonyms: boolean): DescribedConfig {
  const effective = layers[0]!;
  return {
    name: definition.name,
    value: effective.value,
    readOnly,
    isDefault: effective.source === DEFAULT_SOURCE,
    configSource: effective.source,
    isSensitive: definition.type === 'password',
    synonyms: includeSynonyms ? layers : [],
    configType: CONFIG_TYPE_CODES[definition.type],
    documentation: null,
  };
}

/** A topic's configs (all, or the named ones) with sources and, if asked, synonyms. */
export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>, names: readonly string[] | null, includeSynonyms: boolean): DescribedConfig[] {
  const definitions = names === null ? TOPIC_CONFIGS : names.map((n) => TOPIC_CONFIG_BY_NAME.get(n)).filter((d) => d !== undefined);
  return definitions.map((d) => describe(d, config.resolveTopicConfig(d.name, overrides), false, includeSynonyms));
}

/**
 * The cluster-wide defaults (the BROKER resource named ""): as in Kafka, only the configs set
 * there (all, or the named ones), with source DYNAMIC_DEFAULT_BROKER_CONFIG.
 */
export function describeClusterDefaultConfigs(config: BrokerConfig, names: readonly string[] | null, includeSynonyms: boolean): DescribedConfig[] {
  const set = Object.keys(config.dynamic.clusterDefault).filter((n) => names === null || names.includes(n)).sort();
  return set
    .map((n) => BROKER_CONFIG_BY_NAME.get(n))
    .filter((d) => d !== undefined)
    .map((d) => describe(d, config.resolve(d.name).filter((l) => l.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG), false, includeSynonyms));
}

/** A broker's configs (all, or the named ones); read-only unless AlterConfigs may change them. */
export function describeBrokerConfigs(config: BrokerConfig, names: readonly string[] | null, includeSynonyms: boolean): DescribedConfig[] {
  const definitions = names === null ? BROKER_CONFIGS : names.map((n) => BROKER_CONFIG_BY_NAME.get(n)).filter((d) => d !== undefined);
  return definitions.map((d) => describe(d, config.resolve(d.name), !DYNAMIC_BROKER_CONFIGS.has(d.name), includeSynonyms));
}
