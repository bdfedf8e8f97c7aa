import { SerializationException } from './serialization-exception.js';

/**
 * A key or value could not be deserialized, as Spring's `DeserializationException`. The
 * container catches it instead of crashing (what Spring's `ErrorHandlingDeserializer` does)
 * and hands it to the error handler, which treats it as not retryable.
 */
export class DeserializationException extends SerializationException {
  constructor(
    message: string,
    readonly data: Buffer | null,
    readonly isKey: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
