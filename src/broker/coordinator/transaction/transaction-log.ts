import { ProtocolDecodeError } from '../../../protocol/errors.js';
import type { TransactionLogValue as TransactionLogValueData } from '../../../protocol/generated/messages.js';
import { TransactionLogKey, TransactionLogValue } from '../../../protocol/generated/specs.js';
import { decodeMessage } from '../../../protocol/schema/compile.js';
import { TransactionMetadata, TransactionState, type TransactionFields } from './transaction-metadata.js';
import { versionedRecord } from '../internal-record.js';

// The records of __transaction_state, byte for byte as Kafka writes them: an int16 schema
// version, then the struct. The key is always version 0. The value is version 0, or the
// flexible version 1 once the producer uses KIP-890's per-transaction epoch bump (its tagged
// fields carry the previous and next producer ids), as Kafka does with transaction.version 2.

const KEY_VERSION = 0;
const VALUE_VERSION = 0;
const VALUE_VERSION_TV2 = 1;

export function transactionLogKey(transactionalId: string): Buffer {
  return versionedRecord(TransactionLogKey, KEY_VERSION, { transactionalId });
}

/** The value for `fields`; an Empty transaction has no partition list (null), as in Kafka. */
export function transactionLogValue(fields: TransactionFields): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of fields.partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const value: TransactionLogValueData = {
    producerId: BigInt(fields.producerId),
    previousProducerId: BigInt(fields.lastProducerId),
    nextProducerId: BigInt(fields.nextProducerId),
    producerEpoch: fields.producerEpoch,
    transactionTimeoutMs: fields.txnTimeoutMs,
    transactionStatus: fields.state,
    transactionPartitions: fields.state === TransactionState.Empty ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: BigInt(fields.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(fields.txnStartTimestamp),
    clientTransactionVersion: fields.clientTransactionVersion,
  };
  return versionedRecord(TransactionLogValue, fields.clientTransactionVersion >= 2 ? VALUE_VERSION_TV2 : VALUE_VERSION, value);
}

function splitVersion(bytes: Buffer, what: string): { version: number; body: Buffer } {
  if (bytes.length < 2) throw new ProtocolDecodeError(`${what} of ${bytes.length} bytes has no version`, 0);
  return { version: bytes.readInt16BE(0), body: bytes.subarray(2) };
}

/** One record of __transaction_state: the transactional id and its metadata (null for a tombstone). */
export function readTransactionLogRecord(key: Buffer, value: Buffer | null): { transactionalId: string; metadata: TransactionMetadata | null } {
  const k = splitVersion(key, 'key');
  if (k.version !== KEY_VERSION) throw new ProtocolDecodeError(`unknown transaction log key version ${k.version}`, 0);
  const { transactionalId } = decodeMessage<{ transactionalId: string }>(TransactionLogKey, KEY_VERSION, k.body);
  if (value === null) return { transactionalId, metadata: null };
  const v = splitVersion(value, 'transaction log value');
  if (v.version < 0) throw new ProtocolDecodeError(`invalid transaction log value version ${v.version}`, 0);
  const data = decodeMessage<TransactionLogValueData>(TransactionLogValue, Math.min(v.version, VALUE_VERSION_TV2), v.body, true);
  const metadata = new TransactionMetadata(transactionalId, {
    producerId: Number(data.producerId),
    lastProducerId: Number(data.previousProducerId),
    nextProducerId: Number(data.nextProducerId),
    producerEpoch: data.producerEpoch,
    lastProducerEpoch: -1,
    txnTimeoutMs: data.transactionTimeoutMs,
    state: data.transactionStatus as TransactionFields['state'],
    partitions: (data.transactionPartitions ?? []).flatMap((t) => t.partitionIds.map((partition) => ({ topic: t.topic, partition }))),
    txnStartTimestamp: Number(data.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(data.transactionLastUpdateTimestampMs),
    clientTransactionVersion: data.clientTransactionVersion,
  });
  return { transactionalId, metadata };
}
