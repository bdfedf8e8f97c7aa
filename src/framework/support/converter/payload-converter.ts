import { plainToInstance } from 'class-transformer';
import type { ClassType } from '../serializer/type-id-headers.js';
import { MessageConversionException } from './message-conversion-exception.js';

/**
 * Converts a record value (as deserialized: usually a string, or bytes, or an object from a
 * JSON deserializer) to the type a listener parameter declares, as Spring's
 * `JsonMessageConverter` does with the inferred type:
 *
 * | declared type            | result                                                        |
 * |--------------------------|---------------------------------------------------------------|
 * | `string`                 | the text (bytes decoded as UTF-8, objects as JSON)            |
 * | `Buffer`                 | the bytes the record arrived with                             |
 * | `number`/`boolean`/`bigint`/`Date` | parsed from the text                                |
 * | a class                  | `plainToInstance(Class, JSON.parse(text))`, nested `@Type` honoured |
 * | an array                 | the parsed JSON array, elements converted to `elementType`    |
 * | none/interface/`object`  | parsed JSON when the text is a JSON object or array, else as is |
 *
 * Anything that cannot be converted raises a {@link MessageConversionException}.
 */
export class PayloadConverter {
  convert(value: unknown, raw: Buffer | null | undefined, target: unknown, elementType?: unknown): unknown {
    if (value === null || value === undefined) return null;
    if (typeof target !== 'function' || target === Object) return this.bestEffort(value);
    switch (target) {
      case String:
        return this.toText(value);
      case Buffer:
      case Uint8Array:
        return raw ?? (Buffer.isBuffer(value) ? value : Buffer.from(this.toText(value), 'utf8'));
      case Number:
        return this.toNumber(value);
      case Boolean:
        return this.toBoolean(value);
      case BigInt:
        return this.toBigInt(value);
      case Date:
        return this.toDate(value);
      case Array:
        return this.toArray(value, elementType);
      default:
        return this.toClass(value, target as ClassType);
    }
  }

  private bestEffort(value: unknown): unknown {
    const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
    if (text === undefined) return value;
    if (startsLikeJson(text)) {
      try {
        return JSON.parse(text);
      } catch {
        // Not JSON after all: the text itself is the payload.
      }
    }
    return value;
  }

  private toText(value: unknown): string {
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  private toNumber(value: unknown): number {
    if (typeof value === 'number') return value;
    const text = this.toText(value).trim();
    const number = Number(text);
    if (text === '' || Number.isNaN(number)) throw this.cannotConvert(value, 'number');
    return number;
  }

  private toBoolean(value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    const text = this.toText(value).trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw this.cannotConvert(value, 'boolean');
  }

  private toBigInt(value: unknown): bigint {
    try {
      return BigInt(typeof value === 'number' ? value : this.toText(value).trim());
    } catch (error) {
      throw this.cannotConvert(value, 'bigint', error);
    }
  }

  private toDate(value: unknown): Date {
    const date = value instanceof Date ? value : new Date(typeof value === 'number' ? value : this.toText(value).trim());
    if (Number.isNaN(date.getTime())) throw this.cannotConvert(value, 'Date');
    return date;
  }

  private toArray(value: unknown, elementType: unknown): unknown[] {
    const parsed = Array.isArray(value) ? value : this.parseJson(value, 'an array');
    if (!Array.isArray(parsed)) throw this.cannotConvert(value, 'an array');
    if (typeof elementType !== 'function') return parsed;
    return parsed.map((element) => this.convert(element, undefined, elementType));
  }

  private toClass(value: unknown, type: ClassType): unknown {
    if (value instanceof type) return value;
    const plain = typeof value === 'object' && !Buffer.isBuffer(value) ? value : this.parseJson(value, type.name);
    if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) throw this.cannotConvert(value, type.name);
    try {
      return plainToInstance(type, plain);
    } catch (error) {
      throw this.cannotConvert(value, type.name, error);
    }
  }

  private parseJson(value: unknown, what: string): unknown {
    try {
      return JSON.parse(this.toText(value));
    } catch (error) {
      throw this.cannotConvert(value, what, error);
    }
  }

  private cannotConvert(value: unknown, what: string, cause?: unknown): MessageConversionException {
    const text = typeof value === 'string' || Buffer.isBuffer(value) ? this.toText(value) : typeof value;
    const shown = text.length > 100 ? `${text.slice(0, 100)}...` : text;
    return new MessageConversionException(`Cannot convert payload [${shown}] to ${what}`, { cause });
  }
}

/**
 * Whether the text opens a JSON object or array after JSON whitespace (no trimmed copy).
 * Other leading whitespace would fail JSON.parse anyway.
 */
function startsLikeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7b || code === 0x5b) return true; // { [
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return false;
}
