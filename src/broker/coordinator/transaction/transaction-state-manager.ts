import { ErrorCode, KafkaProtocolError } from '../../../protocol/error-codes.js';
import { absoluteRecords, decodeRecordBatchesSync, encodeRecordBatchSync } from '../../../protocol/records/index.js';
import type { Partition } from '../../cluster/partition.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { partitionForKey } from '../group/java-string-hash.js';
import { appendWithIsrAck } from '../replicated-append.js';
import { readTransactionLogRecord, transactionLogKey, transactionLogValue } from './transaction-log.js';
import type { TransactionFields, TransactionMetadata } from './transaction-metadata.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
/** Kafka's transaction.state.log.load.buffer.size default. */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

/** The transactional ids of one `__transaction_state` partition this broker leads, loaded from its log. */
interface LoadedPartition {
  /** The partition's leader epoch when it was loaded: the coordinator epoch stamped into markers. */
  readonly coordinatorEpoch: number;
  readonly transactions: Map<string, TransactionMetadata>;
}

/**
 * Keeps the transactional ids of the `__transaction_state` partitions this broker leads and
 * writes their changes there (Kafka's TransactionStateManager): creates the compacted topic on
 * first use, places each id on a partition by the Java hash of the id, loads a partition's ids
 * from its log when this broker becomes its leader and drops them when it stops leading it,
 * and appends each state change in Kafka's record format (tombstones for expired ids) with
 * acks=-1, so a change counts only once the ISR has it.
 */
export class TransactionStateManager {
  private readonly loaded = new Map<number, LoadedPartition>();
  /** Partitions being loaded, with the leader epoch they are loaded for. */
  private readonly loading = new Map<number, number>();

  constructor(private readonly broker: KafkaBroker) {}

  /** Every loaded transactional id. */
  get all(): TransactionMetadata[] {
    return [...this.loaded.values()].flatMap((p) => [...p.transactions.values()]);
  }
  /** How many transactional ids are loaded. */
  get size(): number {
    let count = 0;
    for (const p of this.loaded.values()) count += p.transactions.size;
    return count;
  }
  get(transactionalId: string): TransactionMetadata | undefined {
    return this.loaded.get(this.partitionFor(transactionalId))?.transactions.get(transactionalId);
  }
  /** Adds `metadata` to its loaded partition unless the id is there already; returns what is there. */
  put(metadata: TransactionMetadata): TransactionMetadata {
    const transactions = this.loaded.get(this.partitionFor(metadata.transactionalId))?.transactions;
    const existing = transactions?.get(metadata.transactionalId);
    if (existing) return existing;
    transactions?.set(metadata.transactionalId, metadata);
    return metadata;
  }
  remove(transactionalId: string): void {
    this.loaded.get(this.partitionFor(transactionalId))?.transactions.delete(transactionalId);
  }

  /** The topic's own partition count once it exists, else the config. */
  partitionCount(): number {
    return this.broker.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? this.broker.config.int('transaction.state.log.num.partitions');
  }

  partitionFor(transactionalId: string): number {
    return partitionForKey(transactionalId, this.partitionCount());
  }

  /**
   * Creates `__transaction_state` the first time a transactional id needs it, with
   * transaction.state.log.replication.factor capped at the live brokers and
   * transaction.state.log.min.isr (capped at that replication factor) as its
   * min.insync.replicas. False when it cannot exist yet: callers answer
   * COORDINATOR_NOT_AVAILABLE, and clients retry.
   */
  ensureTopic(): boolean {
    if (this.broker.metadata.topic(TRANSACTION_STATE_TOPIC)) return true;
    const replicationFactor = Math.min(this.broker.config.int('transaction.state.log.replication.factor'), this.broker.liveBrokers().length);
    try {
      this.broker.controller.createTopic({
        name: TRANSACTION_STATE_TOPIC,
        numPartitions: this.broker.config.int('transaction.state.log.num.partitions'),
        replicationFactor,
        configs: {
          'cleanup.policy': 'compact',
          'compression.type': 'uncompressed',
          'segment.bytes': String(this.broker.config.int('transaction.state.log.segment.bytes')),
          'min.insync.replicas': String(Math.min(this.broker.config.int('transaction.state.log.min.isr'), Math.max(1, replicationFactor))),
          'unclean.leader.election.enable': 'false',
        },
      });
      return true;
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      this.broker.logger.warn(`cannot create ${TRANSACTION_STATE_TOPIC} yet: ${error.message}`);
      return false;
    }
  }

  /** The broker the cluster metadata names as leader of the id's partition (-1: none, or no topic yet). */
  leaderOf(transactionalId: string): number {
    const assignment = this.broker.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions[this.partitionFor(transactionalId)];
    if (!assignment) return -1;
    return this.broker.cluster ? assignment.leaderId : this.broker.nodeId;
  }

  /**
   * Null when this broker coordinates the id now (it leads the id's partition and has loaded
   * it); COORDINATOR_LOAD_IN_PROGRESS while it loads it; NOT_COORDINATOR otherwise.
   */
  status(transactionalId: string): number | null {
    const index = this.partitionFor(transactionalId);
    if (this.loading.has(index)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const loaded = this.loaded.get(index);
    if (!loaded || this.ledPartition(index, loaded.coordinatorEpoch) === undefined) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  /** This broker leads the id's partition and has loaded it. */
  isCoordinatorFor(transactionalId: string): boolean {
    return this.status(transactionalId) === null;
  }

  /** The coordinator epoch of the id's loaded partition (-1 when not loaded here). */
  coordinatorEpoch(transactionalId: string): number {
    return this.loaded.get(this.partitionFor(transactionalId))?.coordinatorEpoch ?? -1;
  }

  /** Whether `txn` is still the loaded metadata of its id, loaded at `coordinatorEpoch`. */
  isCurrent(txn: TransactionMetadata, coordinatorEpoch: number): boolean {
    return this.get(txn.transactionalId) === txn && this.coordinatorEpoch(txn.transactionalId) === coordinatorEpoch && this.status(txn.transactionalId) === null;
  }

  /** The partition when this broker leads it at `leaderEpoch`. */
  private ledPartition(index: number, leaderEpoch: number): Partition | undefined {
    const partition = this.broker.replicaManager.partition(TRANSACTION_STATE_TOPIC, index);
    return partition?.isLeader && partition.leaderEpoch === leaderEpoch ? partition : undefined;
  }

  // Loading and unloading, as the leadership of `__transaction_state` partitions moves.

  /** This broker became leader of partition `index` at `leaderEpoch`: its ids answer COORDINATOR_LOAD_IN_PROGRESS until loaded. */
  startLoading(index: number, leaderEpoch: number): void {
    this.loaded.delete(index);
    this.loading.set(index, leaderEpoch);
  }

  /**
   * Loads partition `index` from its log, if this broker still leads it at the epoch the load
   * started for; returns the loaded ids, or null when the load is obsolete.
   */
  finishLoading(index: number, leaderEpoch: number): TransactionMetadata[] | null {
    if (this.loading.get(index) !== leaderEpoch) return null;
    this.loading.delete(index);
    const partition = this.ledPartition(index, leaderEpoch);
    if (!partition) return null;
    const transactions = new Map<string, TransactionMetadata>();
    for (const [id, metadata] of this.readPartition(partition)) if (metadata !== null) transactions.set(id, metadata);
    this.loaded.set(index, { coordinatorEpoch: leaderEpoch, transactions });
    return [...transactions.values()];
  }

  /** This broker no longer leads partition `index`: its ids are forgotten (their new coordinator loads them). */
  unloadPartition(index: number): void {
    this.loaded.delete(index);
    this.loading.delete(index);
  }

  unloadAll(): void {
    this.loaded.clear();
    this.loading.clear();
  }

  /**
   * Writes the id's next state (null: a tombstone) as the partition's leader with acks=-1, for
   * the coordinator epoch the caller acted under, and calls `done` with an error code the way
   * Kafka maps append failures. Synchronous when the ISR is this broker alone.
   */
  append(transactionalId: string, fields: TransactionFields | null, coordinatorEpoch: number, done: (errorCode: number) => void): void {
    const index = this.partitionFor(transactionalId);
    const partition = this.ledPartition(index, coordinatorEpoch);
    if (!partition) return done(ErrorCode.NOT_COORDINATOR);
    let blob: Buffer;
    try {
      const value = fields === null ? null : transactionLogValue(fields);
      blob = encodeRecordBatchSync({ records: [{ key: transactionLogKey(transactionalId), value, timestamp: this.broker.clock.now() }] });
    } catch (error) {
      this.broker.logger.error(`cannot encode the state of ${transactionalId}: ${(error as Error)?.stack ?? error}`);
      return done(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    appendWithIsrAck(this.broker, partition, blob, (errorCode) => {
      if (errorCode !== ErrorCode.NONE) this.broker.logger.warn(`append to ${TRANSACTION_STATE_TOPIC}-${index} for ${transactionalId} failed: error ${errorCode}`);
      // Written, but the partition moved on meanwhile: the next coordinator has (or lacks) it.
      if (errorCode === ErrorCode.NONE && this.loaded.get(index)?.coordinatorEpoch !== coordinatorEpoch) return done(ErrorCode.NOT_COORDINATOR);
      done(appendErrorToCoordinatorError(errorCode));
    });
  }

  /**
   * The ids in the partition's log: the latest record per id wins, tombstones delete. A new
   * leader's high watermark may lag what its ISR already holds (it learns the previous
   * leader's with the followers' next fetches), so it reads to the log end, as the group
   * coordinator does.
   */
  private readPartition(partition: Partition): Map<string, TransactionMetadata | null> {
    const loaded = new Map<string, TransactionMetadata | null>();
    let offset = partition.logStartOffset;
    const end = partition.logEndOffset;
    while (offset < end) {
      const read = partition.readForFollower(offset, LOAD_BUFFER_BYTES, true);
      const start = offset;
      for (const batch of decodeRecordBatchesSync(read.records)) {
        if (!batch.isControl) {
          for (const record of absoluteRecords(batch)) {
            if (record.offset < BigInt(offset) || record.key === null) continue;
            try {
              const { transactionalId, metadata } = readTransactionLogRecord(record.key, record.value);
              loaded.set(transactionalId, metadata);
            } catch (error) {
              this.broker.logger.warn(`skipping unreadable record at ${partition.topic}-${partition.index}@${record.offset}: ${(error as Error).message}`);
            }
          }
        }
        offset = Math.max(offset, Number(batch.baseOffset) + batch.lastOffsetDelta + 1);
      }
      if (offset === start) break;
    }
    return loaded;
  }
}

/** Kafka's mapping of a failed `__transaction_state` append to what the coordinator answers. */
function appendErrorToCoordinatorError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
