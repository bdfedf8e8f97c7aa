import { KafkaException } from '../kafka-exception.js';

/**
 * A listener failure with the time it happened, as Spring's `TimestampedException`: the
 * retry-topic adapter wraps failures in it so that the next attempt is due `delay` ms after
 * the failure itself, not after the recoverer got round to it.
 */
export class TimestampedException extends KafkaException {
  constructor(
    cause: unknown,
    readonly timestamp: number = Date.now(),
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
