import { KafkaException } from '../kafka-exception.js';
import { KafkaHeaders, NEVER_MAPPED_OUTBOUND } from '../support/kafka-headers.js';
import { KafkaNull } from '../support/kafka-null.js';
import type { Message } from '../support/message.js';
import { ProducerRecord, type ProducerRecordHeaders } from '../support/producer-record.js';

/**
 * Builds the record for `KafkaTemplate.send(message)`, as Spring's
 * `MessagingMessageConverter.fromMessage`: `kafka_topic` (else the default topic),
 * `kafka_partitionId`, `kafka_messageKey` and `kafka_timestamp` route the record; the other
 * headers become Kafka headers (strings and bytes as they are, other values as JSON), except
 * the framework-derived ones that are never mapped outbound.
 */
export function messageToRecord<K, V>(message: Message<V>, defaultTopic: string | undefined): ProducerRecord<K, V> {
  const headers = message.headers ?? {};
  const topic = text(headers[KafkaHeaders.TOPIC]) ?? defaultTopic;
  if (!topic) throw new KafkaException('With no topic header, a defaultTopic is required');
  const outbound: ProducerRecordHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (NEVER_MAPPED_OUTBOUND.has(name) || name === 'id' || name === 'timestamp' || value === undefined || value === null) continue;
    outbound[name] = Buffer.isBuffer(value) || typeof value === 'string' ? value : JSON.stringify(value);
  }
  const payload = message.payload instanceof KafkaNull ? null : message.payload;
  return new ProducerRecord<K, V>(
    topic,
    integer(headers[KafkaHeaders.PARTITION]),
    integer(headers[KafkaHeaders.TIMESTAMP]),
    headers[KafkaHeaders.KEY] as K | undefined,
    payload,
    outbound,
  );
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function integer(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value.length === 4 ? value.readInt32BE(0) : Number(value.toString('utf8'));
  const number = Number(value);
  return Number.isInteger(number) ? number : undefined;
}
