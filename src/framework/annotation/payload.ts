import 'reflect-metadata';
import { setParameterAnnotation } from './listener-metadata.js';

export interface PayloadOptions {
  /**
   * What to convert to, when the declared type can't say: the element class of an array
   * (`@Payload({ type: Order }) orders: Order[]`, and in batch listeners), or a class behind an
   * interface-typed parameter.
   */
  type?: unknown;
  /** false accepts null values (tombstones); default true. */
  required?: boolean;
  /**
   * Validate the converted payload with class-validator (Spring's `@Valid`): a violation fails
   * the record with a `MethodArgumentNotValidException`, which is not retried. Record listeners.
   */
  validate?: boolean;
}

/** The record's value, converted to the parameter's type, as Spring's `@Payload`. */
export function Payload(options: PayloadOptions = {}): ParameterDecorator {
  return (target, propertyKey, index) => {
    if (propertyKey === undefined) return; // constructor parameters are the DI container's business
    setParameterAnnotation(target, propertyKey, index, { kind: 'payload', type: options.type, required: options.required ?? true, validate: options.validate ?? false });
  };
}
