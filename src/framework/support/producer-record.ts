/**
 * Header values accepted on outbound records (kafkajs' `IHeaders`): strings are written as
 * UTF-8; a repeated name is given as an array.
 */
export type ProducerRecordHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** A record to send, as Kafka's `ProducerRecord`. */
export class ProducerRecord<K = unknown, V = unknown> {
  constructor(
    readonly topic: string,
    readonly partition: number | undefined,
    readonly timestamp: number | undefined,
    readonly key: K | null | undefined,
    readonly value: V | null | undefined,
    readonly headers: ProducerRecordHeaders = {},
  ) {}

  static of<K, V>(init: {
    topic: string;
    partition?: number;
    timestamp?: number;
    key?: K | null;
    value?: V | null;
    headers?: ProducerRecordHeaders;
  }): ProducerRecord<K, V> {
    return new ProducerRecord(init.topic, init.partition, init.timestamp, init.key, init.value, init.headers ?? {});
  }

  toString(): string {
    const partition = this.partition === undefined ? '' : `-${this.partition}`;
    return `ProducerRecord(topic=${this.topic}${partition}, key=${String(this.key)})`;
  }
}
