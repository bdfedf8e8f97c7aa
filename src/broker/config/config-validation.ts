import type { ConfigDefinition } from './config-definitions.js';
import type { ConfigValue } from './config-value.js';
import { InvalidConfigError } from './invalid-config-error.js';

const INTEGER = /^[+-]?\d+$/;
/** Exclusive magnitude bound of each integer type (Java's short, int, long). */
const INTEGER_LIMITS = { short: 2n ** 15n, int: 2n ** 31n, long: 2n ** 63n } as const;

/**
 * Checks a value against its definition (type, range, allowed values, extra check) and returns
 * its canonical string form. Kafka's ConfigDef rules and messages; throws {@link InvalidConfigError}.
 */
export function validateConfigValue(definition: ConfigDefinition, raw: ConfigValue): string {
  const value = String(raw).trim();
  const fail = (why: string): never => {
    throw InvalidConfigError.forValue(definition.name, value, why);
  };
  let canonical = value;
  switch (definition.type) {
    case 'boolean':
      // Java's ConfigDef compares ignoring case.
      canonical = value.toLowerCase();
      if (canonical !== 'true' && canonical !== 'false') fail('Expected value to be either true or false');
      break;
    case 'int':
    case 'short':
    case 'long': {
      if (!INTEGER.test(value)) fail('Not a number of type ' + definition.type.toUpperCase());
      const limit = INTEGER_LIMITS[definition.type];
      const n = BigInt(value);
      if (n >= limit || n < -limit) fail('Value out of range');
      checkRange(definition, n, fail);
      break;
    }
    case 'double': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) fail('Not a number of type DOUBLE');
      checkRange(definition, n, fail);
      break;
    }
    case 'list':
      canonical = value.split(',').map((v) => v.trim()).join(',');
      break;
  }
  const problem = definition.check?.(canonical);
  if (problem !== undefined) fail(problem);
  if (definition.validValues) {
    // A list's elements each come from the allowed set (Kafka's ValidList); other types match one value.
    const parts = definition.type === 'list' ? canonical.split(',') : [canonical];
    if (!parts.every((p) => definition.validValues!.includes(p))) fail(`String must be one of: ${definition.validValues.join(', ')}`);
  }
  return canonical;
}

function checkRange(definition: ConfigDefinition, n: bigint | number, fail: (why: string) => never): void {
  const { min, max } = definition;
  if (min !== undefined && n < min) fail(`Value must be at least ${min}`);
  if (max !== undefined && n > max) fail(`Value must be no more than ${max}`);
}
