import { ErrorCode } from '../../protocol/error-codes.js';

/**
 * A config value the broker refuses, at start-up or in a request: Kafka's ConfigException,
 * answered with INVALID_CONFIG. The one such error of the broker (topic, broker and listener
 * configs alike).
 */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
  readonly errorCode: number = ErrorCode.INVALID_CONFIG;

  constructor(
    message: string,
    /** The config at fault, where there is one. */
    readonly key?: string,
    /** The refused value, where there is one. */
    readonly value?: string,
  ) {
    super(message);
  }

  /** Kafka's wording: `Invalid value -2 for configuration retention.ms: Value must be at least -1`. */
  static forValue(key: string, value: string, why: string): InvalidConfigError {
    return new InvalidConfigError(`Invalid value ${value} for configuration ${key}: ${why}`, key, value);
  }
}
