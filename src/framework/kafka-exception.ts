/**
 * The root of the framework's exceptions, as Spring's `org.springframework.kafka.KafkaException`.
 * The original error, when there is one, is kept in the standard `cause`.
 */
export class KafkaException extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
