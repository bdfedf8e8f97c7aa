import { plainToInstance } from 'class-transformer';
import type { RecordHeaders } from '../record-headers.js';
import { DeserializationException } from './deserialization-exception.js';
import { JsonTypeMapper, type JsonTargetType, type TypeMappings } from './json-type-mapper.js';
import type { Deserializer } from './serializer.js';
import type { ClassType } from './type-id-headers.js';

export interface JsonDeserializerOptions<T> {
  /** The class to convert to when no type header names one (`spring.json.value.default.type`). */
  type?: ClassType<T>;
  /**
   * Classes the `__TypeId__` header may name, by type id: `{ 'com.example.Order': Order }` or
   * Spring's `spring.json.type.mapping` text `'com.example.Order:Order'` (classes from `classes`).
   */
  typeMappings?: TypeMappings;
  /** The classes a text `typeMappings` names; in a trusted package a Java type id may also name one by simple name. */
  classes?: readonly ClassType[];
  /** Spring's `spring.json.trusted.packages` (default `java.util`, `java.lang`; `'*'` for all). */
  trustedPackages?: readonly string[];
  /** Honour the type headers (Spring's `spring.json.use.type.headers`, default true). */
  useTypeHeaders?: boolean;
  /**
   * Remove the type headers from the record once read (Spring's `spring.json.remove.type.headers`,
   * default true), so the listener, a dead letter or a forwarded record no longer carries them.
   */
  removeTypeHeaders?: boolean;
  isKey?: boolean;
}

/**
 * JSON to objects, as Spring's `JsonDeserializer`: the type headers (`__TypeId__`, and for
 * collections and maps `__ContentTypeId__`; `__Key_TypeId__`... for keys) select the class
 * through a {@link JsonTypeMapper} (Spring's `DefaultJackson2JavaTypeMapper`), else `type`,
 * else a plain value. Instances are built with class-transformer's `plainToInstance`, so
 * nested `@Type` declarations are honoured. Bad JSON, or a type id outside the trusted
 * packages, raises a {@link DeserializationException}.
 */
export class JsonDeserializer<T = unknown> implements Deserializer<T | unknown> {
  readonly typeMapper: JsonTypeMapper;

  constructor(private readonly options: JsonDeserializerOptions<T> = {}) {
    this.typeMapper = new JsonTypeMapper({ typeMappings: options.typeMappings, classes: options.classes, trustedPackages: options.trustedPackages, isKey: options.isKey });
    if (options.type) this.typeMapper.register(options.type);
  }

  deserialize(topic: string, data: Buffer | null, headers: RecordHeaders): T | unknown {
    if (data === null) return null;
    // Spring's order: read the type headers, remove them, then parse (bad JSON finds them removed).
    let target: JsonTargetType | undefined;
    try {
      target = this.options.useTypeHeaders === false ? undefined : this.typeMapper.toTargetType(headers);
    } catch (error) {
      throw new DeserializationException(`Can't deserialize data from topic [${topic}]: ${(error as Error).message}`, data, !!this.options.isKey, { cause: error });
    }
    if (this.options.removeTypeHeaders !== false) this.typeMapper.removeTypeHeaders(headers);
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch (error) {
      throw new DeserializationException(`Can't deserialize data from topic [${topic}] as JSON: ${(error as Error).message}`, data, !!this.options.isKey, {
        cause: error,
      });
    }
    return this.convert(parsed, target ?? this.defaultTarget());
  }

  private defaultTarget(): JsonTargetType {
    return this.options.type ? { kind: 'class', type: this.options.type } : { kind: 'plain' };
  }

  private convert(parsed: unknown, target: JsonTargetType | undefined): unknown {
    if (parsed === null || typeof parsed !== 'object' || !target) return parsed;
    switch (target.kind) {
      case 'class':
        return plainToInstance(target.type, parsed);
      case 'array':
        return Array.isArray(parsed) ? parsed.map((element) => this.convert(element, target.element)) : parsed;
      case 'map':
        if (Array.isArray(parsed)) return parsed;
        return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, this.convert(value, target.value)]));
      default:
        // A type id with no class here (a Java built-in, an unknown class): the default type, if any.
        return this.options.type && !Array.isArray(parsed) ? plainToInstance(this.options.type, parsed) : parsed;
    }
  }
}
