import { MessageConversionException } from '../support/converter/message-conversion-exception.js';
import { MethodArgumentResolutionException } from '../support/converter/method-argument-resolution-exception.js';
import { DeserializationException } from '../support/serializer/deserialization-exception.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * The failures that fail the same way on every delivery, as Spring's
 * `ExceptionClassifier.defaultFatalExceptionsList()`. Spring's list, mapped to TypeScript:
 *
 * | Spring | here |
 * |---|---|
 * | `DeserializationException` | `DeserializationException` (the key or value deserializer failed) |
 * | `MessageConversionException`, `ConversionException` | `MessageConversionException` (the payload can't be converted to the parameter type) |
 * | `MethodArgumentResolutionException` | `MethodArgumentResolutionException` (e.g. a required header is missing) |
 * | `NoSuchMethodException` | `MessageConversionException` (no `@KafkaHandler` accepts the payload) |
 * | `ClassCastException` | not mapped: its JavaScript counterpart, `TypeError`, is also what `fetch` throws for network failures, which must stay retryable |
 */
export function defaultFatalExceptions(): ErrorClass[] {
  return [DeserializationException, MessageConversionException, MethodArgumentResolutionException];
}

/**
 * Decides whether a failure is worth retrying, as Spring's `ExceptionClassifier` (a
 * `BinaryExceptionClassifier` with `traverseCauses`): the failure and then its causes are
 * looked up; the most specific classified class wins (an entry for a subclass beats one for
 * its superclass); unclassified failures get the default (retryable). By default the
 * {@link defaultFatalExceptions} are not retryable.
 */
export class ExceptionClassifier {
  private classifications = new Map<ErrorClass, boolean>(defaultFatalExceptions().map((type) => [type, false]));
  private defaultValue = true;
  /** Look at the causes too (Spring's default for its error handlers: true). */
  traverseCauses = true;

  /** These failures go to the recoverer at once. */
  addNotRetryableExceptions(...types: ErrorClass[]): void {
    for (const type of types) this.classifications.set(type, false);
  }

  /** These failures are retried (useful after {@link defaultFalse}). */
  addRetryableExceptions(...types: ErrorClass[]): void {
    for (const type of types) this.classifications.set(type, true);
  }

  /** Removes a classification; returns what it was, or undefined when it had none. */
  removeClassification(type: ErrorClass): boolean | undefined {
    const previous = this.classifications.get(type);
    this.classifications.delete(type);
    return previous;
  }

  /** Replaces all classifications (the defaults included) and the default value. */
  setClassifications(classifications: ReadonlyMap<ErrorClass, boolean> | Iterable<[ErrorClass, boolean]>, defaultValue: boolean): void {
    this.classifications = new Map(classifications);
    this.defaultValue = defaultValue;
  }

  /**
   * Unclassified failures are not retried; only those added with
   * {@link addRetryableExceptions} are. The classifications are cleared, unless
   * `retainStandardFatal` keeps the default fatal list (as not retryable).
   */
  defaultFalse(retainStandardFatal = false): void {
    this.classifications = new Map(retainStandardFatal ? defaultFatalExceptions().map((type) => [type, false] as const) : []);
    this.defaultValue = false;
  }

  /** Whether unclassified failures are retried. */
  get defaultClassification(): boolean {
    return this.defaultValue;
  }

  /** A copy of the classifications. */
  getClassifications(): Map<ErrorClass, boolean> {
    return new Map(this.classifications);
  }

  isRetryable(error: unknown): boolean {
    const seen = new Set<unknown>();
    for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
      seen.add(current);
      const classified = this.classify(current);
      if (classified !== undefined) return classified;
      if (!this.traverseCauses) break;
    }
    return this.defaultValue;
  }

  /** The classification of the closest classified class in the error's class hierarchy. */
  private classify(error: Error): boolean | undefined {
    for (let type: unknown = error.constructor; typeof type === 'function' && type !== Function.prototype; type = Object.getPrototypeOf(type)) {
      const classified = this.classifications.get(type as ErrorClass);
      if (classified !== undefined) return classified;
    }
    return undefined;
  }
}
