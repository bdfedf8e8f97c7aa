import { ErrorCode, KafkaProtocolError } from '../../../protocol/error-codes.js';
import { ControlRecordType, encodeControlBatch } from '../../../protocol/records/index.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { GROUP_METADATA_TOPIC } from '../group/group-metadata-manager.js';
import type { TopicPartition } from './transaction-metadata.js';

/** The markers that end one transaction: what a WriteTxnMarkers request carries for it. */
export interface TxnMarkerRequest {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
  partitions: readonly TopicPartition[];
}

export interface MarkerResult {
  partition: TopicPartition;
  errorCode: number;
}

/**
 * Delivers transaction markers to the leaders of the transaction's partitions (Kafka's
 * TransactionMarkerChannelManager). With one broker every leader is local; replication
 * replaces this with WriteTxnMarkers requests to the other brokers.
 */
export interface TransactionMarkerChannel {
  send(request: TxnMarkerRequest): Promise<MarkerResult[]>;
}

/**
 * What a partition leader does with WriteTxnMarkers: appends the COMMIT or ABORT control
 * batch to each partition it hosts (checked against the producer and coordinator epochs in
 * the partition's producer state) and, for `__consumer_offsets`, lets the group coordinator
 * commit or drop the transaction's pending offsets. Partitions it does not host answer
 * UNKNOWN_TOPIC_OR_PARTITION.
 */
export function writeTxnMarkers(broker: KafkaBroker, request: TxnMarkerRequest): MarkerResult[] {
  const now = broker.now();
  return request.partitions.map((tp) => {
    const partition = broker.replicaManager.partition(tp.topic, tp.partition);
    if (!partition) return { partition: tp, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    try {
      const marker = encodeControlBatch({
        producerId: request.producerId,
        producerEpoch: request.producerEpoch,
        timestamp: now,
        type: request.commit ? ControlRecordType.Commit : ControlRecordType.Abort,
        coordinatorEpoch: request.coordinatorEpoch,
      });
      const logAppendTime = partition.settings.log.messageTimestampType === 'LogAppendTime' ? now : null;
      partition.appendRecordsAsLeader(marker, logAppendTime, 'coordinator');
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      return { partition: tp, errorCode: error.code };
    }
    if (tp.topic === GROUP_METADATA_TOPIC) broker.groupCoordinator.onTransactionCompleted(request.producerId, tp.partition, request.commit);
    return { partition: tp, errorCode: ErrorCode.NONE };
  });
}

/** Markers for partitions of this broker, written in place. */
export class LocalTransactionMarkerChannel implements TransactionMarkerChannel {
  constructor(private readonly broker: KafkaBroker) {}

  /** Appends right away (the returned promise is already settled), so a commit is visible by the time EndTxn is answered. */
  send(request: TxnMarkerRequest): Promise<MarkerResult[]> {
    try {
      return Promise.resolve(writeTxnMarkers(this.broker, request));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
