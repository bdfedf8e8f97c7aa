import type { BoundValue } from './value-converters.js';

/** A bound property: its converted value and where it came from. */
export interface BoundProperty {
  readonly value: BoundValue;
  readonly origin: string;
}

/** One entry of a map property (`properties.session.timeout.ms`): Kafka's name, the text value and its origin. */
export interface MapEntry {
  readonly name: string;
  readonly value: string;
  readonly origin: string;
}

/**
 * The bound `streamwright.kafka.*` properties (Spring Boot's `KafkaProperties`), by relative
 * canonical key (`consumer.group-id`), already converted and validated.
 */
export class KafkaProperties {
  constructor(
    private readonly values: ReadonlyMap<string, BoundProperty>,
    /** Map properties by their key (`properties`, `consumer.properties`...). */
    private readonly maps: ReadonlyMap<string, readonly MapEntry[]>,
  ) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** Keys set under a prefix (`listener.`), for reports. */
  keysUnder(prefix: string): string[] {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix));
  }

  origin(key: string): string | undefined {
    return this.values.get(key)?.origin;
  }

  text(key: string): string | undefined {
    const value = this.values.get(key)?.value;
    return value === undefined ? undefined : String(value);
  }

  number(key: string): number | undefined {
    const value = this.values.get(key)?.value;
    return typeof value === 'number' ? value : undefined;
  }

  flag(key: string): boolean | undefined {
    const value = this.values.get(key)?.value;
    return typeof value === 'boolean' ? value : undefined;
  }

  list(key: string): readonly string[] | undefined {
    const value = this.values.get(key)?.value;
    return Array.isArray(value) ? value : undefined;
  }

  map(key: string): readonly MapEntry[] {
    return this.maps.get(key) ?? [];
  }
}
