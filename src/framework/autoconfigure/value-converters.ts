import type { RawValue } from './property-source.js';

/** The kinds of value a property takes, with Spring Boot's textual forms. */
export type PropertyType = 'string' | 'list' | 'boolean' | 'int' | 'number' | 'duration' | 'size' | { readonly oneOf: readonly string[] };

export type BoundValue = string | number | boolean | readonly string[];

/** Thrown by a conversion; the message says what was expected. */
export class ConversionError extends Error {}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** Converts a raw value to its type: durations to ms, sizes to bytes, enums to their canonical spelling. */
export function convert(raw: RawValue, type: PropertyType): BoundValue {
  if (raw === null) throw new ConversionError('has no value');
  if (type === 'list') return (Array.isArray(raw) ? raw.map(scalarText) : scalarText(raw).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  if (Array.isArray(raw)) throw new ConversionError('expected a single value, got a list');
  const text = scalarText(raw).trim();
  switch (type) {
    case 'string':
      return scalarText(raw);
    case 'boolean':
      if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
      throw new ConversionError(`expected true or false, got '${text}'`);
    case 'int':
      if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
      throw new ConversionError(`expected a whole number, got '${text}'`);
    case 'number':
      if (text !== '' && Number.isFinite(Number(text))) return Number(text);
      throw new ConversionError(`expected a number, got '${text}'`);
    case 'duration':
      return parseDuration(text);
    case 'size':
      return parseSize(text);
    default: {
      const wanted = normalizeEnum(text);
      // Class names may come with their Java package (org.apache.kafka.common.serialization.StringSerializer).
      const simple = normalizeEnum(/^[a-z][\w.]*\.[A-Z]\w*$/.test(text) ? text.slice(text.lastIndexOf('.') + 1) : text);
      const match = type.oneOf.find((v) => normalizeEnum(v) === wanted || normalizeEnum(v) === simple);
      if (match !== undefined) return match;
      throw new ConversionError(`expected one of ${type.oneOf.join(', ')}, got '${text}'`);
    }
  }
}

/** `10s`, `500ms`, `1m`, `2h`, `1d`, or a plain number of milliseconds → ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ns|us|ms|s|m|h|d)?$/i.exec(text.trim());
  if (!match) throw new ConversionError(`expected a duration such as 500ms, 10s, 1m or a number of milliseconds, got '${text}'`);
  return Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()]!);
}

/** `16384`, `16KB`, `1MB` (binary units, as Spring's DataSize) → bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+)\s*(B|KB|MB|GB|TB)?$/i.exec(text.trim());
  if (!match) throw new ConversionError(`expected a size such as 16384, 16KB or 1MB, got '${text}'`);
  return Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]!;
}

/** `MANUAL_IMMEDIATE`, `manual-immediate` and `manualImmediate` are the same enum value. */
function normalizeEnum(text: string): string {
  return text.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

function scalarText(value: RawValue): string {
  if (Array.isArray(value)) return value.map(scalarText).join(',');
  return value === null ? '' : String(value);
}
