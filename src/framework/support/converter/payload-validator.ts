import { createRequire } from 'node:module';
import type { ValidationError } from 'class-validator';
import { MethodArgumentNotValidException, type PayloadConstraintViolation } from './method-argument-not-valid-exception.js';

/**
 * Validates a converted payload with class-validator (the decorators on its class, nested ones
 * included), as Spring validates a `@Valid @Payload`. Values that are not objects have no
 * constraints and pass.
 */
export function validatePayload(value: unknown, index: number, description: string): void {
  if (typeof value !== 'object' || value === null) return;
  const errors = classValidator().validateSync(value, { forbidUnknownValues: false });
  if (errors.length === 0) return;
  const violations = flatten(errors, '');
  const details = violations.map((v) => `${v.property}: ${v.messages.join(', ')}`).join('; ');
  throw new MethodArgumentNotValidException(`Could not resolve method parameter at index ${index} in ${description}: ${violations.length} error(s): [${details}]`, violations);
}

let loaded: typeof import('class-validator') | undefined;

/**
 * class-validator, loaded on the first validation: it is the slowest of the framework's
 * dependencies to import, and most applications never validate. It is CommonJS, so this is the
 * same instance (and metadata) as the user's `import { IsPositive } from 'class-validator'`.
 */
function classValidator(): typeof import('class-validator') {
  loaded ??= createRequire(import.meta.url)('class-validator') as typeof import('class-validator');
  return loaded;
}

function flatten(errors: readonly ValidationError[], prefix: string): PayloadConstraintViolation[] {
  return errors.flatMap((error) => {
    const property = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ property, value: error.value as unknown, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], property)];
  });
}
