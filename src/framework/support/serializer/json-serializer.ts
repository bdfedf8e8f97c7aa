import { instanceToPlain } from 'class-transformer';
import type { RecordHeaders } from '../record-headers.js';
import { SerializationException } from './serialization-exception.js';
import type { Serializer } from './serializer.js';
import { KEY_TYPE_ID_HEADER, TYPE_ID_HEADER, typeIdOf, type ClassType } from './type-id-headers.js';

export interface JsonSerializerOptions {
  /** Write the `__TypeId__` header (Spring's `spring.json.add.type.headers`, default true). */
  addTypeInfo?: boolean;
  /** Type id aliases, e.g. `{ order: Order }` writes `order` instead of the class name. */
  typeMappings?: Record<string, ClassType>;
  /** Serializing keys: the type header is `__Key_TypeId__`. */
  isKey?: boolean;
}

/**
 * JSON via class-transformer's `instanceToPlain` (so `@Exclude`, `@Expose` and `@Type` apply),
 * as Spring's `JsonSerializer`; the template's default value serializer.
 *
 * Two deliberate exceptions to "everything is JSON": bytes are written as they are, and a
 * string is written as its UTF-8 text rather than a quoted JSON literal, so text payloads
 * stay readable by any consumer (a `String` listener parameter receives it unchanged).
 */
export class JsonSerializer implements Serializer<unknown> {
  private readonly addTypeInfo: boolean;
  private readonly typeMappings: Record<string, ClassType>;
  private readonly typeHeader: string;

  constructor(options: JsonSerializerOptions = {}) {
    this.addTypeInfo = options.addTypeInfo ?? true;
    this.typeMappings = options.typeMappings ?? {};
    this.typeHeader = options.isKey ? KEY_TYPE_ID_HEADER : TYPE_ID_HEADER;
  }

  serialize(topic: string, data: unknown, headers: RecordHeaders): Buffer | null {
    if (data === null || data === undefined) return null;
    if (Buffer.isBuffer(data)) return data;
    if (data instanceof Uint8Array) return Buffer.from(data);
    if (this.addTypeInfo) {
      const typeId = typeIdOf(data, this.typeMappings);
      headers.remove(this.typeHeader);
      if (typeId !== undefined) headers.add(this.typeHeader, typeId);
    }
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
