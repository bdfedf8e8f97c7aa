import { KafkaException } from '../../kafka-exception.js';

/** A key or value could not be turned into bytes. */
export class SerializationException extends KafkaException {}
