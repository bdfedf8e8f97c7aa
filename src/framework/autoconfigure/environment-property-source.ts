import type { ProblemCollector } from './invalid-configuration-exception.js';
import type { PropertySource, PropertyValue } from './property-source.js';
import { environmentNamesOf } from './relaxed-names.js';
import { didYouMean } from './did-you-mean.js';

/** Environment variables, as Spring Boot's `SystemEnvironmentPropertySource` (values are text; lists are comma-separated). */
export class EnvironmentPropertySource implements PropertySource {
  readonly name = 'environment';
  private readonly bound = new Map<string, PropertyValue>();

  /**
   * @param knownKeys canonical `streamwright.kafka.*` keys, to bind `STREAMWRIGHT_KAFKA_*` variables to
   * @param mapPrefixes canonical map keys (`streamwright.kafka.properties`...) whose entries come lower-cased and dotted
   */
  constructor(
    private readonly variables: Readonly<Record<string, string | undefined>>,
    knownKeys: readonly string[],
    mapPrefixes: readonly string[],
    problems: ProblemCollector,
  ) {
    const byName = new Map<string, string>();
    for (const key of knownKeys) for (const name of environmentNamesOf(key)) byName.set(name, key);
    const maps = [...mapPrefixes].sort((a, b) => b.length - a.length).map((prefix) => ({ prefix, names: environmentNamesOf(prefix).map((n) => `${n}_`) }));
    for (const [name, value] of Object.entries(variables)) {
      if (value === undefined || !name.startsWith('STREAMWRIGHT_KAFKA_')) continue;
      const origin = `environment variable ${name}`;
      const key = byName.get(name);
      if (key) {
        this.bound.set(key, { value, origin });
        continue;
      }
      const map = maps.find((m) => m.names.some((n) => name.startsWith(n)));
      if (map) {
        const prefix = map.names.find((n) => name.startsWith(n))!;
        // Spring Boot lower-cases map keys bound from the environment; `_` separates Kafka's dotted names.
        this.bound.set(`${map.prefix}.${name.slice(prefix.length).toLowerCase().replace(/_/g, '.')}`, { value, origin });
        continue;
      }
      const suggestion = didYouMean(name, byName.keys());
      problems.add({ key: name, origin, message: 'is not a Streamwright Kafka property', suggestion });
    }
  }

  get(key: string): PropertyValue | undefined {
    const bound = this.bound.get(key);
    if (bound) return bound;
    // Any other property (placeholders such as ${orders.topic}) is looked up as ORDERS_TOPIC, or as written.
    for (const name of [...environmentNamesOf(key), key]) {
      const value = this.variables[name];
      if (value !== undefined) return { value, origin: `environment variable ${name}` };
    }
    return undefined;
  }

  keys(): Iterable<string> {
    return this.bound.keys();
  }
}
