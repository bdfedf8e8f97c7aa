import { plainToInstance } from 'class-transformer';
import type { RecordHeaders } from '../record-headers.js';
import { DeserializationException } from './deserialization-exception.js';
import type { Deserializer } from './serializer.js';
import { KEY_TYPE_ID_HEADER, TYPE_ID_HEADER, type ClassType } from './type-id-headers.js';

export interface JsonDeserializerOptions<T> {
  /** The class to convert to when no type header names one (`spring.json.value.default.type`). */
  type?: ClassType<T>;
  /** Classes the `__TypeId__` header may name, by type id (class name or alias). */
  typeMappings?: Record<string, ClassType>;
  /** Honour the type header (Spring's `spring.json.use.type.headers`, default true). */
  useTypeHeaders?: boolean;
  isKey?: boolean;
}

/**
 * JSON to objects, as Spring's `JsonDeserializer`: the `__TypeId__` header selects the class
 * among `typeMappings` (only classes listed there are trusted), else `type`, else a plain
 * object. Instances are built with class-transformer's `plainToInstance`, so nested `@Type`
 * declarations are honoured. Bad JSON raises a {@link DeserializationException}.
 */
export class JsonDeserializer<T = unknown> implements Deserializer<T | unknown> {
  private readonly typeMappings: Record<string, ClassType>;
  private readonly typeHeader: string;

  constructor(private readonly options: JsonDeserializerOptions<T> = {}) {
    this.typeMappings = { ...(options.typeMappings ?? {}) };
    if (options.type) this.typeMappings[options.type.name] ??= options.type;
    this.typeHeader = options.isKey ? KEY_TYPE_ID_HEADER : TYPE_ID_HEADER;
  }

  deserialize(topic: string, data: Buffer | null, headers: RecordHeaders): T | unknown {
    if (data === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch (error) {
      throw new DeserializationException(`Can't deserialize data from topic [${topic}] as JSON`, data, !!this.options.isKey, {
        cause: error,
      });
    }
    const target = this.targetType(headers);
    if (!target || parsed === null || typeof parsed !== 'object') return parsed;
    return plainToInstance(target, parsed);
  }

  private targetType(headers: RecordHeaders): ClassType | undefined {
    if (this.options.useTypeHeaders ?? true) {
      const typeId = headers.lastString(this.typeHeader);
      if (typeId !== undefined && this.typeMappings[typeId]) return this.typeMappings[typeId];
    }
    return this.options.type;
  }
}
