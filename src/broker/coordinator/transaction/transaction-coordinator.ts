import { ErrorCode } from '../../../protocol/error-codes.js';
import { GROUP_METADATA_TOPIC } from '../group/group-metadata-manager.js';
import type { CoordinatorDeps } from '../runtime/coordinator-context.js';
import type { CoordinatorTopic } from '../runtime/coordinator-topic.js';
import { CoordinatorTimers } from './coordinator-timers.js';
import type { GroupTxnOffsets } from './group-txn-offsets.js';
import type { BrokerRequestChannel } from './inter-broker-connections.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { PartitionLeaderMarkerChannel, TxnMarkerWriter, type MarkerResult, type TransactionMarkerChannel, type TxnMarkerRequest } from './transaction-marker-channel.js';
import { deliverMarkers } from './transaction-marker-delivery.js';
import {
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  TransactionMetadata,
  TransactionState,
  unionPartitions,
  tpKey,
  type TopicPartition,
  type TransactionFields,
} from './transaction-metadata.js';
import { describeTransactions, listTransactions, type TransactionDescription, type TransactionListing } from './transaction-listing.js';
import { TRANSACTION_STATE_TOPIC, TransactionStateManager, transactionStateTopic } from './transaction-state-manager.js';
import { TransactionVerification } from './transaction-verification.js';

export type { TransactionDescription, TransactionListing } from './transaction-listing.js';

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

const SHORT_MAX = 32767;
const failed = (errorCode: number): ProducerIdAndEpoch => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
/** What the transaction coordinator is built with, besides what every coordinator gets. */
export interface TransactionCoordinatorDeps extends CoordinatorDeps {
  /** A block of producer ids from the controller, which persists it first (AllocateProducerIds); returns its first id. */
  allocateProducerIdBlock(size: number): number;
  /** Requests to other brokers: WriteTxnMarkers, AddPartitionsToTxn verify_only. */
  readonly connections: BrokerRequestChannel;
  /** The group coordinator's side of transactional offsets. */
  readonly groupOffsets: GroupTxnOffsets;
}

/** Answers once the change is written (callbacks run synchronously on a single broker). */
type Done = (errorCode: number) => void;

/**
 * The transaction coordinator (Kafka's TransactionCoordinator), for the transactional ids
 * whose `__transaction_state` partition this broker leads:
 *
 * - It moves with that leadership: a broker that becomes leader of a partition loads its ids
 *   from the log (COORDINATOR_LOAD_IN_PROGRESS meanwhile), completes the transactions caught
 *   between prepare and complete, and times out open ones; one that loses it drops them (their
 *   ids answer NOT_COORDINATOR). FindCoordinator names the partition's leader.
 * - InitProducerId: producer ids (from blocks persisted in the cluster metadata) for
 *   idempotent producers; for transactional ids an epoch bump that fences older producers
 *   of the id, aborting their open transaction first (the caller retries after
 *   CONCURRENT_TRANSACTIONS), KIP-360 recovery with the producer's id and epoch, and a new
 *   producer id once the epoch is exhausted.
 * - AddPartitionsToTxn / AddOffsetsToTxn start a transaction and add partitions to it.
 * - EndTxn writes PrepareCommit/PrepareAbort, answers, has the markers written to every
 *   partition's leader (in place or with WriteTxnMarkers), then writes
 *   CompleteCommit/CompleteAbort. Until then the id answers CONCURRENT_TRANSACTIONS. EndTxn v5
 *   (KIP-890) also bumps the epoch.
 * - Transactions open longer than their timeout are aborted (with an epoch bump that fences
 *   the producer); ids idle for transactional.id.expiration.ms are removed.
 *
 * Every state change is written to `__transaction_state` with acks=-1 and applied (and
 * answered) only once the ISR has it; while it is being written the id answers
 * CONCURRENT_TRANSACTIONS.
 */
export class TransactionCoordinator {
  readonly stateManager: TransactionStateManager;
  readonly producerIds: ProducerIdManager;
  readonly verification: TransactionVerification;
  /** How markers reach partition leaders: in place for partitions led here, WriteTxnMarkers for the others. */
  markerChannel: TransactionMarkerChannel;
  /** `__transaction_state`, as the coordinator runtime runs it (placement, creation, loading). */
  readonly stateTopic: CoordinatorTopic;
  /** Writes the markers of partitions led here (WriteTxnMarkers, and markers of this coordinator's own transactions). */
  private readonly markerWriter: TxnMarkerWriter;
  private readonly timers: CoordinatorTimers;

  constructor(private readonly deps: TransactionCoordinatorDeps) {
    const { context } = deps;
    this.stateTopic = deps.runtime.register(transactionStateTopic(context.config), {
      load: (index, leaderEpoch) => this.loadPartition(index, leaderEpoch),
      unload: (index) => this.stateManager.unloadPartition(index),
    });
    this.stateManager = new TransactionStateManager(deps, this.stateTopic);
    this.producerIds = new ProducerIdManager((size) => deps.allocateProducerIdBlock(size));
    this.timers = new CoordinatorTimers(context.logger, context.clock);
    this.markerWriter = new TxnMarkerWriter(deps);
    this.markerChannel = new PartitionLeaderMarkerChannel(context, deps.metadata, this.markerWriter, deps.connections);
    this.verification = new TransactionVerification(deps, this.stateManager, deps.connections);
  }

  private get active(): boolean {
    return this.stateTopic.isActive;
  }

  /** Loads the `__transaction_state` partitions led here and starts the periodic checks. */
  startup(): void {
    this.stateTopic.start();
    this.timers.every(this.deps.context.config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'), () => this.abortTimedOutTransactions());
    this.timers.every(this.deps.context.config.int('transactions.remove.expired.transaction.cleanup.interval.ms'), () => this.removeExpiredTransactionalIds());
  }

  shutdown(): void {
    this.stateTopic.stop();
    this.timers.stop();
    this.deps.connections.close();
    this.stateManager.unloadAll();
  }

  /** WriteTxnMarkers as this broker leads the partitions (see TxnMarkerWriter). */
  writeTxnMarkers(request: TxnMarkerRequest): Promise<MarkerResult[]> {
    return this.markerWriter.write(request);
  }

  /**
   * This broker leads `__transaction_state` partition `index` at `leaderEpoch` (Kafka's
   * onElection, run by the coordinator runtime): its ids are loaded from the log (they answer
   * COORDINATOR_LOAD_IN_PROGRESS until then), and the transactions caught between prepare and
   * complete are completed.
   */
  private loadPartition(index: number, leaderEpoch: number): void {
    const loaded = this.stateManager.loadPartition(index, leaderEpoch);
    if (loaded === null) return;
    this.deps.context.logger.info(`transaction coordinator ${this.deps.context.nodeId}: loaded ${loaded.length} transactional ids of ${TRANSACTION_STATE_TOPIC}-${index} at epoch ${leaderEpoch}`);
    for (const txn of loaded) {
      if (txn.state === TransactionState.PrepareCommit || txn.state === TransactionState.PrepareAbort) {
        this.deps.context.logger.info(`completing transaction ${txn.transactionalId} found in ${txn.stateName}`);
        this.sendMarkers(txn);
      }
    }
  }

  /** Null when this broker coordinates the id now; else the error to answer. */
  private coordinatorError(transactionalId: string): number | null {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.stateTopic.ensureTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.stateManager.status(transactionalId);
  }

  /** FindCoordinator key type 1: the live leader of the id's `__transaction_state` partition (the topic is created on first use). */
  findCoordinator(transactionalId: string): { errorCode: number; nodeId: number } {
    return this.stateTopic.findCoordinator(transactionalId);
  }

  /**
   * Writes the transition and applies it once the ISR has it. Meanwhile the id is pending
   * (other requests answer CONCURRENT_TRANSACTIONS); a coordinator that lost the partition
   * meanwhile answers NOT_COORDINATOR and applies nothing.
   */
  private transition(txn: TransactionMetadata, fields: TransactionFields, done: Done): void {
    if (txn.pendingState !== null) return done(ErrorCode.CONCURRENT_TRANSACTIONS);
    const coordinatorEpoch = this.stateManager.coordinatorEpoch(txn.transactionalId);
    txn.pendingState = fields.state;
    this.stateManager.append(txn.transactionalId, fields, coordinatorEpoch, (error) => {
      txn.pendingState = null;
      if (error !== ErrorCode.NONE) return done(error);
      if (!this.active || !this.stateManager.isCurrent(txn, coordinatorEpoch)) return done(ErrorCode.NOT_COORDINATOR);
      txn.apply(fields);
      done(ErrorCode.NONE);
    });
  }

  // InitProducerId.

  initProducerId(p: InitProducerIdParams): Promise<ProducerIdAndEpoch> {
    return new Promise((resolve) => this.handleInitProducerId(p, resolve));
  }

  private handleInitProducerId(p: InitProducerIdParams, respond: (result: ProducerIdAndEpoch) => void): void {
    // Idempotent producers just get a fresh id (any broker answers: kafkajs asks the controller).
    if (p.transactionalId === null) return respond({ errorCode: ErrorCode.NONE, producerId: this.producerIds.generateProducerId(), producerEpoch: 0 });
    const id = p.transactionalId;
    if (id === '') return respond(failed(ErrorCode.INVALID_REQUEST));
    if (p.transactionTimeoutMs <= 0 || p.transactionTimeoutMs > this.deps.context.config.int('transaction.max.timeout.ms')) return respond(failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT));
    if ((p.producerId === NO_PRODUCER_ID) !== (p.producerEpoch === NO_PRODUCER_EPOCH)) return respond(failed(ErrorCode.INVALID_REQUEST));
    const status = this.coordinatorError(id);
    if (status !== null) return respond(failed(status));
    // streamwright.max.transactional.ids bounds what clients can make the coordinator keep
    // (an id lives for transactional.id.expiration.ms after its last use).
    if (!this.stateManager.get(id) && this.stateManager.size >= this.deps.context.config.int('streamwright.max.transactional.ids')) return respond(failed(ErrorCode.POLICY_VIOLATION));
    const now = this.deps.context.clock.now();
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
    if (txn.pendingState !== null) return respond(failed(ErrorCode.CONCURRENT_TRANSACTIONS));
    const expected = p.producerId === NO_PRODUCER_ID ? null : { producerId: p.producerId, epoch: p.producerEpoch };
    // KIP-360: a producer that names its id may get a bumped epoch only for its own id (or
    // for the previous one when that ran out of epochs); otherwise it has been replaced.
    if (expected !== null) {
      const valid = txn.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === txn.producerId || (expected.producerId === txn.lastProducerId && isEpochExhausted(expected.epoch));
      if (!valid) return respond(failed(ErrorCode.PRODUCER_FENCED));
    }
    switch (txn.state) {
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort:
        return respond(failed(ErrorCode.CONCURRENT_TRANSACTIONS));
      case TransactionState.Ongoing:
        // Fence the current producer: abort its transaction with a bumped epoch. The new
        // producer retries and then gets an epoch above that one.
        return this.fenceAndAbort(txn, (error) => respond(failed(error === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : error)));
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
          else return respond(failed(ErrorCode.PRODUCER_FENCED));
          fields = txn.with({ ...reset, producerEpoch: epochs[0], lastProducerEpoch: epochs[1] });
        }
        return this.transition(txn, fields, (error) => respond(error !== ErrorCode.NONE ? failed(error) : { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch }));
      }
      default:
        this.deps.context.logger.error(`transactional id ${id} is in the illegal state ${txn.stateName}`);
        return respond(failed(ErrorCode.UNKNOWN_SERVER_ERROR));
    }
  }

  /** Aborts the id's open transaction with the next epoch, so its producer is fenced. */
  private fenceAndAbort(txn: TransactionMetadata, done: Done): void {
    const epoch = txn.producerEpoch >= SHORT_MAX ? txn.producerEpoch : txn.producerEpoch + 1;
    this.prepareEnd(txn, false, { producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH }, done);
  }

  // AddPartitionsToTxn, AddOffsetsToTxn.

  /** The checks AddPartitionsToTxn, AddOffsetsToTxn and their verification share; null when the producer owns the id. */
  private checkProducer(txn: TransactionMetadata | undefined, producerId: number, producerEpoch: number): number | null {
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return null;
  }

  addPartitionsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    return new Promise((resolve) => this.handleAddPartitions(transactionalId, producerId, producerEpoch, partitions, resolve));
  }

  private handleAddPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[], done: Done): void {
    if (transactionalId === '') return done(ErrorCode.INVALID_REQUEST);
    const status = this.coordinatorError(transactionalId);
    if (status !== null) return done(status);
    const txn = this.stateManager.get(transactionalId);
    const producerError = this.checkProducer(txn, producerId, producerEpoch);
    if (producerError !== null) return done(producerError);
    if (txn!.pendingState !== null) return done(ErrorCode.CONCURRENT_TRANSACTIONS);
    switch (txn!.state) {
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort:
        return done(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TransactionState.Ongoing:
        if (txn!.hasPartitions(partitions)) return done(ErrorCode.NONE);
        break;
      case TransactionState.Empty:
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort:
        break;
      default:
        return done(ErrorCode.INVALID_TXN_STATE);
    }
    const now = this.deps.context.clock.now();
    this.transition(txn!, txn!.with({
      state: TransactionState.Ongoing,
      partitions: unionPartitions(txn!.partitions, partitions),
      txnStartTimestamp: txn!.isCompleted ? now : txn!.txnStartTimestamp,
      txnLastUpdateTimestamp: now,
    }), done);
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
  addOffsetsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<number> {
    const partition = this.deps.groupOffsets.transactionalOffsetsPartition(groupId);
    if (partition === null) return Promise.resolve(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return this.addPartitionsToTransaction(transactionalId, producerId, producerEpoch, [{ topic: GROUP_METADATA_TOPIC, partition }]);
  }

  // EndTxn.

  /**
   * EndTxn: moves an open transaction to PrepareCommit/PrepareAbort and answers once that is
   * written; the markers follow. A retry of a finished commit/abort succeeds again. v5
   * (KIP-890 part 2) bumps the epoch with every transaction and returns the new one.
   */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, apiVersion: number): Promise<ProducerIdAndEpoch> {
    return new Promise((resolve) => this.handleEndTransaction(transactionalId, producerId, producerEpoch, commit, apiVersion, resolve));
  }

  private handleEndTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, apiVersion: number, respond: (result: ProducerIdAndEpoch) => void): void {
    if (transactionalId === '') return respond(failed(ErrorCode.INVALID_REQUEST));
    const status = this.coordinatorError(transactionalId);
    if (status !== null) return respond(failed(status));
    const txn = this.stateManager.get(transactionalId);
    if (!txn) return respond(failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING));
    const bumpEpoch = apiVersion >= 5;
    // v5 retries whose first attempt bumped the epoch (or rotated the producer id).
    const retryOnEpochBump = bumpEpoch && producerId === txn.producerId && producerEpoch >= 0 && producerEpoch === txn.lastProducerEpoch;
    const retryOnOverflow = bumpEpoch && txn.lastProducerId >= 0 && producerId === txn.lastProducerId && txn.producerId !== producerId;
    const isRetry = retryOnEpochBump || retryOnOverflow;
    if (producerId !== txn.producerId && !retryOnOverflow) return respond(failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING));
    if (!isRetry && producerEpoch !== txn.producerEpoch) return respond(failed(ErrorCode.PRODUCER_FENCED));
    if (txn.pendingState !== null) return respond(failed(ErrorCode.CONCURRENT_TRANSACTIONS));
    const current = (): ProducerIdAndEpoch => ({ errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch });
    switch (txn.state) {
      case TransactionState.Ongoing: {
        if (isRetry) return respond(failed(ErrorCode.PRODUCER_FENCED));
        const changes: Partial<TransactionFields> = { clientTransactionVersion: bumpEpoch ? 2 : 0 };
        if (bumpEpoch) {
          changes.producerEpoch = txn.producerEpoch + 1;
          changes.lastProducerEpoch = txn.producerEpoch;
          // The next epoch would be the last: the producer continues with a new id once this completes.
          if (isEpochExhausted(txn.producerEpoch + 1)) changes.nextProducerId = this.producerIds.generateProducerId();
        }
        return this.prepareEnd(txn, commit, changes, (error) => {
          if (error !== ErrorCode.NONE) return respond(failed(error));
          if (txn.nextProducerId >= 0) return respond({ errorCode: ErrorCode.NONE, producerId: txn.nextProducerId, producerEpoch: 0 });
          respond(current());
        });
      }
      case TransactionState.CompleteCommit:
        return respond(commit ? current() : failed(ErrorCode.INVALID_TXN_STATE));
      case TransactionState.CompleteAbort:
        return respond(commit ? failed(ErrorCode.INVALID_TXN_STATE) : current());
      case TransactionState.PrepareCommit:
        return respond(failed(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE));
      case TransactionState.PrepareAbort:
        return respond(failed(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS));
      default:
        return respond(failed(ErrorCode.INVALID_TXN_STATE));
    }
  }

  /** Writes PrepareCommit/PrepareAbort and, once the ISR has it, starts writing the markers. */
  private prepareEnd(txn: TransactionMetadata, commit: boolean, changes: Partial<TransactionFields>, done: Done): void {
    this.transition(txn, txn.with({
      ...changes,
      state: commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort,
      txnLastUpdateTimestamp: this.deps.context.clock.now(),
    }), (error) => {
      // Markers first: on a single broker they are in the logs by the time the client hears back.
      if (error === ErrorCode.NONE) this.sendMarkers(txn);
      done(error);
    });
  }

  /** Delivers the markers of a prepared transaction to every partition's leader, then completes it. */
  private sendMarkers(txn: TransactionMetadata): void {
    const prepared = { state: txn.state, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    const coordinatorEpoch = this.stateManager.coordinatorEpoch(txn.transactionalId);
    const commit = txn.state === TransactionState.PrepareCommit;
    const stillPrepared = () =>
      this.active && this.stateManager.isCurrent(txn, coordinatorEpoch) && txn.state === prepared.state && txn.producerId === prepared.producerId && txn.producerEpoch === prepared.producerEpoch;
    deliverMarkers({
      metadata: this.deps.metadata,
      logger: this.deps.context.logger,
      channel: () => this.markerChannel,
      request: { producerId: txn.producerId, producerEpoch: txn.producerEpoch, coordinatorEpoch, commit, partitions: txn.partitions },
      transactionalId: txn.transactionalId,
      stillWanted: stillPrepared,
      after: (ms, task) => this.timers.after(ms, task),
      onDelivered: () => this.completeTransaction(txn, commit, stillPrepared),
    });
  }

  /** Every marker is written: CompleteCommit/CompleteAbort (retried until the log takes it). */
  private completeTransaction(txn: TransactionMetadata, commit: boolean, stillPrepared: () => boolean): void {
    const rotate = txn.nextProducerId >= 0
      ? { producerId: txn.nextProducerId, lastProducerId: txn.producerId, nextProducerId: NO_PRODUCER_ID, producerEpoch: 0, lastProducerEpoch: NO_PRODUCER_EPOCH }
      : {};
    this.transition(txn, txn.with({
      ...rotate,
      state: commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
      partitions: [],
      txnLastUpdateTimestamp: this.deps.context.clock.now(),
    }), (error) => {
      if (error === ErrorCode.NONE) return;
      this.deps.context.logger.warn(`cannot complete transaction ${txn.transactionalId}: error ${error}; retrying`);
      this.timers.after(1000, () => {
        if (stillPrepared()) this.completeTransaction(txn, commit, stillPrepared);
      });
    });
  }

  // Timeouts and expiration.

  /**
   * Aborts transactions open longer than their timeout, fencing their producer (Kafka's
   * abortTimedOutTransactions). Returns how many aborts it started that have not failed.
   */
  abortTimedOutTransactions(now: number = this.deps.context.clock.now()): number {
    let aborted = 0;
    for (const txn of this.stateManager.all) {
      if (txn.state !== TransactionState.Ongoing || txn.pendingState !== null || txn.txnStartTimestamp + txn.txnTimeoutMs >= now) continue;
      if (this.coordinatorError(txn.transactionalId) !== null) continue;
      this.deps.context.logger.info(`aborting transaction ${txn.transactionalId} (producer ${txn.producerId}, epoch ${txn.producerEpoch}): open longer than its timeout of ${txn.txnTimeoutMs} ms`);
      aborted++;
      this.fenceAndAbort(txn, (error) => {
        if (error !== ErrorCode.NONE) aborted--;
      });
    }
    return aborted;
  }

  /** Removes transactional ids unused for transactional.id.expiration.ms (a tombstone each); returns how many it started removing. */
  removeExpiredTransactionalIds(now: number = this.deps.context.clock.now()): number {
    const expirationMs = this.deps.context.config.int('transactional.id.expiration.ms');
    let removed = 0;
    for (const txn of this.stateManager.all) {
      if (!txn.isCompleted || txn.pendingState !== null || txn.txnLastUpdateTimestamp + expirationMs > now) continue;
      if (this.coordinatorError(txn.transactionalId) !== null) continue;
      const coordinatorEpoch = this.stateManager.coordinatorEpoch(txn.transactionalId);
      removed++;
      txn.pendingState = TransactionState.Dead;
      this.stateManager.append(txn.transactionalId, null, coordinatorEpoch, (error) => {
        txn.pendingState = null;
        if (error === ErrorCode.NONE && this.stateManager.isCurrent(txn, coordinatorEpoch)) this.stateManager.remove(txn.transactionalId);
        else removed--;
      });
    }
    return removed;
  }

  // DescribeTransactions, ListTransactions.

  describeTransactions(transactionalIds: readonly string[]): TransactionDescription[] {
    return describeTransactions(transactionalIds, (id) => this.coordinatorError(id), (id) => this.stateManager.get(id));
  }

  /** ListTransactions: the ids this broker coordinates, filtered by state, producer id and (v1) running time. */
  listTransactions(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs: number): TransactionListing {
    if (!this.active) return listTransactions([], stateFilters, producerIdFilters, durationFilterMs, this.deps.context.clock.now(), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const coordinated = this.stateManager.all.filter((txn) => this.stateManager.isCoordinatorFor(txn.transactionalId));
    return listTransactions(coordinated, stateFilters, producerIdFilters, durationFilterMs, this.deps.context.clock.now(), ErrorCode.NONE);
  }
}
