import { didYouMean } from './did-you-mean.js';
import type { ProblemCollector } from './invalid-configuration-exception.js';
import { KAFKA_PROPERTIES, KAFKA_PROPERTIES_BY_KEY, MAP_KEYS } from './kafka-property-catalog.js';
import { KafkaProperties, type BoundProperty, type MapEntry } from './kafka-properties.js';
import type { RawValue } from './property-source.js';
import { KAFKA_PREFIX } from './relaxed-names.js';
import { UnresolvablePlaceholderError, type StreamwrightEnvironment } from './streamwright-environment.js';
import { ConversionError, convert } from './value-converters.js';

/** `streamwright.*` keys outside `streamwright.kafka.*` that the framework reads. */
const OTHER_FRAMEWORK_KEYS = ['streamwright.profiles.active'];

/** Every canonical full key the environment variables may bind to. */
export const BINDABLE_KEYS = KAFKA_PROPERTIES.map((d) => KAFKA_PREFIX + d.key);
export const MAP_PREFIXES = MAP_KEYS.map((k) => KAFKA_PREFIX + k);

/**
 * Binds `streamwright.kafka.*` from an environment, Spring Boot's `@ConfigurationProperties`
 * way, but strict: an unknown key (with a "did you mean"), a value of the wrong form and a
 * key the framework cannot honour are each a problem; all are collected.
 */
export function bindKafkaProperties(environment: StreamwrightEnvironment, problems: ProblemCollector): KafkaProperties {
  const values = new Map<string, BoundProperty>();
  const maps = new Map<string, MapEntry[]>();
  for (const [fullKey, found] of environment.entries()) {
    if (!fullKey.startsWith('streamwright.')) continue;
    if (OTHER_FRAMEWORK_KEYS.includes(fullKey)) continue;
    if (!fullKey.startsWith(KAFKA_PREFIX)) {
      problems.add({ key: fullKey, origin: found.origin, message: 'is not a Streamwright property (they are under streamwright.kafka.)', suggestion: didYouMean(fullKey, [...BINDABLE_KEYS, ...OTHER_FRAMEWORK_KEYS]) });
      continue;
    }
    const key = fullKey.slice(KAFKA_PREFIX.length);
    let raw: RawValue;
    try {
      raw = environment.resolvedValue(found);
    } catch (error) {
      if (!(error instanceof UnresolvablePlaceholderError)) throw error;
      problems.add({ key: fullKey, origin: found.origin, message: error.message });
      continue;
    }
    const mapKey = MAP_KEYS.find((m) => key.startsWith(`${m}.`));
    if (mapKey) {
      if (raw === null || Array.isArray(raw)) {
        problems.add({ key: fullKey, origin: found.origin, message: 'expected a single value' });
        continue;
      }
      const entries = maps.get(mapKey) ?? [];
      entries.push({ name: key.slice(mapKey.length + 1), value: String(raw), origin: found.origin });
      maps.set(mapKey, entries);
      continue;
    }
    const definition = KAFKA_PROPERTIES_BY_KEY.get(key);
    if (!definition) {
      const message = MAP_KEYS.includes(key) ? 'must be a map of Kafka property names to values' : 'is not a Streamwright Kafka property';
      problems.add({ key: fullKey, origin: found.origin, message, suggestion: MAP_KEYS.includes(key) ? undefined : didYouMean(fullKey, BINDABLE_KEYS) });
      continue;
    }
    if (raw === null) continue; // `key:` with nothing after it leaves the default, as in Spring Boot
    let value;
    try {
      value = convert(raw, definition.type);
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      problems.add({ key: fullKey, origin: found.origin, message: error.message });
      continue;
    }
    if (definition.unsupported && (definition.unsupported.accepts === undefined || String(value) !== definition.unsupported.accepts)) {
      const only = definition.unsupported.accepts === undefined ? '' : ` (only ${definition.unsupported.accepts} is accepted)`;
      problems.add({ key: fullKey, origin: found.origin, message: `cannot be honoured: ${definition.unsupported.reason}${only}` });
      continue;
    }
    values.set(key, { value, origin: found.origin });
  }
  return new KafkaProperties(values, maps);
}
