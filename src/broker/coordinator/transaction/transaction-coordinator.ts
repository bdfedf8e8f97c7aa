import { ErrorCode } from '../../../protocol/error-codes.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { GROUP_METADATA_TOPIC } from '../group/group-metadata-manager.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { LocalTransactionMarkerChannel, type TransactionMarkerChannel, type TxnMarkerRequest } from './transaction-marker-channel.js';
import {
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  stateName,
  TRANSACTION_STATE_NAMES,
  TransactionMetadata,
  TransactionState,
  unionPartitions,
  tpKey,
  type TopicPartition,
  type TransactionFields,
} from './transaction-metadata.js';
import { TransactionStateManager } from './transaction-state-manager.js';

export interface InitProducerIdParams {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+ (KIP-360): the producer's current id and epoch, -1 when it has none. */
  producerId: number;
  producerEpoch: number;
}

export interface ProducerIdAndEpoch {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

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

const SHORT_MAX = 32767;
const failed = (errorCode: number): ProducerIdAndEpoch => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

/** Marker results that end the delivery to a partition; anything else is retried. */
const FINAL_MARKER_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NONE,
  // The topic was deleted: nothing left to mark.
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  // A newer producer epoch or coordinator has been there: this marker is obsolete.
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
]);

/**
 * The transaction coordinator (Kafka's TransactionCoordinator), for the transactional ids
 * whose `__transaction_state` partition this broker leads:
 *
 * - InitProducerId: producer ids (from blocks persisted in the cluster metadata) for
 *   idempotent producers; for transactional ids an epoch bump that fences older producers
 *   of the id, aborting their open transaction first (the caller retries after
 *   CONCURRENT_TRANSACTIONS), KIP-360 recovery with the producer's id and epoch, and a new
 *   producer id once the epoch is exhausted.
 * - AddPartitionsToTxn / AddOffsetsToTxn start a transaction and add partitions to it.
 * - EndTxn writes PrepareCommit/PrepareAbort, answers, has the markers written to every
 *   partition of the transaction, then writes CompleteCommit/CompleteAbort. Until then the
 *   id answers CONCURRENT_TRANSACTIONS. EndTxn v5 (KIP-890) also bumps the epoch.
 * - Transactions open longer than their timeout are aborted (with an epoch bump that fences
 *   the producer); ids idle for transactional.id.expiration.ms are removed.
 * - On startup everything is reloaded, and transactions caught between prepare and complete
 *   get their markers written.
 *
 * Every state change is written to `__transaction_state` before it is applied in memory.
 */
export class TransactionCoordinator {
  readonly stateManager: TransactionStateManager;
  readonly producerIds: ProducerIdManager;
  /** How markers reach partition leaders: in place on one broker; replication sends WriteTxnMarkers instead. */
  markerChannel: TransactionMarkerChannel;
  private active = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly broker: KafkaBroker) {
    this.stateManager = new TransactionStateManager(broker);
    this.producerIds = new ProducerIdManager((size) => broker.metadata.allocateProducerIdBlock(size));
    this.markerChannel = new LocalTransactionMarkerChannel(broker);
  }

  /** Reloads `__transaction_state`, completes in-doubt transactions and starts the periodic checks. */
  startup(): void {
    const loaded = this.stateManager.load();
    this.active = true;
    for (const txn of loaded) {
      if (txn.state === TransactionState.PrepareCommit || txn.state === TransactionState.PrepareAbort) {
        this.broker.logger.info(`completing transaction ${txn.transactionalId} found in ${txn.stateName} on startup`);
        this.sendMarkers(txn);
      }
    }
    this.every(this.broker.config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'), () => this.abortTimedOutTransactions());
    this.every(this.broker.config.int('transactions.remove.expired.transaction.cleanup.interval.ms'), () => this.removeExpiredTransactionalIds());
  }

  shutdown(): void {
    this.active = false;
    for (const timer of this.timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    this.timers.clear();
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(() => {
      try {
        task();
      } catch (error) {
        this.broker.logger.error(`transaction coordinator task failed: ${(error as Error)?.stack ?? error}`);
      }
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private after(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.active) task();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Null when this broker coordinates the id now; else the error to answer. */
  private coordinatorError(transactionalId: string): number | null {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.stateManager.ensureTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.stateManager.isCoordinatorFor(transactionalId)) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  /** FindCoordinator key type 1: this broker when it leads the id's partition (the topic is created on first use). */
  findCoordinator(transactionalId: string): number {
    return this.coordinatorError(transactionalId) ?? ErrorCode.NONE;
  }

  /** Writes the transition and applies it once written; returns the error code. */
  private transition(txn: TransactionMetadata, fields: TransactionFields): number {
    const error = this.stateManager.append(txn.transactionalId, fields);
    if (error === ErrorCode.NONE) txn.apply(fields);
    return error;
  }

  // InitProducerId.

  initProducerId(p: InitProducerIdParams): ProducerIdAndEpoch {
    // Idempotent producers just get a fresh id (any broker answers: kafkajs asks the controller).
    if (p.transactionalId === null) return { errorCode: ErrorCode.NONE, producerId: this.producerIds.generateProducerId(), producerEpoch: 0 };
    const id = p.transactionalId;
    if (id === '') return failed(ErrorCode.INVALID_REQUEST);
    if (p.transactionTimeoutMs <= 0 || p.transactionTimeoutMs > this.broker.config.int('transaction.max.timeout.ms')) return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    if ((p.producerId === NO_PRODUCER_ID) !== (p.producerEpoch === NO_PRODUCER_EPOCH)) return failed(ErrorCode.INVALID_REQUEST);
    const status = this.coordinatorError(id);
    if (status !== null) return failed(status);
    const now = this.broker.now();
    const txn = this.stateManager.get(id) ?? this.stateManager.put(new TransactionMetadata(id, {
      producerId: this.producerIds.generateProducerId(),
      lastProducerId: NO_PRODUCER_ID,
      nextProducerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      txnTimeoutMs: p.transactionTimeoutMs,
      state: TransactionState.Empty,
      partitions: [],
      txnStartTimestamp: -1,
      txnLastUpdateTimestamp: now,
      clientTransactionVersion: 0,
    }));
    const expected = p.producerId === NO_PRODUCER_ID ? null : { producerId: p.producerId, epoch: p.producerEpoch };
    // KIP-360: a producer that names its id may get a bumped epoch only for its own id (or
    // for the previous one when that ran out of epochs); otherwise it has been replaced.
    if (expected !== null) {
      const valid = txn.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === txn.producerId || (expected.producerId === txn.lastProducerId && isEpochExhausted(expected.epoch));
      if (!valid) return failed(ErrorCode.PRODUCER_FENCED);
    }
    switch (txn.state) {
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort:
        return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TransactionState.Ongoing: {
        // Fence the current producer: abort its transaction with a bumped epoch. The new
        // producer retries and then gets an epoch above that one.
        const error = this.fenceAndAbort(txn);
        return failed(error === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : error);
      }
      case TransactionState.Empty:
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort: {
        const reset = { state: TransactionState.Empty, txnTimeoutMs: p.transactionTimeoutMs, partitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: now };
        let fields: TransactionFields;
        if (isEpochExhausted(txn.producerEpoch) && (expected === null || expected.epoch === txn.producerEpoch)) {
          fields = txn.with({
            ...reset,
            producerId: this.producerIds.generateProducerId(),
            lastProducerId: txn.producerId,
            producerEpoch: 0,
            lastProducerEpoch: expected !== null ? txn.producerEpoch : NO_PRODUCER_EPOCH,
          });
        } else {
          let epochs: [number, number];
          if (expected === null) epochs = [txn.producerEpoch + 1, NO_PRODUCER_EPOCH];
          else if (txn.producerEpoch === NO_PRODUCER_EPOCH || expected.epoch === txn.producerEpoch) epochs = [txn.producerEpoch + 1, txn.producerEpoch];
          // A retry of a bump whose response was lost: the same epoch again.
          else if (expected.epoch === txn.lastProducerEpoch) epochs = [txn.producerEpoch, txn.lastProducerEpoch];
          else return failed(ErrorCode.PRODUCER_FENCED);
          fields = txn.with({ ...reset, producerEpoch: epochs[0], lastProducerEpoch: epochs[1] });
        }
        const error = this.transition(txn, fields);
        if (error !== ErrorCode.NONE) return failed(error);
        return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
      }
      default:
        this.broker.logger.error(`transactional id ${id} is in the illegal state ${txn.stateName}`);
        return failed(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  }

  /** Aborts the id's open transaction with the next epoch, so its producer is fenced. */
  private fenceAndAbort(txn: TransactionMetadata): number {
    const epoch = txn.producerEpoch >= SHORT_MAX ? txn.producerEpoch : txn.producerEpoch + 1;
    return this.prepareEnd(txn, false, { producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH });
  }

  // AddPartitionsToTxn, AddOffsetsToTxn.

  /** The checks AddPartitionsToTxn, AddOffsetsToTxn and their verification share; null when the producer owns the id. */
  private checkProducer(txn: TransactionMetadata | undefined, producerId: number, producerEpoch: number): number | null {
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return null;
  }

  addPartitionsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const status = this.coordinatorError(transactionalId);
    if (status !== null) return status;
    const txn = this.stateManager.get(transactionalId);
    const producerError = this.checkProducer(txn, producerId, producerEpoch);
    if (producerError !== null) return producerError;
    switch (txn!.state) {
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort:
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      case TransactionState.Ongoing:
        if (txn!.hasPartitions(partitions)) return ErrorCode.NONE;
        break;
      case TransactionState.Empty:
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort:
        break;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
    const now = this.broker.now();
    return this.transition(txn!, txn!.with({
      state: TransactionState.Ongoing,
      partitions: unionPartitions(txn!.partitions, partitions),
      txnStartTimestamp: txn!.isCompleted ? now : txn!.txnStartTimestamp,
      txnLastUpdateTimestamp: now,
    }));
  }

  /** AddPartitionsToTxn v4+ with verify_only: whether each partition is in the producer's open transaction. */
  verifyPartitionsInTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Map<string, number> {
    const all = (code: number) => new Map(partitions.map((tp) => [tpKey(tp), code]));
    const status = this.coordinatorError(transactionalId);
    if (status !== null) return all(status);
    const txn = this.stateManager.get(transactionalId);
    const producerError = this.checkProducer(txn, producerId, producerEpoch);
    if (producerError !== null) return all(producerError);
    return new Map(partitions.map((tp) => [tpKey(tp), txn!.state === TransactionState.Ongoing && txn!.hasPartition(tp.topic, tp.partition) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE]));
  }

  /** AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction. */
  addOffsetsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): number {
    const groups = this.broker.groupCoordinator.groupManager;
    if (!groups.ensureOffsetsTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.addPartitionsToTransaction(transactionalId, producerId, producerEpoch, [{ topic: GROUP_METADATA_TOPIC, partition: groups.partitionFor(groupId) }]);
  }

  /**
   * Whether a transactional write (Produce, TxnOffsetCommit) to the partition belongs to the
   * producer's open transaction (KIP-890 part 1, done locally: the coordinator is on this
   * broker). A late write of an ended transaction is refused instead of opening a
   * transaction that nobody will ever end.
   */
  verifyTransactionalWrite(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): number {
    if (!this.broker.config.boolean('transaction.partition.verification.enable')) return ErrorCode.NONE;
    const txn = this.stateManager.get(transactionalId);
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch < txn.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (producerEpoch !== txn.producerEpoch || txn.state !== TransactionState.Ongoing || !txn.hasPartition(topic, partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  // EndTxn.

  /**
   * EndTxn: moves an open transaction to PrepareCommit/PrepareAbort and answers once that is
   * written; the markers follow. A retry of a finished commit/abort succeeds again. v5
   * (KIP-890 part 2) bumps the epoch with every transaction and returns the new one.
   */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, apiVersion: number): ProducerIdAndEpoch {
    if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    const status = this.coordinatorError(transactionalId);
    if (status !== null) return failed(status);
    const txn = this.stateManager.get(transactionalId);
    if (!txn) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const bumpEpoch = apiVersion >= 5;
    // v5 retries whose first attempt bumped the epoch (or rotated the producer id).
    const retryOnEpochBump = bumpEpoch && producerId === txn.producerId && producerEpoch >= 0 && producerEpoch === txn.lastProducerEpoch;
    const retryOnOverflow = bumpEpoch && txn.lastProducerId >= 0 && producerId === txn.lastProducerId && txn.producerId !== producerId;
    const isRetry = retryOnEpochBump || retryOnOverflow;
    if (producerId !== txn.producerId && !retryOnOverflow) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (!isRetry && producerEpoch !== txn.producerEpoch) return failed(ErrorCode.PRODUCER_FENCED);
    const current = (): ProducerIdAndEpoch => ({ errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch });
    switch (txn.state) {
      case TransactionState.Ongoing: {
        if (isRetry) return failed(ErrorCode.PRODUCER_FENCED);
        const changes: Partial<TransactionFields> = { clientTransactionVersion: bumpEpoch ? 2 : 0 };
        if (bumpEpoch) {
          changes.producerEpoch = txn.producerEpoch + 1;
          changes.lastProducerEpoch = txn.producerEpoch;
          // The next epoch would be the last: the producer continues with a new id once this completes.
          if (isEpochExhausted(txn.producerEpoch + 1)) changes.nextProducerId = this.producerIds.generateProducerId();
        }
        const error = this.prepareEnd(txn, commit, changes);
        if (error !== ErrorCode.NONE) return failed(error);
        if (txn.nextProducerId >= 0) return { errorCode: ErrorCode.NONE, producerId: txn.nextProducerId, producerEpoch: 0 };
        return current();
      }
      case TransactionState.CompleteCommit:
        return commit ? current() : failed(ErrorCode.INVALID_TXN_STATE);
      case TransactionState.CompleteAbort:
        return commit ? failed(ErrorCode.INVALID_TXN_STATE) : current();
      case TransactionState.PrepareCommit:
        return failed(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case TransactionState.PrepareAbort:
        return failed(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
      default:
        return failed(ErrorCode.INVALID_TXN_STATE);
    }
  }

  /** Writes PrepareCommit/PrepareAbort and starts writing the markers. */
  private prepareEnd(txn: TransactionMetadata, commit: boolean, changes: Partial<TransactionFields>): number {
    const error = this.transition(txn, txn.with({
      ...changes,
      state: commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort,
      txnLastUpdateTimestamp: this.broker.now(),
    }));
    if (error === ErrorCode.NONE) this.sendMarkers(txn);
    return error;
  }

  /** Delivers the markers of a prepared transaction, retrying partitions whose leader failed, then completes it. */
  private sendMarkers(txn: TransactionMetadata): void {
    const prepared = { state: txn.state, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    const request: TxnMarkerRequest = {
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      coordinatorEpoch: this.stateManager.coordinatorEpoch(txn.transactionalId),
      commit: txn.state === TransactionState.PrepareCommit,
      partitions: txn.partitions,
    };
    const stillPrepared = () => this.active && this.stateManager.get(txn.transactionalId) === txn && txn.state === prepared.state && txn.producerId === prepared.producerId && txn.producerEpoch === prepared.producerEpoch;
    const deliver = (partitions: readonly TopicPartition[], attempt: number) => {
      const retry = (left: readonly TopicPartition[]) => this.after(Math.min(100 * 2 ** attempt, 2000), () => stillPrepared() && deliver(left, attempt + 1));
      this.markerChannel.send({ ...request, partitions }).then(
        (results) => {
          if (!stillPrepared()) return;
          const left: TopicPartition[] = [];
          for (const r of results) {
            if (FINAL_MARKER_ERRORS.has(r.errorCode)) {
              if (r.errorCode !== ErrorCode.NONE) this.broker.logger.warn(`marker of ${txn.transactionalId} for ${r.partition.topic}-${r.partition.partition} not written: error ${r.errorCode}`);
            } else {
              left.push(r.partition);
            }
          }
          if (left.length > 0) retry(left);
          else this.completeTransaction(txn, request.commit);
        },
        (error: unknown) => {
          this.broker.logger.warn(`writing the markers of ${txn.transactionalId} failed: ${(error as Error)?.stack ?? error}`);
          if (stillPrepared()) retry(partitions);
        },
      );
    };
    deliver(request.partitions, 0);
  }

  /** Every marker is written: CompleteCommit/CompleteAbort (retried until the log takes it). */
  private completeTransaction(txn: TransactionMetadata, commit: boolean): void {
    const rotate = txn.nextProducerId >= 0
      ? { producerId: txn.nextProducerId, lastProducerId: txn.producerId, nextProducerId: NO_PRODUCER_ID, producerEpoch: 0, lastProducerEpoch: NO_PRODUCER_EPOCH }
      : {};
    const error = this.transition(txn, txn.with({
      ...rotate,
      state: commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
      partitions: [],
      txnLastUpdateTimestamp: this.broker.now(),
    }));
    if (error !== ErrorCode.NONE) {
      this.broker.logger.warn(`cannot complete transaction ${txn.transactionalId}: error ${error}; retrying`);
      this.after(1000, () => this.completeTransaction(txn, commit));
    }
  }

  // Timeouts and expiration.

  /** Aborts transactions open longer than their timeout, fencing their producer (Kafka's abortTimedOutTransactions). */
  abortTimedOutTransactions(now: number = this.broker.now()): number {
    let aborted = 0;
    for (const txn of this.stateManager.all) {
      if (txn.state !== TransactionState.Ongoing || txn.txnStartTimestamp + txn.txnTimeoutMs >= now) continue;
      if (this.coordinatorError(txn.transactionalId) !== null) continue;
      this.broker.logger.info(`aborting transaction ${txn.transactionalId} (producer ${txn.producerId}, epoch ${txn.producerEpoch}): open longer than its timeout of ${txn.txnTimeoutMs} ms`);
      if (this.fenceAndAbort(txn) === ErrorCode.NONE) aborted++;
    }
    return aborted;
  }

  /** Removes transactional ids unused for transactional.id.expiration.ms (a tombstone each). */
  removeExpiredTransactionalIds(now: number = this.broker.now()): number {
    const expirationMs = this.broker.config.int('transactional.id.expiration.ms');
    let removed = 0;
    for (const txn of this.stateManager.all) {
      if (!txn.isCompleted || txn.txnLastUpdateTimestamp + expirationMs > now) continue;
      if (this.coordinatorError(txn.transactionalId) !== null) continue;
      if (this.stateManager.append(txn.transactionalId, null) === ErrorCode.NONE) {
        this.stateManager.remove(txn.transactionalId);
        removed++;
      }
    }
    return removed;
  }

  // DescribeTransactions, ListTransactions.

  describeTransactions(transactionalIds: readonly string[]): TransactionDescription[] {
    return transactionalIds.map((id) => {
      const none = { transactionalId: id, state: '', timeoutMs: 0, startTimeMs: -1, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, topics: [] };
      const status = this.coordinatorError(id);
      if (status !== null) return { ...none, errorCode: status };
      const txn = this.stateManager.get(id);
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

  /** ListTransactions: the ids this broker coordinates, filtered by state, producer id and (v1) running time. */
  listTransactions(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs: number): TransactionListing {
    const known = new Set<string>(TRANSACTION_STATE_NAMES);
    const unknownStateFilters = stateFilters.filter((s) => !known.has(s));
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters, transactions: [] };
    const states = new Set(stateFilters.filter((s) => known.has(s)));
    const producerIds = new Set(producerIdFilters);
    const now = this.broker.now();
    const transactions = this.stateManager.all
      .filter((txn) => this.stateManager.isCoordinatorFor(txn.transactionalId))
      .filter((txn) => stateFilters.length === 0 || states.has(txn.stateName))
      .filter((txn) => producerIds.size === 0 || producerIds.has(txn.producerId))
      .filter((txn) => durationFilterMs < 0 || now - txn.txnStartTimestamp > durationFilterMs)
      .map((txn) => ({ transactionalId: txn.transactionalId, producerId: txn.producerId, state: stateName(txn.state) }))
      .sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions };
  }
}
