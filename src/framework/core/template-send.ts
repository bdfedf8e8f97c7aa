import type { RecordMetadata as KafkaJsRecordMetadata } from 'kafkajs';
import type { ProducerRecord } from '../support/producer-record.js';
import type { SendResult } from '../support/send-result.js';
import { KafkaProducerException } from './kafka-producer-exception.js';
import { messageOf } from './producer-factory.js';
import type { ProducerListener } from './producer-listener.js';
import { RecordCompletion } from './record-accumulator.js';
import type { SendObservationEnd } from './template-observer.js';

/*
 * The promise executor is one function for all sends (it hands the resolving functions over
 * through these two variables; it runs synchronously inside `new Promise`), not a closure per
 * send: with a thousand sends in flight, every object a send keeps alive is copied by the
 * garbage collector's scavenges while kafkajs' encoding fills the young generation.
 */
let resolved: (value: unknown) => void = () => undefined;
let rejected: (error: unknown) => void = () => undefined;
function captureResolvers(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  resolved = resolve as (value: unknown) => void;
  rejected = reject;
}

/**
 * One `KafkaTemplate.send()` on its way: the promise the caller holds and what settles it.
 * It is the record's completion in the accumulator, so a send costs one promise and this object,
 * and its observer, producer listener and promise are settled straight from the response of
 * its request (before `flush()` resolves).
 */
export class TemplateSend<K, V> extends RecordCompletion {
  readonly promise: Promise<SendResult<K, V>>;
  private readonly resolve: (result: SendResult<K, V>) => void;
  private readonly reject: (error: unknown) => void;

  constructor(
    readonly record: ProducerRecord<K, V>,
    /** The create time the record goes out with (reported unless the broker appends its own). */
    readonly timestamp: number,
    private readonly listener: ProducerListener<K, V>,
    private readonly observed: SendObservationEnd | undefined,
  ) {
    super();
    this.promise = new Promise<SendResult<K, V>>(captureResolvers);
    this.resolve = resolved;
    this.reject = rejected;
  }

  acknowledged(topic: string, partition: number, offset: number, logAppendTime: number): void {
    const record = this.record;
    const metadata = { topic, partition, offset, timestamp: logAppendTime >= 0 ? logAppendTime : this.timestamp };
    // A failing observer or producer listener must not change the outcome of the send.
    try {
      this.observed?.(undefined, metadata);
      this.listener.onSuccess?.(record, metadata);
    } catch {
      // Reported by neither: the send itself succeeded.
    }
    this.resolve({ producerRecord: record, recordMetadata: metadata });
  }

  failed(error: unknown): void {
    const record = this.record;
    try {
      this.observed?.(error);
      this.listener.onError?.(record, undefined, error);
    } catch {
      // As above: the send's own error is what the caller gets.
    }
    this.reject(error instanceof KafkaProducerException ? error : new KafkaProducerException(record, `Failed to send ${record}: ${messageOf(error)}`, { cause: error }));
  }
}

/** A `sendBytes()` on its way: resolves with kafkajs' answer for the record's partition, at the record's own offset. */
export class BytesSend extends RecordCompletion {
  readonly promise: Promise<KafkaJsRecordMetadata[]>;
  private readonly resolve: (result: KafkaJsRecordMetadata[]) => void;
  private readonly reject: (error: unknown) => void;

  constructor(private readonly observed?: SendObservationEnd) {
    super();
    this.promise = new Promise<KafkaJsRecordMetadata[]>(captureResolvers);
    this.resolve = resolved;
    this.reject = rejected;
  }

  acknowledged(topic: string, partition: number, offset: number, logAppendTime: number): void {
    try {
      this.observed?.(undefined, { topic, partition, offset, timestamp: logAppendTime });
    } catch {
      // A failing observer must not change the outcome of the send.
    }
    this.resolve([{ topicName: topic, partition, errorCode: 0, baseOffset: String(offset), logAppendTime: String(logAppendTime) }]);
  }

  failed(error: unknown): void {
    try {
      this.observed?.(error);
    } catch {
      // As above.
    }
    this.reject(error);
  }
}
