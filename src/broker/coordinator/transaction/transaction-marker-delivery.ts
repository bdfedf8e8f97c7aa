import { ErrorCode, errorName } from '../../../protocol/error-codes.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import type { MarkerResult, TransactionMarkerChannel, TxnMarkerRequest } from './transaction-marker-channel.js';
import type { TopicPartition } from './transaction-metadata.js';

/** Marker results that end the delivery to a partition; anything else is retried. */
const FINAL_MARKER_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NONE,
  // The topic was deleted: nothing left to mark (only when the metadata agrees, see isFinal).
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  // A newer producer epoch or coordinator has been there: this marker is obsolete.
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
  // Nonsense the leader refused (a marker it cannot write will never be written).
  ErrorCode.INVALID_REQUEST,
]);

const MAX_BACKOFF_MS = 2_000;

export interface MarkerDelivery {
  readonly broker: KafkaBroker;
  readonly channel: () => TransactionMarkerChannel;
  readonly request: TxnMarkerRequest;
  readonly transactionalId: string;
  /** False once the transaction moved on (completed, unloaded, reloaded): the delivery stops. */
  readonly stillWanted: () => boolean;
  /** Runs `task` after `ms` unless the coordinator stopped. */
  readonly after: (ms: number, task: () => void) => void;
  /** Every partition has its final answer. */
  readonly onDelivered: () => void;
}

/**
 * Delivers the markers of one prepared transaction (Kafka's TransactionMarkerChannelManager
 * with its retry queue): partitions whose leader answered a retriable error (leadership moved,
 * ISR below min.insync.replicas, connection lost, timed out...) are sent again, with a growing
 * back-off, to whichever broker leads them then, until every partition has a final answer;
 * only then `onDelivered` runs (the coordinator writes CompleteCommit/CompleteAbort).
 */
export function deliverMarkers(delivery: MarkerDelivery): void {
  const { broker, request, transactionalId } = delivery;
  const isFinal = (r: MarkerResult) => {
    if (r.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return FINAL_MARKER_ERRORS.has(r.errorCode);
    return broker.metadata.topic(r.partition.topic)?.partitions[r.partition.partition] === undefined;
  };
  const attempt = (partitions: readonly TopicPartition[], attempts: number) => {
    const retry = (left: readonly TopicPartition[]) => delivery.after(Math.min(100 * 2 ** attempts, MAX_BACKOFF_MS), () => {
      if (delivery.stillWanted()) attempt(left, attempts + 1);
    });
    delivery.channel().send({ ...request, partitions }).then(
      (results) => {
        if (!delivery.stillWanted()) return;
        const left: TopicPartition[] = [];
        for (const r of results) {
          if (!isFinal(r)) {
            left.push(r.partition);
          } else if (r.errorCode !== ErrorCode.NONE) {
            broker.logger.warn(`marker of ${transactionalId} for ${r.partition.topic}-${r.partition.partition} not written: ${errorName(r.errorCode)}`);
          }
        }
        if (left.length > 0) {
          broker.logger.debug(`markers of ${transactionalId} to retry: ${results.filter((r) => !isFinal(r)).map((r) => `${r.partition.topic}-${r.partition.partition} ${errorName(r.errorCode)}`).join(', ')}`);
          retry(left);
        } else {
          delivery.onDelivered();
        }
      },
      (error: unknown) => {
        broker.logger.warn(`writing the markers of ${transactionalId} failed: ${(error as Error)?.stack ?? error}`);
        if (delivery.stillWanted()) retry(partitions);
      },
    );
  };
  attempt(request.partitions, 0);
}
