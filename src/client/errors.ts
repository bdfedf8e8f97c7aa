// Errors of the command-line tools' Kafka client. Broker error codes travel as the protocol's
// KafkaProtocolError (re-exported here so callers import one module).
export { KafkaProtocolError } from '../protocol/error-codes.js';

/** The TCP connection to a broker failed or closed; requests still pending on it fail with this. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    message: string,
    readonly broker: string,
    options?: { cause?: unknown },
  ) {
    super(`${broker}: ${message}`, options);
  }
}

/** A request got no response within its timeout (the connection is closed, as Kafka's clients do). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

/** The broker and this client share no version of an API. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';
}
