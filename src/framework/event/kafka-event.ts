/**
 * Base of the container events, as Spring's `KafkaEvent`: `source` is the object that
 * published it (a child container for consumer events), `container` the top-level container.
 */
export abstract class KafkaEvent {
  readonly timestamp = Date.now();

  constructor(
    readonly source: unknown,
    readonly container: unknown,
  ) {}

  get eventName(): string {
    return this.constructor.name;
  }
}
