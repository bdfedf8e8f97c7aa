import { KafkaException } from '../../kafka-exception.js';

/** A listener argument could not be resolved (e.g. a required header is missing). Not retryable. */
export class MethodArgumentResolutionException extends KafkaException {}
