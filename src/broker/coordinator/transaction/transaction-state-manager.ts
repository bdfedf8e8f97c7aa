import { ErrorCode, KafkaProtocolError } from '../../../protocol/error-codes.js';
import { absoluteRecords, decodeRecordBatchesSync, encodeRecordBatchSync } from '../../../protocol/records/index.js';
import { IsolationLevel, type Partition } from '../../cluster/partition.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { partitionForKey } from '../group/java-string-hash.js';
import { readTransactionLogRecord, transactionLogKey, transactionLogValue } from './transaction-log.js';
import type { TransactionFields, TransactionMetadata } from './transaction-metadata.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
/** Kafka's transaction.state.log.load.buffer.size default. */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

/**
 * Keeps the transactional ids and writes them to `__transaction_state` (Kafka's
 * TransactionStateManager): creates the compacted topic on first use, places each id on a
 * partition by the Java hash of the id, appends each state change in Kafka's record format
 * (tombstones for expired ids), and rebuilds everything from the topic on startup.
 */
export class TransactionStateManager {
  private readonly transactions = new Map<string, TransactionMetadata>();

  constructor(private readonly broker: KafkaBroker) {}

  get all(): TransactionMetadata[] {
    return [...this.transactions.values()];
  }
  get(transactionalId: string): TransactionMetadata | undefined {
    return this.transactions.get(transactionalId);
  }
  put(metadata: TransactionMetadata): TransactionMetadata {
    const existing = this.transactions.get(metadata.transactionalId);
    if (existing) return existing;
    this.transactions.set(metadata.transactionalId, metadata);
    return metadata;
  }
  remove(transactionalId: string): void {
    this.transactions.delete(transactionalId);
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
   * transaction.state.log.replication.factor capped at the live brokers. False when it cannot
   * exist yet: callers answer COORDINATOR_NOT_AVAILABLE, and clients retry.
   */
  ensureTopic(): boolean {
    if (this.broker.metadata.topic(TRANSACTION_STATE_TOPIC)) return true;
    try {
      this.broker.controller.createTopic({
        name: TRANSACTION_STATE_TOPIC,
        numPartitions: this.broker.config.int('transaction.state.log.num.partitions'),
        replicationFactor: Math.min(this.broker.config.int('transaction.state.log.replication.factor'), this.broker.liveBrokers().length),
        configs: {
          'cleanup.policy': 'compact',
          'compression.type': 'uncompressed',
          'segment.bytes': String(this.broker.config.int('transaction.state.log.segment.bytes')),
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

  /** This broker leads the id's partition of `__transaction_state`. */
  isCoordinatorFor(transactionalId: string): boolean {
    return this.leaderPartition(transactionalId) !== undefined;
  }

  /** The coordinator epoch of the id's partition: its leader epoch, stamped into transaction markers. */
  coordinatorEpoch(transactionalId: string): number {
    return this.leaderPartition(transactionalId)?.leaderEpoch ?? -1;
  }

  private leaderPartition(transactionalId: string): Partition | undefined {
    const index = this.partitionFor(transactionalId);
    const assignment = this.broker.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions[index];
    if (assignment?.leaderId !== this.broker.nodeId) return undefined;
    return this.broker.replicaManager.partition(TRANSACTION_STATE_TOPIC, index);
  }

  /** Writes the id's next state (null: a tombstone); returns an error code the way Kafka maps append failures. */
  append(transactionalId: string, fields: TransactionFields | null): number {
    const partition = this.broker.replicaManager.partition(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId));
    if (!partition) return ErrorCode.NOT_COORDINATOR;
    const now = this.broker.now();
    try {
      const value = fields === null ? null : transactionLogValue(fields);
      const blob = encodeRecordBatchSync({ records: [{ key: transactionLogKey(transactionalId), value, timestamp: now }] });
      const logAppendTime = partition.settings.log.messageTimestampType === 'LogAppendTime' ? now : null;
      partition.appendRecordsAsLeader(blob, logAppendTime, 'coordinator');
      return ErrorCode.NONE;
    } catch (error) {
      this.broker.logger.warn(`append to ${TRANSACTION_STATE_TOPIC} for ${transactionalId} failed: ${(error as Error)?.stack ?? error}`);
      if (!(error instanceof KafkaProtocolError)) return ErrorCode.UNKNOWN_SERVER_ERROR;
      switch (error.code) {
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
  }

  /** Rebuilds every transactional id from `__transaction_state`: the latest record per id wins, tombstones delete. */
  load(): TransactionMetadata[] {
    if (!this.broker.metadata.topic(TRANSACTION_STATE_TOPIC)) return [];
    const loaded = new Map<string, TransactionMetadata | null>();
    // Only the partitions led here: their transactional ids are coordinated by this broker.
    for (const partition of this.broker.replicaManager.partitionsOf(TRANSACTION_STATE_TOPIC).filter((p) => p.isLeader)) {
      let offset = partition.logStartOffset;
      while (offset < partition.highWatermark) {
        const read = partition.read(offset, LOAD_BUFFER_BYTES, IsolationLevel.READ_UNCOMMITTED, true);
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
    }
    this.transactions.clear();
    for (const [id, metadata] of loaded) if (metadata !== null) this.transactions.set(id, metadata);
    return this.all;
  }
}
