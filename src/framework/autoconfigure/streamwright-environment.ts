import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { loadConfigFile } from './config-file-property-source.js';
import { EnvironmentPropertySource } from './environment-property-source.js';
import { ProblemCollector } from './invalid-configuration-exception.js';
import { hasPlaceholder, resolvePlaceholders, UnresolvablePlaceholderError } from './placeholder-resolver.js';
import { MapPropertySource, type PropertySource, type PropertyValue, type RawValue } from './property-source.js';
import { canonicalKey } from './relaxed-names.js';

/** Where and how properties are read (`KafkaApplication.create({ config })`). */
export interface ConfigOptions {
  /** Directory of `streamwright.yml`/`.yaml`/`.json` and the profile files (default: the working directory). */
  dir?: string;
  /** Active profiles, last wins (default: `streamwright.profiles.active` of `properties`, else `STREAMWRIGHT_PROFILES_ACTIVE`, else `streamwright.profiles.active` of the base file, else `default`). */
  profiles?: readonly string[];
  /** Environment variables (default: `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Properties set in code, over every other source; keys in any relaxed form (`streamwright.kafka.consumer.groupId`). */
  properties?: Readonly<Record<string, RawValue>>;
}

/** File names in the order they are looked for; when several exist the first wins. */
const EXTENSIONS = ['yml', 'yaml', 'json'];

/**
 * The application's properties from every source, in Spring Boot's precedence: code
 * properties, environment variables, profile files (the last active profile first), the base
 * file. Problems found while reading (syntax, unknown variables) are collected, not thrown.
 */
export class StreamwrightEnvironment {
  readonly profiles: readonly string[];

  private constructor(
    readonly sources: readonly PropertySource[],
    profiles: readonly string[],
    readonly problems: ProblemCollector,
  ) {
    this.profiles = profiles;
  }

  /**
   * @param knownKeys canonical keys that `STREAMWRIGHT_KAFKA_*` variables bind to
   * @param mapPrefixes canonical keys of map properties (`streamwright.kafka.properties`...)
   */
  static load(options: ConfigOptions, knownKeys: readonly string[], mapPrefixes: readonly string[]): StreamwrightEnvironment {
    const problems = new ProblemCollector();
    const dir = options.dir ?? process.cwd();
    const env = options.env ?? process.env;
    const codeEntries = new Map<string, PropertyValue>();
    for (const [key, value] of Object.entries(options.properties ?? {})) codeEntries.set(canonicalKey(key), { value, origin: `config.properties['${key}']` });
    const code = new MapPropertySource('code', codeEntries);
    const environment = new EnvironmentPropertySource(env, knownKeys, mapPrefixes, problems);
    const base = StreamwrightEnvironment.file(dir, 'streamwright', problems);

    const declared =
      options.profiles ??
      splitList(rawText(code.get('streamwright.profiles.active')?.value)) ??
      splitList(env.STREAMWRIGHT_PROFILES_ACTIVE) ??
      splitList(rawText(base?.get('streamwright.profiles.active')?.value));
    const profiles = declared && declared.length > 0 ? declared : ['default'];
    const profileFiles: PropertySource[] = [];
    for (const profile of profiles) {
      if (!/^[\w.-]+$/.test(profile)) {
        problems.add({ key: 'streamwright.profiles.active', origin: options.profiles ? 'config.profiles' : 'environment variable STREAMWRIGHT_PROFILES_ACTIVE', message: `'${profile}' is not a profile name (letters, digits, '.', '_', '-')` });
        continue;
      }
      const file = StreamwrightEnvironment.file(dir, `streamwright-${profile}`, problems);
      if (file) {
        profileFiles.unshift(file);
        if (file.get('streamwright.profiles.active')) problems.add({ key: 'streamwright.profiles.active', origin: file.get('streamwright.profiles.active')!.origin, message: 'may only be set in code, the environment or the base file, not in a profile file' });
      }
    }
    const sources = [code, environment, ...profileFiles, ...(base ? [base] : [])];
    return new StreamwrightEnvironment(sources, profiles, problems);
  }

  /** An environment over given sources only (tests, or code that builds its own). */
  static of(sources: readonly PropertySource[]): StreamwrightEnvironment {
    return new StreamwrightEnvironment(sources, [], new ProblemCollector());
  }

  /** The raw value of a property (any relaxed form of its name), from the first source that has it. */
  get(key: string): PropertyValue | undefined {
    const canonical = canonicalKey(key);
    for (const source of this.sources) {
      const found = source.get(canonical) ?? (canonical === key ? undefined : source.get(key));
      if (found) return found;
    }
    return undefined;
  }

  /** Every canonical key any source holds, with the value that wins. */
  entries(): Map<string, PropertyValue> {
    const all = new Map<string, PropertyValue>();
    for (const source of [...this.sources].reverse()) for (const key of source.keys()) all.set(key, source.get(key)!);
    return all;
  }

  /** Resolves `${…}` placeholders in text against these properties; throws UnresolvablePlaceholderError. */
  resolve(text: string): string {
    return hasPlaceholder(text) ? resolvePlaceholders(text, (key) => this.get(key)) : text;
  }

  /** A property's value with placeholders in its text resolved. */
  resolvedValue(found: PropertyValue): RawValue {
    const resolveText = (value: RawValue): RawValue => {
      if (typeof value === 'string') return this.resolve(value);
      if (Array.isArray(value)) return value.map(resolveText);
      return value;
    };
    return resolveText(found.value);
  }

  private static file(dir: string, stem: string, problems: ProblemCollector): PropertySource | undefined {
    for (const extension of EXTENSIONS) {
      const path = join(dir, `${stem}.${extension}`);
      if (existsSync(path)) return loadConfigFile(path, displayPath(path), problems);
    }
    return undefined;
  }
}

export { UnresolvablePlaceholderError };

function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
}

function rawText(value: RawValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

function splitList(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
