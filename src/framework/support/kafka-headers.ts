/**
 * Spring Kafka's header names (`KafkaHeaders`), with the same string values so records stay
 * readable by Spring applications and vice versa.
 */
export const KafkaHeaders = {
  PREFIX: 'kafka_',
  RECEIVED: 'kafka_received',
  /** Outbound: the destination topic of a `Message`. */
  TOPIC: 'kafka_topic',
  /** Outbound: the record key of a `Message`. */
  KEY: 'kafka_messageKey',
  /** Outbound: the destination partition of a `Message`. */
  PARTITION: 'kafka_partitionId',
  /** Inbound: the record's offset. */
  OFFSET: 'kafka_offset',
  RAW_DATA: 'kafka_data',
  RECORD_METADATA: 'kafka_recordMetadata',
  ACKNOWLEDGMENT: 'kafka_acknowledgment',
  CONSUMER: 'kafka_consumer',
  RECEIVED_TOPIC: 'kafka_receivedTopic',
  RECEIVED_KEY: 'kafka_receivedMessageKey',
  RECEIVED_PARTITION: 'kafka_receivedPartitionId',
  TIMESTAMP_TYPE: 'kafka_timestampType',
  /** Outbound: the record timestamp of a `Message`. */
  TIMESTAMP: 'kafka_timestamp',
  RECEIVED_TIMESTAMP: 'kafka_receivedTimestamp',
  NATIVE_HEADERS: 'kafka_nativeHeaders',
  BATCH_CONVERTED_HEADERS: 'kafka_batchConvertedHeaders',
  CORRELATION_ID: 'kafka_correlationId',
  REPLY_TOPIC: 'kafka_replyTopic',
  REPLY_PARTITION: 'kafka_replyPartition',
  DLT_EXCEPTION_FQCN: 'kafka_dlt-exception-fqcn',
  DLT_EXCEPTION_CAUSE_FQCN: 'kafka_dlt-exception-cause-fqcn',
  DLT_EXCEPTION_STACKTRACE: 'kafka_dlt-exception-stacktrace',
  DLT_EXCEPTION_MESSAGE: 'kafka_dlt-exception-message',
  DLT_KEY_EXCEPTION_STACKTRACE: 'kafka_dlt-key-exception-stacktrace',
  DLT_KEY_EXCEPTION_MESSAGE: 'kafka_dlt-key-exception-message',
  DLT_KEY_EXCEPTION_FQCN: 'kafka_dlt-key-exception-fqcn',
  DLT_ORIGINAL_TOPIC: 'kafka_dlt-original-topic',
  DLT_ORIGINAL_PARTITION: 'kafka_dlt-original-partition',
  DLT_ORIGINAL_OFFSET: 'kafka_dlt-original-offset',
  DLT_ORIGINAL_CONSUMER_GROUP: 'kafka_dlt-original-consumer-group',
  DLT_ORIGINAL_TIMESTAMP: 'kafka_dlt-original-timestamp',
  DLT_ORIGINAL_TIMESTAMP_TYPE: 'kafka_dlt-original-timestamp-type',
  GROUP_ID: 'kafka_groupId',
  DELIVERY_ATTEMPT: 'kafka_deliveryAttempt',
  EXCEPTION_FQCN: 'kafka_exception-fqcn',
  EXCEPTION_CAUSE_FQCN: 'kafka_exception-cause-fqcn',
  EXCEPTION_STACKTRACE: 'kafka_exception-stacktrace',
  EXCEPTION_MESSAGE: 'kafka_exception-message',
  KEY_EXCEPTION_STACKTRACE: 'kafka_key-exception-stacktrace',
  KEY_EXCEPTION_MESSAGE: 'kafka_key-exception-message',
  KEY_EXCEPTION_FQCN: 'kafka_key-exception-fqcn',
  ORIGINAL_TOPIC: 'kafka_original-topic',
  ORIGINAL_PARTITION: 'kafka_original-partition',
  ORIGINAL_OFFSET: 'kafka_original-offset',
  /** Spring's quirk, kept for interoperability: the same value as DLT_ORIGINAL_CONSUMER_GROUP. */
  ORIGINAL_CONSUMER_GROUP: 'kafka_dlt-original-consumer-group',
  ORIGINAL_TIMESTAMP: 'kafka_original-timestamp',
  ORIGINAL_TIMESTAMP_TYPE: 'kafka_original-timestamp-type',
  CONVERSION_FAILURES: 'kafka_conversionFailures',
  LISTENER_INFO: 'kafka_listenerInfo',
} as const;

export type KafkaHeaderName = (typeof KafkaHeaders)[keyof typeof KafkaHeaders];

/**
 * Headers the framework derives from the record or consumes itself; they are never copied
 * from a `Message` into outbound Kafka headers (Spring's `DefaultKafkaHeaderMapper` list).
 */
export const NEVER_MAPPED_OUTBOUND: ReadonlySet<string> = new Set([
  KafkaHeaders.ACKNOWLEDGMENT,
  KafkaHeaders.CONSUMER,
  KafkaHeaders.KEY,
  KafkaHeaders.OFFSET,
  KafkaHeaders.PARTITION,
  KafkaHeaders.RAW_DATA,
  KafkaHeaders.RECEIVED_KEY,
  KafkaHeaders.RECEIVED_PARTITION,
  KafkaHeaders.RECEIVED_TIMESTAMP,
  KafkaHeaders.RECEIVED_TOPIC,
  KafkaHeaders.TIMESTAMP,
  KafkaHeaders.TIMESTAMP_TYPE,
  KafkaHeaders.BATCH_CONVERTED_HEADERS,
  KafkaHeaders.NATIVE_HEADERS,
  KafkaHeaders.TOPIC,
  KafkaHeaders.DELIVERY_ATTEMPT,
  KafkaHeaders.LISTENER_INFO,
  KafkaHeaders.GROUP_ID,
]);
