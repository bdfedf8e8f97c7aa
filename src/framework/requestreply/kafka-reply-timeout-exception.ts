import { KafkaException } from '../kafka-exception.js';
import type { CorrelationKey } from './correlation-key.js';

/**
 * No reply arrived within the request's timeout, as Spring's `KafkaReplyTimeoutException`
 * (message "Reply timed out"). The correlation id tells the request apart in logs.
 */
export class KafkaReplyTimeoutException extends KafkaException {
  constructor(
    readonly correlationId: CorrelationKey,
    readonly timeoutMs: number,
    message = `Reply timed out after ${timeoutMs} ms (correlationId ${correlationId})`,
  ) {
    super(message);
  }
}
