import { MessageConversionException } from '../support/converter/message-conversion-exception.js';
import { MethodArgumentResolutionException } from '../support/converter/method-argument-resolution-exception.js';
import { DeserializationException } from '../support/serializer/deserialization-exception.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * Decides whether a failure is worth retrying, as Spring's `ExceptionClassifier`: the cause
 * chain is searched for a classified class; unclassified failures are retryable. By default
 * deserialization, conversion and argument-resolution failures are fatal (they fail the
 * same way on every attempt).
 */
export class ExceptionClassifier {
  private readonly classifications = new Map<ErrorClass, boolean>([
    [DeserializationException, false],
    [MessageConversionException, false],
    [MethodArgumentResolutionException, false],
  ]);

  addNotRetryableExceptions(...types: ErrorClass[]): void {
    for (const type of types) this.classifications.set(type, false);
  }

  addRetryableExceptions(...types: ErrorClass[]): void {
    for (const type of types) this.classifications.set(type, true);
  }

  removeClassification(type: ErrorClass): boolean | undefined {
    const previous = this.classifications.get(type);
    this.classifications.delete(type);
    return previous;
  }

  isRetryable(error: unknown): boolean {
    const seen = new Set<unknown>();
    for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
      seen.add(current);
      for (const [type, retryable] of this.classifications) if (current instanceof type) return retryable;
    }
    return true;
  }
}
