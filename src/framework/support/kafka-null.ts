/** A `Message` payload that means "send a null value" (a tombstone), as Spring's `KafkaNull`. */
export class KafkaNull {
  static readonly INSTANCE = new KafkaNull();
  private constructor() {}
}
