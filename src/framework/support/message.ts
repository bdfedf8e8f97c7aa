/** Header values of a `Message`; Kafka headers are bytes, these are converted on the way out. */
export type MessageHeaders = Record<string, unknown>;

/**
 * A payload plus headers, as spring-messaging's `Message`: what `KafkaTemplate.send(message)`
 * takes (routed by `KafkaHeaders.TOPIC`/`PARTITION`/`KEY`/`TIMESTAMP`) and what a listener
 * parameter typed `Message` receives.
 */
export class Message<T = unknown> {
  constructor(
    readonly payload: T,
    readonly headers: MessageHeaders = {},
  ) {}
}

/** Fluent construction of a {@link Message}, as Spring's `MessageBuilder`. */
export class MessageBuilder<T> {
  private readonly headers: MessageHeaders = {};

  private constructor(private readonly payload: T) {}

  static withPayload<T>(payload: T): MessageBuilder<T> {
    return new MessageBuilder(payload);
  }

  setHeader(name: string, value: unknown): this {
    if (value === undefined || value === null) delete this.headers[name];
    else this.headers[name] = value;
    return this;
  }

  copyHeaders(headers: MessageHeaders): this {
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    return this;
  }

  build(): Message<T> {
    return new Message(this.payload, { ...this.headers });
  }
}
