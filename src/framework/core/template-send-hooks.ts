import type { Message as KafkaJsMessage, RecordMetadata as KafkaJsRecordMetadata } from 'kafkajs';
import { ProducerRecord } from '../support/producer-record.js';
import type { RecordMetadata, SendResult } from '../support/send-result.js';
import type { ProducerInterceptor } from './producer-interceptor.js';
import type { ProducerListener } from './producer-listener.js';

/*
 * The template's send paths call into here only when there is something to call: without an
 * interceptor a typed send costs one property check (bench: `npm run bench:template`).
 */

/** A typed send through `interceptor`: `onSend` may replace the record; `onAcknowledgement` sees the outcome. */
export function sendIntercepted<K, V>(
  interceptor: ProducerInterceptor<K, V>,
  record: ProducerRecord<K, V>,
  send: (record: ProducerRecord<K, V>) => Promise<SendResult<K, V>>,
): Promise<SendResult<K, V>> {
  const intercepted = onSendSafely(interceptor, record);
  return send(intercepted).then(
    (result) => {
      acknowledgeSafely(interceptor, result.recordMetadata, undefined);
      return result;
    },
    (error: unknown) => {
      acknowledgeSafely(interceptor, failedMetadata(intercepted), error);
      throw error;
    },
  );
}

/**
 * A raw send (`sendBytes`, the dead-letter path) through the interceptor and the producer
 * listener; they see a record whose key and value are the bytes.
 */
export async function sendBytesObserved<K, V>(
  interceptor: ProducerInterceptor<K, V> | undefined,
  listener: ProducerListener<K, V>,
  topic: string,
  message: KafkaJsMessage,
  send: (topic: string, message: KafkaJsMessage) => Promise<KafkaJsRecordMetadata[]>,
): Promise<KafkaJsRecordMetadata[]> {
  if (!interceptor && !listener.onSuccess && !listener.onError) return send(topic, message);
  // The record is built only for someone who looks at it.
  let record: ProducerRecord<K, V> | undefined;
  const recordOf = () => (record ??= bytesRecord<K, V>(topic, message));
  if (interceptor) {
    const original = recordOf();
    const intercepted = onSendSafely(interceptor, original);
    if (intercepted !== original) {
      record = intercepted;
      message = { ...message, key: intercepted.key as KafkaJsMessage['key'], value: intercepted.value as KafkaJsMessage['value'], partition: intercepted.partition, headers: intercepted.headers };
    }
  }
  let results: KafkaJsRecordMetadata[];
  try {
    results = await send(record?.topic ?? topic, message);
  } catch (error) {
    if (interceptor) acknowledgeSafely(interceptor, failedMetadata(recordOf()), error);
    if (listener.onError) notifySafely(() => listener.onError!(recordOf(), undefined, error));
    throw error;
  }
  if (interceptor || listener.onSuccess) {
    const metadata = metadataOf(results[0], recordOf());
    if (interceptor) acknowledgeSafely(interceptor, metadata, undefined);
    if (listener.onSuccess) notifySafely(() => listener.onSuccess!(recordOf(), metadata));
  }
  return results;
}

function bytesRecord<K, V>(topic: string, message: KafkaJsMessage): ProducerRecord<K, V> {
  const timestamp = message.timestamp === undefined ? undefined : Number(message.timestamp);
  return new ProducerRecord(topic, message.partition ?? undefined, timestamp, message.key as K | null | undefined, message.value as V | null, message.headers ?? {});
}

function metadataOf(result: KafkaJsRecordMetadata | undefined, record: ProducerRecord<unknown, unknown>): RecordMetadata {
  if (!result) return failedMetadata(record);
  const appendTime = Number(result.logAppendTime ?? -1);
  return {
    topic: result.topicName,
    partition: result.partition,
    offset: Number(result.baseOffset ?? result.offset ?? -1),
    timestamp: appendTime >= 0 ? appendTime : (record.timestamp ?? -1),
  };
}

/** What Kafka hands `onAcknowledgement` for a failed send: the topic, the partition if chosen, offset -1. */
function failedMetadata(record: ProducerRecord<unknown, unknown>): RecordMetadata {
  return { topic: record.topic, partition: record.partition ?? -1, offset: -1, timestamp: record.timestamp ?? -1 };
}

function onSendSafely<K, V>(interceptor: ProducerInterceptor<K, V>, record: ProducerRecord<K, V>): ProducerRecord<K, V> {
  try {
    return interceptor.onSend(record) ?? record;
  } catch {
    // As Kafka's interceptors: a failing onSend leaves the record as it was (CompositeProducerInterceptor logs).
    return record;
  }
}

function acknowledgeSafely<K, V>(interceptor: ProducerInterceptor<K, V>, metadata: RecordMetadata, error: unknown): void {
  notifySafely(() => interceptor.onAcknowledgement(metadata, error));
}

function notifySafely(callback: () => void): void {
  try {
    callback();
  } catch {
    // An interceptor or producer listener must not change the outcome of the send.
  }
}
