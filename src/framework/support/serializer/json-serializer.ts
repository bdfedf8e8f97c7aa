import { instanceToPlain } from 'class-transformer';
import type { RecordHeaders } from '../record-headers.js';
import { SerializationException } from './serialization-exception.js';
import type { Serializer } from './serializer.js';
import { JsonTypeMapper, type TypeMappings } from './json-type-mapper.js';
import type { ClassType } from './type-id-headers.js';

export interface JsonSerializerOptions {
  /** Write the `__TypeId__` header (Spring's `spring.json.add.type.headers`, default true). */
  addTypeInfo?: boolean;
  /**
   * Type id aliases: `{ 'com.example.Order': Order }` writes `com.example.Order` instead of the
   * class name (what a Spring consumer's type mapping or trusted packages expect); Spring's
   * `spring.json.type.mapping` text `'com.example.Order:Order'` works too, with `classes`.
   */
  typeMappings?: TypeMappings;
  /** The classes a text `typeMappings` names. */
  classes?: readonly ClassType[];
  /** Serializing keys: the type headers are `__Key_TypeId__`, `__Key_ContentTypeId__`. */
  isKey?: boolean;
}

/**
 * JSON via class-transformer's `instanceToPlain` (so `@Exclude`, `@Expose` and `@Type` apply),
 * as Spring's `JsonSerializer`; the template's default value serializer. With `addTypeInfo`
 * (default true) it writes Spring's type headers (`__TypeId__`, and `__ContentTypeId__` for an
 * array of one class) through a {@link JsonTypeMapper}.
 *
 * Two deliberate exceptions to "everything is JSON": bytes are written as they are, and a
 * string is written as its UTF-8 text rather than a quoted JSON literal, so text payloads
 * stay readable by any consumer (a `String` listener parameter receives it unchanged).
 */
export class JsonSerializer implements Serializer<unknown> {
  private readonly addTypeInfo: boolean;
  readonly typeMapper: JsonTypeMapper;

  constructor(options: JsonSerializerOptions = {}) {
    this.addTypeInfo = options.addTypeInfo ?? true;
    this.typeMapper = new JsonTypeMapper({ typeMappings: options.typeMappings, classes: options.classes, isKey: options.isKey });
  }

  serialize(topic: string, data: unknown, headers: RecordHeaders): Buffer | null {
    if (data === null || data === undefined) return null;
    if (Buffer.isBuffer(data)) return data;
    if (data instanceof Uint8Array) return Buffer.from(data);
    if (this.addTypeInfo) this.typeMapper.addTypeHeaders(data, headers);
    if (typeof data === 'string') return Buffer.from(data, 'utf8');
    try {
      const plain = typeof data === 'object' ? instanceToPlain(data) : data;
      return Buffer.from(JSON.stringify(plain, bigintAsString), 'utf8');
    } catch (error) {
      throw new SerializationException(`Can't serialize data for topic [${topic}] as JSON`, { cause: error });
    }
  }
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
