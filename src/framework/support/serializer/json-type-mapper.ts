import { KafkaException } from '../../kafka-exception.js';
import type { RecordHeader, RecordHeaders } from '../record-headers.js';
import { typeIdOf, type ClassType } from './type-id-headers.js';

/**
 * The type headers of Spring's `DefaultJackson2JavaTypeMapper` (`AbstractJavaTypeMapper`):
 * `__TypeId__` names the payload's class; for a collection it names the collection class and
 * `__ContentTypeId__` the element class; for a map `__KeyTypeId__` names the map's key class.
 * Record keys use the `__Key_` prefixed names.
 */
export interface TypeHeaderNames {
  readonly classId: string;
  readonly contentClassId: string;
  readonly keyClassId: string;
}

export const VALUE_TYPE_HEADER_NAMES: TypeHeaderNames = Object.freeze({ classId: '__TypeId__', contentClassId: '__ContentTypeId__', keyClassId: '__KeyTypeId__' });
export const KEY_TYPE_HEADER_NAMES: TypeHeaderNames = Object.freeze({ classId: '__Key_TypeId__', contentClassId: '__Key_ContentTypeId__', keyClassId: '__Key_KeyTypeId__' });

const removedTypeHeaders = new WeakMap<RecordHeaders, readonly RecordHeader[]>();

/** The type headers a JsonDeserializer removed from these headers (`removeTypeHeaders`). */
export function removedTypeHeadersOf(headers: RecordHeaders): readonly RecordHeader[] {
  return removedTypeHeaders.get(headers) ?? [];
}

/** Spring's default `spring.json.trusted.packages`. */
export const DEFAULT_TRUSTED_PACKAGES: readonly string[] = Object.freeze(['java.util', 'java.lang']);

/**
 * Type ids and the classes they stand for: `{ 'com.example.Order': Order }`, or Spring's
 * `spring.json.type.mapping` text `'com.example.Order:Order, com.example.Invoice:Invoice'`
 * (`token:class` pairs; the class is looked up by name among `classes`).
 */
export type TypeMappings = string | Readonly<Record<string, ClassType>>;

export interface JsonTypeMapperOptions {
  typeMappings?: TypeMappings;
  /** The classes a text `typeMappings` names, and the ones a trusted Java type id may name by simple name. */
  classes?: readonly ClassType[];
  /**
   * Packages whose Java class names may be mapped to a class of the same simple name among
   * `classes` (Spring's `spring.json.trusted.packages`; `'pkg.*'` for subpackages, `'*'` trusts
   * all). Given, a Java type id that is neither mapped nor trusted fails with Spring's message.
   * Not given, such a type id is ignored (the default type, else the JSON value): only mapped
   * classes are ever instantiated either way, and consumers configured before type headers were
   * honoured keep working.
   */
  trustedPackages?: readonly string[];
  /** Record keys: the `__Key_` prefixed header names. */
  isKey?: boolean;
}

/** What a record's type headers ask for. */
export type JsonTargetType =
  | { readonly kind: 'class'; readonly type: ClassType }
  | { readonly kind: 'array'; readonly element: JsonTargetType | undefined }
  | { readonly kind: 'map'; readonly value: JsonTargetType | undefined }
  /** A JSON value as parsed (strings, numbers, `java.lang.Object`, unknown trusted types). */
  | { readonly kind: 'plain' };

const JAVA_COLLECTIONS = /^java\.util\.(?:(?:Array|Linked|CopyOnWriteArray)?List|(?:Hash|LinkedHash|Tree|Sorted)?Set|Collection|ArrayDeque|Vector|Arrays\$ArrayList|ImmutableCollections\$List\w*|Collections\$\w*List)$/;
const JAVA_MAPS = /^java\.util\.(?:(?:Hash|LinkedHash|Tree|Sorted|concurrent\.ConcurrentHash)?Map|ImmutableCollections\$Map\w*|Collections\$\w*Map)$/;

/**
 * Reads and writes Spring's JSON type headers, as `DefaultJackson2JavaTypeMapper`: a type id
 * found in `typeMappings` is that class; a Java collection or map type id reads its element
 * (and key) type from the content headers; any other Java class name must be in a trusted
 * package. TypeScript classes stand for Java classes through `typeMappings` (or, in a trusted
 * package, by simple name among `classes`), so a Spring service's `com.example.Order` arrives
 * as an `Order` instance and an `Order` is sent with the `__TypeId__` Spring expects.
 */
export class JsonTypeMapper {
  readonly headerNames: TypeHeaderNames;
  private readonly byTypeId = new Map<string, ClassType>();
  private readonly bySimpleName = new Map<string, ClassType>();
  private readonly trustedPackages: readonly string[];
  private readonly strictTrust: boolean;
  private readonly trustAll: boolean;

  constructor(options: JsonTypeMapperOptions = {}) {
    this.headerNames = options.isKey ? KEY_TYPE_HEADER_NAMES : VALUE_TYPE_HEADER_NAMES;
    for (const type of options.classes ?? []) this.bySimpleName.set(type.name, type);
    for (const [token, type] of parseTypeMappings(options.typeMappings, this.bySimpleName)) {
      this.byTypeId.set(token, type);
      if (!this.bySimpleName.has(type.name)) this.bySimpleName.set(type.name, type);
    }
    this.strictTrust = options.trustedPackages !== undefined;
    this.trustedPackages = (options.trustedPackages ?? DEFAULT_TRUSTED_PACKAGES).map((p) => p.trim()).filter((p) => p.length > 0);
    this.trustAll = this.trustedPackages.includes('*');
  }

  /** Registers a class under its own name (a default type is always known). */
  register(type: ClassType): void {
    if (!this.byTypeId.has(type.name)) this.byTypeId.set(type.name, type);
    if (!this.bySimpleName.has(type.name)) this.bySimpleName.set(type.name, type);
  }

  /** The type id a value is sent with: its mapped token, else `typeIdOf`'s (class name, `String`, ...). */
  typeIdOf(value: unknown): string | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const ctor = (value as object).constructor as ClassType | undefined;
      for (const [token, type] of this.byTypeId) if (type === ctor && token !== ctor?.name) return token;
    }
    return typeIdOf(value);
  }

  /**
   * Writes the type headers for a value (replacing any): `__TypeId__`; for an array whose
   * elements all have one type id, `java.util.ArrayList` with that id in `__ContentTypeId__`,
   * as Spring writes a `List<Order>`. Plain objects, mixed arrays and bytes carry none.
   */
  addTypeHeaders(value: unknown, headers: RecordHeaders): void {
    const names = this.headerNames;
    this.removeTypeHeaders(headers);
    if (Array.isArray(value)) {
      const ids = new Set(value.map((element) => (element !== null && typeof element === 'object' ? this.typeIdOf(element) : undefined)));
      const [only] = ids;
      if (value.length > 0 && ids.size === 1 && only !== undefined) {
        headers.add(names.classId, 'java.util.ArrayList');
        headers.add(names.contentClassId, only);
      }
      return;
    }
    const typeId = this.typeIdOf(value);
    if (typeId !== undefined) headers.add(names.classId, typeId);
  }

  /**
   * Removes the type headers this mapper reads, as Spring's `removeHeaders` (`removeTypeHeaders`).
   * They are remembered for {@link removedTypeHeadersOf}: a dead letter published raw carries
   * them again, as Spring's recoverer re-serializes the value with its JsonSerializer.
   */
  removeTypeHeaders(headers: RecordHeaders): void {
    const names = this.headerNames;
    const found = [...headers.headers(names.classId), ...headers.headers(names.contentClassId), ...headers.headers(names.keyClassId)];
    if (found.length === 0) return;
    removedTypeHeaders.set(headers, [...(removedTypeHeaders.get(headers) ?? []), ...found]);
    headers.remove(names.classId).remove(names.contentClassId).remove(names.keyClassId);
  }

  /**
   * The type the headers ask for; undefined when there is no type header. With
   * `trustedPackages` given, throws a KafkaException for a Java class outside them (Spring's message).
   */
  toTargetType(headers: RecordHeaders): JsonTargetType | undefined {
    const classId = headers.lastString(this.headerNames.classId);
    if (classId === undefined || classId.length === 0) return undefined;
    if (JAVA_COLLECTIONS.test(classId)) return { kind: 'array', element: this.contentType(headers) };
    if (JAVA_MAPS.test(classId)) return { kind: 'map', value: this.contentType(headers) };
    return this.resolve(classId);
  }

  private contentType(headers: RecordHeaders): JsonTargetType | undefined {
    const id = headers.lastString(this.headerNames.contentClassId);
    return id === undefined || id.length === 0 ? undefined : this.resolve(id);
  }

  /** One type id: mapped, a Java built-in, a TypeScript class name, or a trusted Java class. */
  private resolve(typeId: string): JsonTargetType {
    const mapped = this.byTypeId.get(typeId);
    if (mapped) return { kind: 'class', type: mapped };
    if (/^java\.(?:lang|math|util)\.\w+$/.test(typeId) || typeId === 'String' || typeId === 'Number' || typeId === 'Boolean') return { kind: 'plain' };
    const dot = typeId.lastIndexOf('.');
    if (dot < 0) {
      // A TypeScript class name (what JsonSerializer writes without a mapping).
      const known = this.bySimpleName.get(typeId);
      return known ? { kind: 'class', type: known } : { kind: 'plain' };
    }
    if (!this.isTrusted(typeId.slice(0, dot))) {
      if (!this.strictTrust) return { kind: 'plain' };
      throw new KafkaException(
        `The class '${typeId}' is not in the trusted packages: [${this.trustedPackages.join(', ')}]. If you believe this class is safe to deserialize, please provide its name. If the serialization is only done by a trusted source, you can also enable trust all (*).`,
      );
    }
    const simpleName = typeId.slice(typeId.lastIndexOf('$') > dot ? typeId.lastIndexOf('$') + 1 : dot + 1);
    const known = this.bySimpleName.get(simpleName);
    return known ? { kind: 'class', type: known } : { kind: 'plain' };
  }

  /** Spring's rule: the class's package (nested classes' too) equals a trusted one, or a trusted entry ends in `.*` and prefixes it. */
  private isTrusted(packageName: string): boolean {
    if (this.trustAll) return true;
    const outer = packageName.replace(/\$.*$/, '');
    return this.trustedPackages.some((trusted) => (trusted.endsWith('.*') ? outer.startsWith(trusted.slice(0, -1)) : outer === trusted));
  }
}

/** `typeMappings` as token → class pairs; a text mapping's classes are looked up by name. */
export function parseTypeMappings(mappings: TypeMappings | undefined, classes: ReadonlyMap<string, ClassType>): [string, ClassType][] {
  if (mappings === undefined) return [];
  if (typeof mappings !== 'string') return Object.entries(mappings);
  const pairs: [string, ClassType][] = [];
  for (const entry of mappings.split(',')) {
    const trimmed = entry.trim();
    if (trimmed.length === 0) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) throw new KafkaException(`Each type mapping must be 'token:className', got '${trimmed}'`);
    const token = trimmed.slice(0, colon).trim();
    const className = trimmed.slice(colon + 1).trim();
    const type = classes.get(className) ?? classes.get(className.slice(className.lastIndexOf('.') + 1));
    if (!type) throw new KafkaException(`Type mapping '${trimmed}': no class named '${className}' among the classes given (known: ${[...classes.keys()].join(', ') || 'none'})`);
    pairs.push([token, type]);
  }
  return pairs;
}
