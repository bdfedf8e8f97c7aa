import { ErrorCode, errorName } from '../../../protocol/error-codes.js';
import type { BrokerLogger } from '../../logger.js';
import type { CoordinatorMetadataView } from '../runtime/coordinator-context.js';
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
  readonly metadata: Pick<CoordinatorMetadataView, 'topic'>;
  readonly logger: BrokerLogger;
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
  const { metadata, logger, request, transactionalId } = delivery;
  const isFinal = (r: MarkerResult) => {
    if (r.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return FINAL_MARKER_ERRORS.has(r.errorCode);
    return metadata.topic(r.partition.topic)?.partitions[r.partition.partition] === undefined;
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
            logger.warn(`marker of ${transactionalId} for ${r.partition.topic}-${r.partition.partition} not written: ${errorName(r.errorCode)}`);
          }
        }
        if (left.length > 0) {
          logger.debug(`markers of ${transactionalId} to retry: ${results.filter((r) => !isFinal(r)).map((r) => `${r.partition.topic}-${r.partition.partition} ${errorName(r.errorCode)}`).join(', ')}`);
          retry(left);
        } else {
          delivery.onDelivered();
        }
      },
      (error: unknown) => {
        logger.warn(`writing the markers of ${transactionalId} failed: ${(error as Error)?.stack ?? error}`);
        if (delivery.stillWanted()) retry(partitions);
      },
    );
  };
  attempt(request.partitions, 0);
}
