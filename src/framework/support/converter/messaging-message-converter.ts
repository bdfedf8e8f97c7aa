import type { Acknowledgment } from '../acknowledgment.js';
import type { ConsumerRecord } from '../consumer-record.js';
import { KafkaHeaders } from '../kafka-headers.js';
import type { MessageHeaders } from '../message.js';

/** What the container knows about the delivery besides the record itself. */
export interface DeliveryContext {
  readonly groupId?: string;
  readonly acknowledgment?: Acknowledgment;
  readonly consumer?: unknown;
  readonly listenerInfo?: string;
}

/**
 * The headers a listener sees for a record, as Spring's `MessagingMessageConverter`
 * (`commonHeaders` plus the record's own headers, whose values stay raw bytes; a repeated
 * name keeps its last value).
 */
export function recordMessageHeaders(record: ConsumerRecord, context: DeliveryContext = {}): MessageHeaders {
  const headers: MessageHeaders = {};
  for (const header of record.headers) headers[header.key] = header.value;
  // As Spring's header mapper: the container's delivery count arrives as a number.
  const attempt = headers[KafkaHeaders.DELIVERY_ATTEMPT];
  if (Buffer.isBuffer(attempt) && attempt.length === 4) headers[KafkaHeaders.DELIVERY_ATTEMPT] = attempt.readInt32BE(0);
  headers[KafkaHeaders.RECEIVED_TOPIC] = record.topic;
  headers[KafkaHeaders.RECEIVED_PARTITION] = record.partition;
  headers[KafkaHeaders.OFFSET] = record.offset;
  headers[KafkaHeaders.TIMESTAMP_TYPE] = record.timestampType;
  headers[KafkaHeaders.RECEIVED_TIMESTAMP] = record.timestamp;
  if (record.key !== null && record.key !== undefined) headers[KafkaHeaders.RECEIVED_KEY] = record.key;
  if (context.groupId) headers[KafkaHeaders.GROUP_ID] = context.groupId;
  if (context.acknowledgment) headers[KafkaHeaders.ACKNOWLEDGMENT] = context.acknowledgment;
  if (context.consumer) headers[KafkaHeaders.CONSUMER] = context.consumer;
  if (context.listenerInfo !== undefined) headers[KafkaHeaders.LISTENER_INFO] = context.listenerInfo;
  headers[KafkaHeaders.RAW_DATA] = record;
  headers[KafkaHeaders.RECORD_METADATA] = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
  };
  return headers;
}
