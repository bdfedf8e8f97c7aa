/** A property's value as a source holds it: text, a number, a boolean, or a list of those. */
export type RawValue = string | number | boolean | null | readonly RawValue[];

/** A value together with where it came from, for error messages ("streamwright.yml:12", "environment variable X"). */
export interface PropertyValue {
  readonly value: RawValue;
  readonly origin: string;
}

/**
 * One place properties come from (code, environment, a file), as Spring's `PropertySource`.
 * Keys are canonical: dot-separated, lower-case kebab segments (see relaxed-names.ts).
 */
export interface PropertySource {
  readonly name: string;
  get(key: string): PropertyValue | undefined;
  /** Every key the source holds (for unknown-key checks and map properties). */
  keys(): Iterable<string>;
}

/** A source over a ready map of canonical keys. */
export class MapPropertySource implements PropertySource {
  constructor(
    readonly name: string,
    private readonly entries: ReadonlyMap<string, PropertyValue>,
  ) {}

  get(key: string): PropertyValue | undefined {
    return this.entries.get(key);
  }

  keys(): Iterable<string> {
    return this.entries.keys();
  }
}
