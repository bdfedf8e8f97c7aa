import { ErrorCode } from '../protocol/error-codes.js';
import type { Partition } from './cluster/partition.js';
import type { Clock } from './clock.js';
import { FetchPurgatory, partitionKey } from './delayed-fetch.js';

/** An append made as leader that waits for the ISR: the high watermark must reach `requiredOffset` at `leaderEpoch`. */
export interface ReplicatedAppend {
  readonly partition: Partition;
  /** The leader epoch the records were appended at: a new epoch, even on this broker again, may have truncated them. */
  readonly leaderEpoch: number;
  readonly requiredOffset: number;
}

/** How an acks=-1 append ended. */
export interface AckOutcome {
  readonly errorCode: number;
  readonly message: string | null;
}

/** The outcome of an acks=-1 append whose request timed out before the ISR had it. */
export const ACK_TIMED_OUT: AckOutcome = { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: 'The ISR did not replicate the records within the request timeout' };

/**
 * Whether an acks=-1 append is done (Kafka's DelayedProduce check): the leadership moved
 * (NOT_LEADER_OR_FOLLOWER), or the high watermark passed the append, in which case an ISR
 * below min.insync.replicas makes it NOT_ENOUGH_REPLICAS_AFTER_APPEND. Null: not yet.
 */
export function ackOutcome(append: ReplicatedAppend): AckOutcome | null {
  const { partition } = append;
  if (!partition.isLeader || partition.leaderEpoch !== append.leaderEpoch) {
    return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: `Leadership of ${partition.topic}-${partition.index} moved before the ISR had the records` };
  }
  if (partition.highWatermark < append.requiredOffset) return null;
  const isr = partition.isr.length;
  const minIsr = partition.settings.minInsyncReplicas;
  if (isr < minIsr) return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, message: `The size of the current ISR ${isr} is insufficient to satisfy the min.isr requirement of ${minIsr}` };
  return { errorCode: ErrorCode.NONE, message: null };
}

/**
 * acks=-1 appends waiting for the ISR (Kafka's produce purgatory), for client produces and
 * the coordinators' internal writes alike. The replica manager wakes it when a partition's
 * high watermark, leader or ISR changes; a timer ends what the ISR did not reach in time.
 */
export class ProducePurgatory {
  private readonly operations: FetchPurgatory;

  constructor(clock: Clock) {
    this.operations = new FetchPurgatory(clock);
  }

  /**
   * Calls `done` with each append's outcome, in order, once every one is known, or at
   * `timeoutMs` (REQUEST_TIMED_OUT for those still waiting). Synchronously when the ISR
   * already has them all (always on a single broker). An append keeps the first outcome it
   * reached. With `onConnectionClose`, a closed connection drops the wait unanswered.
   */
  waitForIsr(appends: readonly ReplicatedAppend[], timeoutMs: number, done: (outcomes: AckOutcome[]) => void, onConnectionClose?: (callback: () => void) => () => void): void {
    const outcomes: Array<AckOutcome | null> = appends.map(() => null);
    let answered = false;
    const answer = (fill: AckOutcome) => {
      if (answered) return;
      answered = true;
      done(outcomes.map((o, i) => o ?? ackOutcome(appends[i]!) ?? fill));
    };
    const settled = () => {
      appends.forEach((append, i) => {
        outcomes[i] ??= ackOutcome(append);
      });
      return outcomes.every((o) => o !== null);
    };
    this.operations.watch(
      {
        tryComplete: () => {
          if (!settled()) return false;
          answer(ACK_TIMED_OUT);
          return true;
        },
        forceComplete: () => answer(ACK_TIMED_OUT),
      },
      [...new Set(appends.map((a) => partitionKey(a.partition.topic, a.partition.index)))],
      timeoutMs,
      onConnectionClose,
    );
  }

  /** Re-checks the appends waiting on a partition (its high watermark, leader or ISR changed). */
  checkAndComplete(topic: string, partition: number): void {
    this.operations.checkAndComplete(partitionKey(topic, partition));
  }

  /** How many waits are parked. */
  get size(): number {
    return this.operations.size;
  }

  /** Ends every wait now (broker shutdown): what the ISR has not reached is REQUEST_TIMED_OUT. */
  completeAll(): void {
    this.operations.completeAll();
  }
}
