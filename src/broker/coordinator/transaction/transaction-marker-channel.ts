import { ErrorCode } from '../../../protocol/error-codes.js';
import { ApiKeys } from '../../../protocol/generated/messages.js';
import { ControlRecordType, encodeControlBatch } from '../../../protocol/records/index.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { GROUP_METADATA_TOPIC } from '../group/group-metadata-manager.js';
import type { InterBrokerConnections } from './inter-broker-connections.js';
import { appendWithIsrAck } from '../replicated-append.js';
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
 * TransactionMarkerChannelManager). Tests swap it to hold markers back.
 */
export interface TransactionMarkerChannel {
  send(request: TxnMarkerRequest): Promise<MarkerResult[]>;
}

/**
 * What a partition leader does with WriteTxnMarkers (Kafka's handleWriteTxnMarkersRequest):
 * appends the COMMIT or ABORT control batch to each partition with acks=-1 (checked against
 * the producer and coordinator epochs in the partition's producer state) and answers once the
 * ISR has it; for `__consumer_offsets` the group coordinator then commits or drops the
 * transaction's pending offsets. A broker that does not lead a partition answers
 * NOT_LEADER_OR_FOLLOWER (UNKNOWN_TOPIC_OR_PARTITION when the partition does not exist).
 * Every append happens before this returns; on a single broker the promise is settled by then.
 */
export function writeTxnMarkers(broker: KafkaBroker, request: TxnMarkerRequest): Promise<MarkerResult[]> {
  return Promise.all(request.partitions.map((tp) => new Promise<MarkerResult>((resolve) => writeMarker(broker, request, tp, (errorCode) => resolve({ partition: tp, errorCode })))));
}

function writeMarker(broker: KafkaBroker, request: TxnMarkerRequest, tp: TopicPartition, done: (errorCode: number) => void): void {
  if (request.producerId < 0 || request.producerEpoch < 0) return done(ErrorCode.INVALID_REQUEST);
  const partition = broker.replicaManager.partition(tp.topic, tp.partition);
  if (!partition) {
    const known = broker.metadata.topic(tp.topic)?.partitions[tp.partition] !== undefined;
    return done(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  let marker: Buffer;
  try {
    marker = encodeControlBatch({
      producerId: BigInt(request.producerId),
      producerEpoch: request.producerEpoch,
      timestamp: broker.clock.now(),
      type: request.commit ? ControlRecordType.Commit : ControlRecordType.Abort,
      coordinatorEpoch: request.coordinatorEpoch,
    });
  } catch (error) {
    broker.logger.warn(`cannot encode the marker of producer ${request.producerId} for ${tp.topic}-${tp.partition}: ${(error as Error).message}`);
    return done(ErrorCode.INVALID_REQUEST);
  }
  appendWithIsrAck(broker, partition, marker, (errorCode) => {
    if (errorCode === ErrorCode.NONE && tp.topic === GROUP_METADATA_TOPIC) broker.groupCoordinator.onTransactionCompleted(request.producerId, tp.partition, request.commit);
    done(errorCode);
  });
}

/**
 * Sends each marker to the partition's current leader as the cluster metadata names it:
 * written in place when that is this broker (always on a single broker), else with
 * WriteTxnMarkers over the Kafka protocol. A partition without a leader answers
 * LEADER_NOT_AVAILABLE, a broker that cannot be reached NETWORK_EXCEPTION; the coordinator
 * retries those, reading the leaders afresh each time.
 */
export class PartitionLeaderMarkerChannel implements TransactionMarkerChannel {
  constructor(
    private readonly broker: KafkaBroker,
    private readonly connections: InterBrokerConnections,
  ) {}

  async send(request: TxnMarkerRequest): Promise<MarkerResult[]> {
    const byLeader = new Map<number, TopicPartition[]>();
    const unroutable: MarkerResult[] = [];
    for (const tp of request.partitions) {
      const assignment = this.broker.metadata.topic(tp.topic)?.partitions[tp.partition];
      if (!assignment) {
        unroutable.push({ partition: tp, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      const leaderId = this.broker.cluster ? assignment.leaderId : this.broker.nodeId;
      if (leaderId < 0) {
        unroutable.push({ partition: tp, errorCode: ErrorCode.LEADER_NOT_AVAILABLE });
        continue;
      }
      byLeader.set(leaderId, [...(byLeader.get(leaderId) ?? []), tp]);
    }
    const sent = [...byLeader].map(([leaderId, partitions]) =>
      leaderId === this.broker.nodeId ? writeTxnMarkers(this.broker, { ...request, partitions }) : this.sendTo(leaderId, { ...request, partitions }),
    );
    return [...unroutable, ...(await Promise.all(sent)).flat()];
  }

  /** WriteTxnMarkers to another broker; a lost or refused connection fails every partition with NETWORK_EXCEPTION. */
  private async sendTo(leaderId: number, request: TxnMarkerRequest): Promise<MarkerResult[]> {
    const topics = new Map<string, number[]>();
    for (const tp of request.partitions) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
    let response;
    try {
      response = await this.connections.request(leaderId, ApiKeys.WriteTxnMarkers, {
        markers: [{
          producerId: BigInt(request.producerId),
          producerEpoch: request.producerEpoch,
          transactionResult: request.commit,
          topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          coordinatorEpoch: request.coordinatorEpoch,
        }],
      });
    } catch (error) {
      this.broker.logger.debug(`WriteTxnMarkers to broker ${leaderId} failed: ${(error as Error).message}`);
      return request.partitions.map((partition) => ({ partition, errorCode: ErrorCode.NETWORK_EXCEPTION }));
    }
    const answered = new Map<string, number>();
    for (const marker of response.markers) {
      for (const topic of marker.topics) for (const p of topic.partitions) answered.set(`${topic.name}-${p.partitionIndex}`, p.errorCode);
    }
    return request.partitions.map((partition) => {
      const errorCode = answered.get(`${partition.topic}-${partition.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      // A partition the leader does not know although the metadata has it: stale routing, retry.
      const stale = errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && this.broker.metadata.topic(partition.topic)?.partitions[partition.partition] !== undefined;
      return { partition, errorCode: stale ? ErrorCode.NOT_LEADER_OR_FOLLOWER : errorCode };
    });
  }
}
