import { KafkaException } from '../../kafka-exception.js';

/**
 * A record's payload could not be converted to the listener's parameter type. Not retryable:
 * the error handler skips (recovers) such records at once, as Spring's default
 * classification does.
 */
export class MessageConversionException extends KafkaException {}
