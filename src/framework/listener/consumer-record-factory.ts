import type { KafkaMessage } from 'kafkajs';
import { attachRawBytes, ConsumerRecord, type TimestampType } from '../support/consumer-record.js';
import { RecordHeaders } from '../support/record-headers.js';
import { DeserializationException } from '../support/serializer/deserialization-exception.js';
import type { Deserializer } from '../support/serializer/serializer.js';

const deserializationErrors = new WeakMap<ConsumerRecord, DeserializationException>();
/** Until a first failure, nothing needs looking up (this is asked several times per record). */
let anyDeserializationError = false;

/** The failure to deserialize a record's key or value, if there was one. */
export function deserializationErrorOf(record: ConsumerRecord): DeserializationException | undefined {
  return anyDeserializationError ? deserializationErrors.get(record) : undefined;
}

/** kafkajs' record-batch context, which its types leave out. */
interface BatchContext {
  timestampType?: number;
  partitionLeaderEpoch?: number;
}

/**
 * Builds ConsumerRecords from kafkajs messages. A key or value that fails to deserialize
 * becomes null and the failure is remembered for the container to report (what Spring's
 * `ErrorHandlingDeserializer` does), so a poison pill can't wedge the consumer.
 */
export class ConsumerRecordFactory {
  /**
   * The last timestamp text converted, and its number: the records of one produce batch
   * mostly share their create time, and turning kafkajs' 13-digit text into a number was a
   * third of this factory's time in a CPU profile (`bench:listener --profile`).
   */
  private lastTimestampText: string | undefined;
  private lastTimestamp = -1;

  constructor(
    private readonly keyDeserializer: Deserializer,
    private readonly valueDeserializer: Deserializer,
  ) {}

  create(topic: string, partition: number, message: KafkaMessage): ConsumerRecord {
    const headers = RecordHeaders.fromKafkaJs(message.headers as Record<string, unknown> | undefined);
    let failure: DeserializationException | undefined;
    let key: unknown;
    let value: unknown;
    // Straight-line code rather than a helper closure: this runs for every record consumed.
    try {
      key = this.keyDeserializer.deserialize(topic, message.key, headers);
    } catch (error) {
      failure = deserializationFailure(error, topic, partition, message, true);
      key = null;
    }
    try {
      value = this.valueDeserializer.deserialize(topic, message.value, headers);
    } catch (error) {
      failure ??= deserializationFailure(error, topic, partition, message, false);
      value = null;
    }
    const context = (message as { batchContext?: BatchContext }).batchContext;
    const timestamp = this.timestampOf(message.timestamp);
    const record = new ConsumerRecord({
      topic,
      partition,
      offset: Number(message.offset),
      timestamp: Number.isFinite(timestamp) ? timestamp : -1,
      timestampType: timestampType(context?.timestampType, timestamp),
      key,
      value,
      headers,
      leaderEpoch: context?.partitionLeaderEpoch,
    });
    attachRawBytes(record, message.key, message.value);
    if (failure) {
      anyDeserializationError = true;
      deserializationErrors.set(record, failure);
    }
    return record;
  }

  private timestampOf(text: string): number {
    if (text !== this.lastTimestampText) {
      this.lastTimestampText = text;
      this.lastTimestamp = Number(text);
    }
    return this.lastTimestamp;
  }
}

function deserializationFailure(error: unknown, topic: string, partition: number, message: KafkaMessage, isKey: boolean): DeserializationException {
  if (error instanceof DeserializationException) return error;
  const data = isKey ? message.key : message.value;
  return new DeserializationException(`Failed to deserialize the ${isKey ? 'key' : 'value'} of ${topic}-${partition}@${message.offset}`, data, isKey, { cause: error });
}

function timestampType(type: number | undefined, timestamp: number): TimestampType {
  if (type === 1) return 'LOG_APPEND_TIME';
  if (type === 0 || (type === undefined && timestamp >= 0)) return 'CREATE_TIME';
  return 'NO_TIMESTAMP_TYPE';
}
