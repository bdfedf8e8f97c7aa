import { KafkaException } from '../kafka-exception.js';
import { BufferDeserializer, BufferSerializer } from '../support/serializer/buffer-serializer.js';
import { ErrorHandlingDeserializer } from '../support/serializer/error-handling-deserializer.js';
import { JsonDeserializer } from '../support/serializer/json-deserializer.js';
import { JsonSerializer } from '../support/serializer/json-serializer.js';
import type { Deserializer, Serializer } from '../support/serializer/serializer.js';
import { StringDeserializer, StringSerializer } from '../support/serializer/string-serializer.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import { didYouMean } from './did-you-mean.js';
import type { ProblemCollector } from './invalid-configuration-exception.js';
import { DESERIALIZER_NAMES } from './kafka-property-catalog.js';
import type { KafkaProperties, MapEntry } from './kafka-properties.js';
import { ConversionError, convert } from './value-converters.js';

/**
 * Spring's serializer and deserializer settings, which Spring Boot apps put in the client
 * `properties` maps (`spring.kafka.consumer.properties.spring.json.trusted.packages`): read
 * here rather than as Kafka client properties. Each maps to an option of the named class.
 */
const CONSUMER_NAMES = {
  'spring.json.trusted.packages': 'JsonDeserializer trustedPackages (comma-separated; * trusts all)',
  'spring.json.type.mapping': "JsonDeserializer typeMappings ('token:ClassName, ...')",
  'spring.json.key.default.type': 'JsonDeserializer type of keys (a class given in `types`)',
  'spring.json.value.default.type': 'JsonDeserializer type of values (a class given in `types`)',
  'spring.json.use.type.headers': 'JsonDeserializer useTypeHeaders',
  'spring.json.remove.type.headers': 'JsonDeserializer removeTypeHeaders',
  'spring.deserializer.key.delegate.class': "ErrorHandlingDeserializer's key delegate",
  'spring.deserializer.value.delegate.class': "ErrorHandlingDeserializer's value delegate",
} as const;
const PRODUCER_NAMES = {
  'spring.json.add.type.headers': 'JsonSerializer addTypeInfo',
  'spring.json.type.mapping': "JsonSerializer typeMappings ('token:ClassName, ...')",
} as const;
/** Spring names that take Java code, which a properties file cannot carry here. */
const REFUSED: Record<string, string> = {
  'spring.json.key.type.method': 'a Java method; give JsonDeserializer a type in code',
  'spring.json.value.type.method': 'a Java method; give JsonDeserializer a type in code',
  'spring.deserializer.key.function': "a Java class; give ErrorHandlingDeserializer's failedDeserializationFunction in code",
  'spring.deserializer.value.function': "a Java class; give ErrorHandlingDeserializer's failedDeserializationFunction in code",
  'spring.json.value.type.method.fallback': 'a Java method',
};

type ConsumerName = keyof typeof CONSUMER_NAMES;
type ProducerName = keyof typeof PRODUCER_NAMES;

/** A setting read from a map, with the key it was reported under. */
interface Setting {
  readonly value: string;
  readonly key: string;
  readonly origin: string;
}

export interface ConfiguredSerdes {
  keySerializer?: Serializer;
  valueSerializer?: Serializer;
  keyDeserializer?: Deserializer;
  valueDeserializer?: Deserializer;
}

/** True for the Spring serializer settings that {@link configureSerdes} reads out of the `properties` maps. */
export function isSpringSerdeProperty(name: string): boolean {
  return name.startsWith('spring.json.') || name.startsWith('spring.deserializer.');
}

/**
 * The serializers and deserializers that `producer.*-serializer`/`consumer.*-deserializer`
 * name, configured from the `spring.json.*` and `spring.deserializer.*` entries of the
 * `properties` maps (root first, then the client's own). `types` are the classes a class name
 * may stand for. Unknown names and bad values are problems.
 */
export function configureSerdes(properties: KafkaProperties, types: readonly ClassType[], problems: ProblemCollector): ConfiguredSerdes {
  const consumer = settingsOf(properties, 'consumer', CONSUMER_NAMES, problems);
  const producer = settingsOf(properties, 'producer', PRODUCER_NAMES, problems);
  for (const entry of properties.map('admin.properties')) {
    if (isSpringSerdeProperty(entry.name)) problems.add({ key: `streamwright.kafka.admin.properties[${entry.name}]`, origin: entry.origin, message: 'is a serializer setting; the admin client has none' });
  }
  const context = new SerdeContext(types, problems);
  return {
    keySerializer: context.serializer(properties.text('producer.key-serializer'), producer, true),
    valueSerializer: context.serializer(properties.text('producer.value-serializer'), producer, false),
    keyDeserializer: context.deserializer(properties.text('consumer.key-deserializer'), consumer, true),
    valueDeserializer: context.deserializer(properties.text('consumer.value-deserializer'), consumer, false),
  };
}

/** The root map's and the client's own settings for one side (the client's win), checked against `known`. */
function settingsOf<N extends string>(properties: KafkaProperties, client: 'consumer' | 'producer', known: Record<N, string>, problems: ProblemCollector): Map<N, Setting> {
  const result = new Map<N, Setting>();
  const other = client === 'consumer' ? PRODUCER_NAMES : CONSUMER_NAMES;
  const read = (entries: readonly MapEntry[], mapKey: string, root: boolean) => {
    for (const entry of entries) {
      if (!isSpringSerdeProperty(entry.name)) continue;
      const key = `streamwright.kafka.${mapKey}[${entry.name}]`;
      if (Object.hasOwn(known, entry.name)) {
        result.set(entry.name as N, { value: entry.value, key, origin: entry.origin });
        continue;
      }
      // The root map serves both sides: a name of the other side is read there, not an error here.
      if (root && Object.hasOwn(other, entry.name)) continue;
      if (!root && Object.hasOwn(other, entry.name)) {
        problems.add({ key, origin: entry.origin, message: `is a ${client === 'consumer' ? 'producer' : 'consumer'} setting, not a ${client} one` });
        continue;
      }
      // Reported once, by the consumer side's pass over the root map.
      if (root && client === 'producer') continue;
      const refused = Object.hasOwn(REFUSED, entry.name) ? REFUSED[entry.name] : undefined;
      problems.add({
        key,
        origin: entry.origin,
        message: refused ? `cannot be honoured: ${refused}` : 'is not a Spring serializer setting that Streamwright reads',
        suggestion: refused ? undefined : didYouMean(entry.name, [...Object.keys(CONSUMER_NAMES), ...Object.keys(PRODUCER_NAMES)]),
      });
    }
  };
  read(properties.map('properties'), 'properties', true);
  read(properties.map(`${client}.properties`), `${client}.properties`, false);
  return result;
}

/** Builds the named classes with their settings, reporting what does not fit. */
class SerdeContext {
  private readonly bySimpleName = new Map<string, ClassType>();

  constructor(
    private readonly types: readonly ClassType[],
    private readonly problems: ProblemCollector,
  ) {
    for (const type of types) this.bySimpleName.set(type.name, type);
  }

  serializer(name: string | undefined, settings: ReadonlyMap<ProducerName, Setting>, isKey: boolean): Serializer | undefined {
    if (name === 'StringSerializer') return new StringSerializer();
    if (name === 'ByteArraySerializer' || name === 'BytesSerializer') return new BufferSerializer();
    // JsonSerializer is also the framework's default value serializer: settings apply to it unnamed.
    if (name !== 'JsonSerializer' && !(name === undefined && !isKey && settings.size > 0)) return undefined;
    const addTypeInfo = this.flag(settings.get('spring.json.add.type.headers'));
    const typeMappings = settings.get('spring.json.type.mapping');
    return this.build(typeMappings, () => new JsonSerializer({ addTypeInfo, typeMappings: typeMappings?.value, classes: this.types, isKey }));
  }

  deserializer(name: string | undefined, settings: ReadonlyMap<ConsumerName, Setting>, isKey: boolean): Deserializer | undefined {
    if (name === 'ErrorHandlingDeserializer') {
      const delegateName = settings.get(isKey ? 'spring.deserializer.key.delegate.class' : 'spring.deserializer.value.delegate.class');
      const key = `streamwright.kafka.consumer.properties[spring.deserializer.${isKey ? 'key' : 'value'}.delegate.class]`;
      if (!delegateName) {
        this.problems.add({ key, origin: 'consumer.' + (isKey ? 'key' : 'value') + '-deserializer', message: 'must name the deserializer that ErrorHandlingDeserializer wraps (e.g. JsonDeserializer)' });
        return undefined;
      }
      const delegate = this.deserializer(this.deserializerName(delegateName), settings, isKey);
      return delegate ? new ErrorHandlingDeserializer(delegate, { isKey }) : undefined;
    }
    if (name === 'StringDeserializer') return new StringDeserializer();
    if (name === 'ByteArrayDeserializer' || name === 'BytesDeserializer') return new BufferDeserializer();
    if (name !== 'JsonDeserializer') return undefined;
    const typeMappings = settings.get('spring.json.type.mapping');
    const trusted = settings.get('spring.json.trusted.packages');
    const defaultType = settings.get(isKey ? 'spring.json.key.default.type' : 'spring.json.value.default.type');
    // Flags first, so that each bad value is reported even when the class lookup fails too.
    const useTypeHeaders = this.flag(settings.get('spring.json.use.type.headers'));
    const removeTypeHeaders = this.flag(settings.get('spring.json.remove.type.headers'));
    return this.build(typeMappings, () =>
      new JsonDeserializer({
        type: defaultType ? this.classNamed(defaultType, typeMappings?.value) : undefined,
        typeMappings: typeMappings?.value,
        classes: this.types,
        trustedPackages: trusted ? (convert(trusted.value, 'list') as readonly string[]) : undefined,
        useTypeHeaders,
        removeTypeHeaders,
        isKey,
      }),
    );
  }

  /** A delegate class name (package optional) as one of the deserializers; undefined (reported) otherwise. */
  private deserializerName(setting: Setting): string | undefined {
    try {
      return String(convert(setting.value, { oneOf: DESERIALIZER_NAMES.filter((n) => n !== 'ErrorHandlingDeserializer') }));
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      this.problems.add({ key: setting.key, origin: setting.origin, message: error.message });
      return undefined;
    }
  }

  /** A `*.default.type` class name: a class of `types` by full or simple name, or a `type.mapping` token. */
  private classNamed(setting: Setting, typeMappings: string | undefined): ClassType {
    const name = setting.value.trim();
    const simple = name.slice(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
    const direct = this.bySimpleName.get(name) ?? this.bySimpleName.get(simple);
    if (direct) return direct;
    const mapped = typeMappings
      ?.split(',')
      .map((pair) => pair.split(':').map((part) => part.trim()))
      .find(([token]) => token === name)?.[1];
    const viaMapping = mapped === undefined ? undefined : this.bySimpleName.get(mapped) ?? this.bySimpleName.get(mapped.slice(mapped.lastIndexOf('.') + 1));
    if (viaMapping) return viaMapping;
    const known = [...this.bySimpleName.keys()];
    throw new SettingError(setting, `names no class given in KafkaApplication.create({ types }) (known: ${known.join(', ') || 'none'})`, didYouMean(simple, known));
  }

  private flag(setting: Setting | undefined): boolean | undefined {
    if (!setting) return undefined;
    try {
      return convert(setting.value, 'boolean') as boolean;
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      this.problems.add({ key: setting.key, origin: setting.origin, message: error.message });
      return undefined;
    }
  }

  /** Runs a constructor, turning its complaints (a bad type mapping, an unknown class) into problems. */
  private build<T>(typeMappings: Setting | undefined, create: () => T): T | undefined {
    try {
      return create();
    } catch (error) {
      if (error instanceof SettingError) {
        this.problems.add({ key: error.setting.key, origin: error.setting.origin, message: error.message, suggestion: error.suggestion });
        return undefined;
      }
      // The only complaint of the constructors themselves: a malformed or unresolvable type mapping.
      if (error instanceof KafkaException && typeMappings) {
        this.problems.add({ key: typeMappings.key, origin: typeMappings.origin, message: error.message });
        return undefined;
      }
      throw error;
    }
  }
}

/** A setting whose value names something that is not there. */
class SettingError extends Error {
  constructor(
    readonly setting: Setting,
    message: string,
    readonly suggestion: string | undefined,
  ) {
    super(message);
  }
}
