import type { RecordHeaders } from '../record-headers.js';
import { DeserializationException } from './deserialization-exception.js';
import type { Deserializer } from './serializer.js';

/** Spring's `SerializationUtils.KEY_DESERIALIZER_EXCEPTION_HEADER`. */
export const KEY_DESERIALIZER_EXCEPTION_HEADER = 'springDeserializerExceptionKey';
/** Spring's `SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER`. */
export const VALUE_DESERIALIZER_EXCEPTION_HEADER = 'springDeserializerExceptionValue';

/** What a `failedDeserializationFunction` is given, as Spring's `FailedDeserializationInfo`. */
export interface FailedDeserializationInfo {
  readonly topic: string;
  readonly headers: RecordHeaders;
  readonly data: Buffer | null;
  readonly isForKey: boolean;
  readonly exception: DeserializationException;
}

export interface ErrorHandlingDeserializerOptions<T> {
  /** Wraps the key deserializer: the failure header is `springDeserializerExceptionKey`. */
  isKey?: boolean;
  /**
   * A value to deliver instead of failing (Spring's `spring.deserializer.value.function`): the
   * listener receives it and the failure header tells what happened. Without it the record
   * fails and goes to the container's error handler.
   */
  failedDeserializationFunction?: (info: FailedDeserializationInfo) => T | null;
}

/**
 * What the failure header holds. Spring writes a Java-serialized `DeserializationException`
 * there, which only a JVM can read; this is the same information as UTF-8 JSON.
 */
export interface DeserializationFailureInfo {
  readonly exceptionClass: string;
  readonly message: string;
  readonly causeClass: string | undefined;
  readonly causeMessage: string | undefined;
  readonly isKey: boolean;
  readonly topic: string;
}

/**
 * Spring's `ErrorHandlingDeserializer`: wraps a delegate deserializer so that a key or value
 * it can't read never wedges the consumer. On a failure it writes the
 * `springDeserializerExceptionValue` (or `...Key`) header describing the failure, then either
 * delivers `failedDeserializationFunction`'s substitute or raises a
 * {@link DeserializationException} holding the original bytes. The container hands such a record
 * to its error handler without calling the listener (a DeserializationException is not
 * retryable), and the DeadLetterPublishingRecoverer publishes the original bytes with the
 * `kafka_dlt-*` (or `kafka_dlt-key-*`) exception headers. Every container already catches a
 * failing deserializer the same way; this class adds Spring's name, header and substitute.
 */
export class ErrorHandlingDeserializer<T = unknown> implements Deserializer<T> {
  private readonly isKey: boolean;
  private readonly header: string;

  constructor(
    readonly delegate: Deserializer<T>,
    private readonly options: ErrorHandlingDeserializerOptions<T> = {},
  ) {
    this.isKey = options.isKey ?? false;
    this.header = this.isKey ? KEY_DESERIALIZER_EXCEPTION_HEADER : VALUE_DESERIALIZER_EXCEPTION_HEADER;
  }

  deserialize(topic: string, data: Buffer | null, headers: RecordHeaders): T | null {
    try {
      return this.delegate.deserialize(topic, data, headers);
    } catch (error) {
      const failure =
        error instanceof DeserializationException
          ? error
          : new DeserializationException(`Failed to deserialize the ${this.isKey ? 'key' : 'value'} from topic [${topic}]: ${error instanceof Error ? error.message : String(error)}`, data, this.isKey, { cause: error });
      headers.add(this.header, Buffer.from(JSON.stringify(describe(failure, topic, this.isKey)), 'utf8'));
      if (this.options.failedDeserializationFunction) return this.options.failedDeserializationFunction({ topic, headers, data, isForKey: this.isKey, exception: failure });
      throw failure;
    }
  }
}

/** The failure a record's `springDeserializerException*` header describes, if it has one written by Streamwright. */
export function deserializationFailureOf(headers: RecordHeaders, isKey = false): DeserializationFailureInfo | undefined {
  const value = headers.lastHeader(isKey ? KEY_DESERIALIZER_EXCEPTION_HEADER : VALUE_DESERIALIZER_EXCEPTION_HEADER)?.value;
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<DeserializationFailureInfo>;
    return typeof parsed?.exceptionClass === 'string' ? (parsed as DeserializationFailureInfo) : undefined;
  } catch {
    // Spring's Java-serialized form: not readable here.
    return undefined;
  }
}

function describe(failure: DeserializationException, topic: string, isKey: boolean): DeserializationFailureInfo {
  const cause = (failure as { cause?: unknown }).cause;
  return {
    exceptionClass: failure.constructor.name,
    message: failure.message,
    causeClass: cause instanceof Error ? cause.constructor.name : undefined,
    causeMessage: cause instanceof Error ? cause.message : undefined,
    isKey,
    topic,
  };
}
