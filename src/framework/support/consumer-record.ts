import { RecordHeaders } from './record-headers.js';
import type { TopicPartition } from './topic-partition.js';

/** Kafka's `TimestampType`, named as Spring writes it into `kafka_timestampType`. */
export type TimestampType = 'NO_TIMESTAMP_TYPE' | 'CREATE_TIME' | 'LOG_APPEND_TIME';

export interface ConsumerRecordInit<K, V> {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  timestampType?: TimestampType;
  key?: K | null;
  value?: V | null;
  headers?: RecordHeaders;
  leaderEpoch?: number;
}

// Set by ConsumerRecord's static block (the only code that can reach its private field).
let attachRaw: (record: ConsumerRecord, key: Buffer | null, value: Buffer | null) => void;
let rawOf: (record: ConsumerRecord) => RawBytes | undefined;
let rawValueOfRecord: (record: ConsumerRecord) => Buffer | null | undefined;

/**
 * A record as received from Kafka, with its key and value already deserialized by the
 * consumer factory's deserializers. A class (not an interface) so that a listener parameter
 * typed `ConsumerRecord` is recognised at run time from decorator metadata.
 */
export class ConsumerRecord<K = unknown, V = unknown> implements TopicPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: TimestampType;
  readonly key: K | null;
  readonly value: V | null;
  readonly headers: RecordHeaders;
  readonly leaderEpoch?: number;

  constructor(init: ConsumerRecordInit<K, V>) {
    this.topic = init.topic;
    this.partition = init.partition;
    this.offset = init.offset;
    this.timestamp = init.timestamp ?? -1;
    this.timestampType = init.timestampType ?? (init.timestamp == null ? 'NO_TIMESTAMP_TYPE' : 'CREATE_TIME');
    this.key = init.key ?? null;
    this.value = init.value ?? null;
    this.headers = init.headers ?? new RecordHeaders();
    this.leaderEpoch = init.leaderEpoch;
  }

  toString(): string {
    return `${this.topic}-${this.partition}@${this.offset}`;
  }

  /** The bytes the record arrived with, before deserialization (undefined: not a consumed record); kept out of the public shape. */
  #rawKey: Buffer | null | undefined;
  #rawValue: Buffer | null | undefined;

  static {
    // Private fields rather than a WeakMap: they are set for every record consumed, and WeakMap
    // entries cost the garbage collector far more than fields do. Records built elsewhere
    // (copies, plain objects typed as records) have no raw bytes.
    attachRaw = (record, key, value) => {
      if (!(#rawKey in record)) return;
      record.#rawKey = key;
      record.#rawValue = value;
    };
    rawOf = (record) => (#rawKey in record && record.#rawKey !== undefined ? { key: record.#rawKey, value: record.#rawValue ?? null } : undefined);
    rawValueOfRecord = (record) => (#rawValue in record ? record.#rawValue : undefined);
  }
}

/** The bytes a record arrived with. */
export interface RawBytes {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export function attachRawBytes(record: ConsumerRecord, key: Buffer | null, value: Buffer | null): void {
  attachRaw(record, key, value);
}

export function rawBytesOf(record: ConsumerRecord): RawBytes | undefined {
  return rawOf(record);
}

/** The value's bytes as the record arrived with them; undefined when unknown. */
export function rawValueOf(record: ConsumerRecord): Buffer | null | undefined {
  return rawValueOfRecord(record);
}
