import { ErrorCode } from '../../../protocol/error-codes.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, stateName, TRANSACTION_STATE_NAMES, type TransactionMetadata } from './transaction-metadata.js';

export interface TransactionDescription {
  errorCode: number;
  transactionalId: string;
  state: string;
  timeoutMs: number;
  startTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: Array<{ topic: string; partitions: number[] }>;
}

export interface TransactionListing {
  errorCode: number;
  unknownStateFilters: string[];
  transactions: Array<{ transactionalId: string; producerId: number; state: string }>;
}

/**
 * DescribeTransactions: each id's state as its coordinator knows it; `statusOf` says whether
 * this broker coordinates the id (null) or the error to answer.
 */
export function describeTransactions(
  transactionalIds: readonly string[],
  statusOf: (transactionalId: string) => number | null,
  lookup: (transactionalId: string) => TransactionMetadata | undefined,
): TransactionDescription[] {
  return transactionalIds.map((id) => {
    const none = { transactionalId: id, state: '', timeoutMs: 0, startTimeMs: -1, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, topics: [] };
    const status = statusOf(id);
    if (status !== null) return { ...none, errorCode: status };
    const txn = lookup(id);
    if (!txn) return { ...none, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    return {
      errorCode: ErrorCode.NONE,
      transactionalId: id,
      state: txn.stateName,
      timeoutMs: txn.txnTimeoutMs,
      startTimeMs: txn.txnStartTimestamp,
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      topics: txn.partitionsByTopic(),
    };
  });
}

/** ListTransactions over the ids a coordinator holds, filtered by state, producer id and (v1) running time. */
export function listTransactions(
  coordinated: readonly TransactionMetadata[],
  stateFilters: readonly string[],
  producerIdFilters: readonly number[],
  durationFilterMs: number,
  now: number,
  errorCode: number,
): TransactionListing {
  const known = new Set<string>(TRANSACTION_STATE_NAMES);
  const unknownStateFilters = stateFilters.filter((s) => !known.has(s));
  const states = new Set(stateFilters.filter((s) => known.has(s)));
  const producerIds = new Set(producerIdFilters);
  const transactions = coordinated
    .filter((txn) => stateFilters.length === 0 || states.has(txn.stateName))
    .filter((txn) => producerIds.size === 0 || producerIds.has(txn.producerId))
    .filter((txn) => durationFilterMs < 0 || now - txn.txnStartTimestamp > durationFilterMs)
    .map((txn) => ({ transactionalId: txn.transactionalId, producerId: txn.producerId, state: stateName(txn.state) }))
    .sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
  return { errorCode, unknownStateFilters, transactions };
}
