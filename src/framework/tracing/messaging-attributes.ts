import type { Attributes } from '@opentelemetry/api';
import { KafkaProducerException } from '../core/kafka-producer-exception.js';
import { ListenerExecutionFailedException } from '../listener/listener-execution-failed-exception.js';
import { TimestampedException } from '../listener/timestamped-exception.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { KafkaHeaders } from '../support/kafka-headers.js';
import { KafkaNull } from '../support/kafka-null.js';
import type { RecordHeaders } from '../support/record-headers.js';

/**
 * Attribute names of the OpenTelemetry messaging semantic conventions (the Kafka ones), as
 * plain strings: `@opentelemetry/semantic-conventions` marks them incubating and is not needed.
 */
export const Messaging = {
  SYSTEM: 'messaging.system',
  OPERATION_NAME: 'messaging.operation.name',
  OPERATION_TYPE: 'messaging.operation.type',
  DESTINATION_NAME: 'messaging.destination.name',
  DESTINATION_PARTITION_ID: 'messaging.destination.partition.id',
  CONSUMER_GROUP_NAME: 'messaging.consumer.group.name',
  CLIENT_ID: 'messaging.client.id',
  BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',
  CONVERSATION_ID: 'messaging.message.conversation_id',
  KAFKA_MESSAGE_KEY: 'messaging.kafka.message.key',
  KAFKA_OFFSET: 'messaging.kafka.offset',
  KAFKA_TOMBSTONE: 'messaging.kafka.message.tombstone',
  ERROR_TYPE: 'error.type',
  /** Not a convention: the `@KafkaListener` container id, as Spring's `spring.kafka.listener.id`. */
  LISTENER_ID: 'streamwright.kafka.listener.id',
} as const;

/** The attributes every span of a consumed record starts with. */
export function processAttributes(record: ConsumerRecord, groupId: string, clientId: string | undefined, listenerId: string): Attributes {
  const attributes: Attributes = {
    [Messaging.SYSTEM]: 'kafka',
    [Messaging.OPERATION_NAME]: 'process',
    [Messaging.OPERATION_TYPE]: 'process',
    [Messaging.DESTINATION_NAME]: record.topic,
    [Messaging.DESTINATION_PARTITION_ID]: String(record.partition),
    [Messaging.KAFKA_OFFSET]: record.offset,
    [Messaging.LISTENER_ID]: listenerId,
  };
  if (groupId) attributes[Messaging.CONSUMER_GROUP_NAME] = groupId;
  if (clientId) attributes[Messaging.CLIENT_ID] = clientId;
  const key = keyText(record.key);
  if (key !== undefined) attributes[Messaging.KAFKA_MESSAGE_KEY] = key;
  if (record.value === null) attributes[Messaging.KAFKA_TOMBSTONE] = true;
  addConversationId(attributes, record.headers);
  return attributes;
}

/** The attributes of a `send` span, known before the send (the partition only when the caller chose it). */
export function sendAttributes(topic: string, partition: number | undefined, key: unknown, value: unknown, headers: RecordHeaders): Attributes {
  const attributes: Attributes = {
    [Messaging.SYSTEM]: 'kafka',
    [Messaging.OPERATION_NAME]: 'send',
    [Messaging.OPERATION_TYPE]: 'send',
    [Messaging.DESTINATION_NAME]: topic,
  };
  if (partition !== undefined) attributes[Messaging.DESTINATION_PARTITION_ID] = String(partition);
  const text = keyText(key);
  if (text !== undefined) attributes[Messaging.KAFKA_MESSAGE_KEY] = text;
  if (value === null || value === undefined || value instanceof KafkaNull) attributes[Messaging.KAFKA_TOMBSTONE] = true;
  addConversationId(attributes, headers);
  return attributes;
}

/** The request/reply correlation id (`kafka_correlationId`, hex) as the conversation id. */
function addConversationId(attributes: Attributes, headers: RecordHeaders): void {
  const correlation = headers.lastHeader(KafkaHeaders.CORRELATION_ID)?.value;
  if (correlation && correlation.length > 0) attributes[Messaging.CONVERSATION_ID] = correlation.toString('hex');
}

/** The key's string form, as the conventions ask; never set for a null key. */
function keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'string') return key;
  if (Buffer.isBuffer(key)) return key.toString('utf8');
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  return undefined;
}

/**
 * `error.type`: Kafka's error code name when the failure carries one (kafkajs protocol errors,
 * e.g. `UNKNOWN_TOPIC_OR_PARTITION`), else the class name of the error the application threw
 * (the framework's own wrappers are looked through), else `_OTHER`.
 */
export function errorType(error: unknown): string {
  let current = error;
  while ((current instanceof ListenerExecutionFailedException || current instanceof TimestampedException || current instanceof KafkaProducerException) && current.cause !== undefined) {
    current = current.cause;
  }
  const code = (current as { type?: unknown } | null | undefined)?.type;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) return code;
  return current instanceof Error ? current.constructor.name || 'Error' : '_OTHER';
}
