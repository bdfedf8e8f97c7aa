/**
 * Kafka's transaction states, with the byte each is stored as in `__transaction_state`
 * (TransactionLogValue.TransactionStatus) and the names DescribeTransactions and
 * ListTransactions report.
 */
export const TransactionState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TransactionStateName = keyof typeof TransactionState;
export type TransactionStateId = (typeof TransactionState)[TransactionStateName];

export const TRANSACTION_STATE_NAMES = Object.keys(TransactionState) as TransactionStateName[];

export function stateName(id: number): TransactionStateName {
  const name = TRANSACTION_STATE_NAMES.find((n) => TransactionState[n] === id);
  if (name === undefined) throw new Error(`unknown transaction state ${id}`);
  return name;
}

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/** An epoch this close to Short.MAX_VALUE cannot be bumped twice more (fence + new producer): time for a new producer id. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** Everything one TransactionLogValue holds: the state a transition moves to. */
export interface TransactionFields {
  producerId: number;
  /** The producer id before the last rotation (KIP-360 retries), or -1. */
  lastProducerId: number;
  /** With KIP-890 epoch bumps: the id the producer gets once the current transaction completes, or -1. */
  nextProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump (a retried InitProducerId/EndTxn is recognised by it), or -1. */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionStateId;
  partitions: TopicPartition[];
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  /** 2 once the producer ends transactions with EndTxn v5 (the coordinator bumps the epoch on every commit/abort). */
  clientTransactionVersion: number;
}

/**
 * One transactional id (Kafka's TransactionMetadata). The coordinator changes it only by
 * writing the next fields to `__transaction_state` first and applying them once the ISR has
 * them ({@link apply}), so what is in memory is always what a new coordinator would load.
 */
export class TransactionMetadata implements TransactionFields {
  producerId: number;
  lastProducerId: number;
  nextProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionStateId;
  partitions: TopicPartition[];
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  clientTransactionVersion: number;
  /**
   * The state a transition being written to `__transaction_state` moves to (Kafka's
   * pendingState): until the ISR has it, other requests for the id answer
   * CONCURRENT_TRANSACTIONS. In memory only.
   */
  pendingState: TransactionStateId | null = null;

  constructor(
    readonly transactionalId: string,
    fields: TransactionFields,
  ) {
    this.producerId = fields.producerId;
    this.lastProducerId = fields.lastProducerId;
    this.nextProducerId = fields.nextProducerId;
    this.producerEpoch = fields.producerEpoch;
    this.lastProducerEpoch = fields.lastProducerEpoch;
    this.txnTimeoutMs = fields.txnTimeoutMs;
    this.state = fields.state;
    this.partitions = [...fields.partitions];
    this.txnStartTimestamp = fields.txnStartTimestamp;
    this.txnLastUpdateTimestamp = fields.txnLastUpdateTimestamp;
    this.clientTransactionVersion = fields.clientTransactionVersion;
  }

  get stateName(): TransactionStateName {
    return stateName(this.state);
  }

  /** A copy of the fields with `changes` applied: the transition to write. */
  with(changes: Partial<TransactionFields>): TransactionFields {
    return {
      producerId: this.producerId,
      lastProducerId: this.lastProducerId,
      nextProducerId: this.nextProducerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      state: this.state,
      partitions: this.partitions,
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
      clientTransactionVersion: this.clientTransactionVersion,
      ...changes,
    };
  }

  apply(fields: TransactionFields): void {
    Object.assign(this, { ...fields, partitions: [...fields.partitions] });
  }

  hasPartitions(partitions: readonly TopicPartition[]): boolean {
    const mine = new Set(this.partitions.map(tpKey));
    return partitions.every((tp) => mine.has(tpKey(tp)));
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.partitions.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  /** Partitions grouped by topic, sorted (DescribeTransactions, the log record). */
  partitionsByTopic(): Array<{ topic: string; partitions: number[] }> {
    const byTopic = new Map<string, number[]>();
    for (const tp of this.partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    return [...byTopic.keys()].sort().map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b) }));
  }

  get isCompleted(): boolean {
    return this.state === TransactionState.Empty || this.state === TransactionState.CompleteCommit || this.state === TransactionState.CompleteAbort;
  }
}

/** The partitions of `a` and `b`, each once, in order of first appearance. */
export function unionPartitions(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const seen = new Set<string>();
  const out: TopicPartition[] = [];
  for (const tp of [...a, ...b]) {
    const key = tpKey(tp);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ topic: tp.topic, partition: tp.partition });
  }
  return out;
}
