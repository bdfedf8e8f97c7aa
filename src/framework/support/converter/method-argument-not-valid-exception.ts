import { MethodArgumentResolutionException } from './method-argument-resolution-exception.js';

/** One failed constraint set of a validated payload: the property path and class-validator's messages. */
export interface PayloadConstraintViolation {
  readonly property: string;
  readonly value: unknown;
  readonly messages: readonly string[];
}

/**
 * A `@Payload({ validate: true })` argument failed validation, as Spring's
 * `MethodArgumentNotValidException`. It is a `MethodArgumentResolutionException`, so the
 * default error handling treats it as fatal: no retry, straight to the recoverer (the DLT's
 * `kafka_dlt-exception-message` carries the constraint messages).
 */
export class MethodArgumentNotValidException extends MethodArgumentResolutionException {
  constructor(
    message: string,
    readonly violations: readonly PayloadConstraintViolation[],
  ) {
    super(message);
  }
}
