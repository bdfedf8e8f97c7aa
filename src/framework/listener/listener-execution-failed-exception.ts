import { KafkaException } from '../kafka-exception.js';

/** The listener threw (or its arguments could not be resolved); the cause is the original error. */
export class ListenerExecutionFailedException extends KafkaException {
  constructor(
    message: string,
    readonly groupId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
