import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { Partition } from '../cluster/partition.js';
import { partitionKey } from '../delayed-fetch.js';
import type { KafkaBroker } from '../kafka-broker.js';

/** How long a coordinator write waits for the ISR: Kafka's request.timeout.ms default, which its coordinators use. */
export const COORDINATOR_WRITE_TIMEOUT_MS = 30_000;

/**
 * Appends `records` as the partition's leader with acks=-1, the way Kafka's coordinators
 * write their state records and transaction markers (appendRecords with requiredAcks -1):
 * refused up front with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, then
 * answered once the high watermark passed the records (NONE, or
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below the minimum meanwhile),
 * NOT_LEADER_OR_FOLLOWER when the leadership moved, REQUEST_TIMED_OUT after `timeoutMs`.
 * `done` runs synchronously when the ISR already has the records (always on a single broker),
 * so a lone broker applies what it wrote before it answers anything else.
 */
export function appendWithIsrAck(broker: KafkaBroker, partition: Partition, records: Buffer, done: (errorCode: number) => void, timeoutMs = COORDINATOR_WRITE_TIMEOUT_MS): void {
  if (!partition.isLeader) return done(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const minIsr = partition.settings.minInsyncReplicas;
  if (partition.isr.length < minIsr) return done(ErrorCode.NOT_ENOUGH_REPLICAS);
  const leaderEpoch = partition.leaderEpoch;
  let requiredOffset: number;
  try {
    const now = broker.clock.now();
    requiredOffset = partition.appendRecordsAsLeader(records, partition.settings.log.messageTimestampType === 'LogAppendTime' ? now : null, 'coordinator').requiredOffset;
  } catch (error) {
    if (error instanceof KafkaProtocolError) return done(error.code);
    broker.logger.error(`coordinator append to ${partition.topic}-${partition.index} failed: ${(error as Error)?.stack ?? error}`);
    return done(ErrorCode.UNKNOWN_SERVER_ERROR);
  }
  const state = (): number | null => {
    // A new leader epoch, even on this broker again, may have truncated what we appended.
    if (!partition.isLeader || partition.leaderEpoch !== leaderEpoch) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (partition.highWatermark < requiredOffset) return null;
    return partition.isr.length < partition.settings.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
  };
  let answered = false;
  const answer = (errorCode: number) => {
    if (answered) return;
    answered = true;
    done(errorCode);
  };
  broker.replicaManager.producePurgatory.watch(
    {
      tryComplete: () => {
        const errorCode = state();
        if (errorCode === null) return false;
        answer(errorCode);
        return true;
      },
      forceComplete: () => answer(state() ?? ErrorCode.REQUEST_TIMED_OUT),
    },
    [partitionKey(partition.topic, partition.index)],
    timeoutMs,
  );
}
