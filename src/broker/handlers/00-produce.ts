import type { RequestOf } from '../../protocol/codec.js';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { ValidatedBatch } from '../../protocol/records/index.js';
import type { Partition } from '../cluster/partition.js';
import { transactionalWritesOf } from '../coordinator/transaction/transaction-verification.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { partitionKey } from '../delayed-fetch.js';
import { CLOSE_CONNECTION, NO_RESPONSE, apiHandler, type HandlerResult, type RequestContext } from './api-handler.js';
import { RecordValidationError, validateProducedRecords, type RecordError, type ValidatedRecords } from './produce-validation.js';

interface PartitionResult {
  index: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: RecordError[];
}

const failure = (index: number, errorCode: number, errorMessage: string | null = null, recordErrors: RecordError[] = []): PartitionResult => ({
  index, errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors,
});

/**
 * Transactional batches must come with the request's transactional id and belong to the
 * producer's open transaction on this partition (the coordinator checks: KIP-890 part 1).
 */
function checkTransactionalWrite(broker: KafkaBroker, transactionalId: string | null, partition: Partition, batches: readonly ValidatedBatch[]): void {
  for (const { header } of batches) {
    if (!header.isTransactional) continue;
    if (transactionalId === null) throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, 'transactional records need the producer\'s transactional id');
    const error = broker.transactionCoordinator.verifyTransactionalWrite(transactionalId, Number(header.producerId), header.producerEpoch, partition.topic, partition.index);
    if (error !== ErrorCode.NONE) throw new KafkaProtocolError(error, `transactional records of producer ${header.producerId} (epoch ${header.producerEpoch}) are not part of an open transaction of ${transactionalId} on ${partition.topic}-${partition.index}`);
  }
}

/** An acks=-1 append that waits for the ISR: the high watermark must reach `requiredOffset`. */
interface PendingAck {
  partition: Partition;
  requiredOffset: number;
}

/** A partition's records, validated, or being validated (a large gzip batch inflates as a stream). */
interface Validation {
  partition: Partition;
  now: number;
  /** The records to append, or why not; null while `settling`. */
  outcome: ValidatedRecords | PartitionResult | null;
  settling: Promise<void> | null;
}

/** Kafka's error code for what validating or appending threw; anything else is a bug and propagates. */
function failed(broker: KafkaBroker, partition: Partition, error: unknown): PartitionResult {
  if (!(error instanceof KafkaProtocolError)) throw error;
  broker.logger.debug(`produce to ${partition.topic}-${partition.index} failed: ${error.message}`);
  return failure(partition.index, error.code, error.message, error instanceof RecordValidationError ? error.recordErrors : []);
}

function validate(broker: KafkaBroker, partition: Partition, records: Buffer | null): PartitionResult | Validation {
  if (records === null) return failure(partition.index, ErrorCode.CORRUPT_MESSAGE, 'null records');
  if (!partition.isLeader) return failure(partition.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${partition.topic}-${partition.index}`);
  const now = broker.clock.now();
  let validated: ValidatedRecords | Promise<ValidatedRecords>;
  try {
    validated = validateProducedRecords(records, partition.settings, now, `${partition.topic}-${partition.index}`);
  } catch (error) {
    return failed(broker, partition, error);
  }
  if (!(validated instanceof Promise)) return { partition, now, outcome: validated, settling: null };
  const validation: Validation = { partition, now, outcome: null, settling: null };
  validation.settling = validated.then(
    (records) => void (validation.outcome = records),
    (error: unknown) => void (validation.outcome = failed(broker, partition, error)),
  );
  return validation;
}

function isValidation(p: PartitionResult | Validation): p is Validation {
  return 'outcome' in p;
}

/** Appends one partition's validated records (or gives the validation's failure). */
function appendOne(broker: KafkaBroker, topic: string, validation: Validation, acks: number, transactionalId: string | null, pending: Map<PartitionResult, PendingAck>): PartitionResult {
  const { partition, outcome } = validation;
  if (outcome === null) throw new Error(`produce to ${topic}-${partition.index}: appended before its validation settled`);
  if (!('records' in outcome)) return outcome;
  // A streamed validation took a while: the partition may have lost its leadership, or gone, meanwhile.
  if (validation.settling !== null && (!partition.isLeader || broker.replicaManager.partition(topic, partition.index) !== partition)) {
    return failure(partition.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${topic}-${partition.index}`);
  }
  return appendToPartition(broker, validation, outcome, acks, transactionalId, pending);
}

function appendToPartition(broker: KafkaBroker, { partition, now }: Validation, validated: ValidatedRecords, acks: number, transactionalId: string | null, pending: Map<PartitionResult, PendingAck>): PartitionResult {
  const settings = partition.settings;
  try {
    checkTransactionalWrite(broker, transactionalId, partition, validated.batches);
    if (acks === -1) {
      const isr = partition.isr.length;
      if (isr < settings.minInsyncReplicas) {
        throw new KafkaProtocolError(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR ${isr} is insufficient to satisfy the min.isr requirement of ${settings.minInsyncReplicas}`);
      }
    }
    // Producer ids, epochs and sequence numbers are checked by the log; a retried batch gets its original offset.
    const info = partition.appendRecordsAsLeader(validated.records, settings.log.messageTimestampType === 'LogAppendTime' ? now : null, 'client');
    const result: PartitionResult = {
      index: partition.index,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: BigInt(info.baseOffset),
      logAppendTimeMs: BigInt(info.logAppendTime),
      logStartOffset: BigInt(info.logStartOffset),
      recordErrors: [],
    };
    if (acks === -1 && partition.highWatermark < info.requiredOffset) pending.set(result, { partition, requiredOffset: info.requiredOffset });
    return result;
  } catch (error) {
    return failed(broker, partition, error);
  }
}

/**
 * Whether an acks=-1 append is done (Kafka's DelayedProduce): the partition lost its
 * leadership (NOT_LEADER_OR_FOLLOWER), or the high watermark passed the append, in which case
 * an ISR below min.insync.replicas makes it NOT_ENOUGH_REPLICAS_AFTER_APPEND. Null: not yet.
 */
function ackState(ack: PendingAck): { errorCode: number; message: string | null } | null {
  const partition = ack.partition;
  if (!partition.isLeader) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: `Leadership of ${partition.topic}-${partition.index} moved before the ISR had the records` };
  if (partition.highWatermark < ack.requiredOffset) return null;
  const isr = partition.isr.length;
  if (isr < partition.settings.minInsyncReplicas) {
    return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, message: `The size of the current ISR ${isr} is insufficient to satisfy the min.isr requirement of ${partition.settings.minInsyncReplicas}` };
  }
  return { errorCode: ErrorCode.NONE, message: null };
}

function settle(result: PartitionResult, state: { errorCode: number; message: string | null }): void {
  if (state.errorCode === ErrorCode.NONE) return;
  Object.assign(result, failure(result.index, state.errorCode, state.message));
}

/** The Produce request proper, once its transactional writes are verified. */
function produce(broker: KafkaBroker, request: RequestOf<typeof ApiKeys.Produce>, onConnectionClose: RequestContext['onConnectionClose']): HandlerResult<typeof ApiKeys.Produce> | Promise<HandlerResult<typeof ApiKeys.Produce>> {
  const acks = request.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const validations = request.topicData.map((topic) => ({
    name: topic.name,
    partitions: topic.partitionData.map((p): PartitionResult | Validation => {
      if (!validAcks) return failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
      if (INTERNAL_TOPICS.has(topic.name)) return failure(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`);
      const partition = broker.replicaManager.partition(topic.name, p.index);
      if (!partition) {
        // A replica of a topic this broker does not host: the client's metadata is stale.
        const known = broker.metadata.topic(topic.name)?.partitions[p.index] !== undefined;
        return known
          ? failure(p.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${topic.name}-${p.index}`)
          : failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
      }
      return validate(broker, partition, p.records);
    }),
  }));
  const touched = validations.flatMap((t) => t.partitions).filter(isValidation);
  // Appends to a partition keep the order the requests came in, as Kafka's one-request-at-a-time
  // channels do: behind a streamed validation, later requests to its partitions wait for it.
  const waits = touched.flatMap((v) => [v.settling, appendsInFlight.get(v.partition)]).filter((w) => w !== null && w !== undefined);
  if (waits.length === 0) return appendAll(broker, request, validations, onConnectionClose);
  const appended = Promise.all(waits).then(() => appendAll(broker, request, validations, onConnectionClose));
  const done = appended.then(
    () => undefined,
    () => undefined,
  );
  for (const { partition } of touched) appendsInFlight.set(partition, done);
  void done.then(() => {
    for (const { partition } of touched) if (appendsInFlight.get(partition) === done) appendsInFlight.delete(partition);
  });
  return appended;
}

/** Per partition, the append of the last request that had to wait (a streamed validation, or one behind it). */
const appendsInFlight = new WeakMap<Partition, Promise<void>>();

/** Appends the validated records of every partition and builds the response (waiting for acks=-1). */
function appendAll(
  broker: KafkaBroker,
  request: RequestOf<typeof ApiKeys.Produce>,
  validations: Array<{ name: string; partitions: Array<PartitionResult | Validation> }>,
  onConnectionClose: RequestContext['onConnectionClose'],
): HandlerResult<typeof ApiKeys.Produce> | Promise<HandlerResult<typeof ApiKeys.Produce>> {
  const acks = request.acks;
  const pending = new Map<PartitionResult, PendingAck>();
  const responses = validations.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitions.map((p) => (isValidation(p) ? appendOne(broker, topic.name, p, acks, request.transactionalId, pending) : p)),
  }));
  // Kafka closes the connection of an acks=0 produce that failed anywhere: the producer gets no
  // response, so only a closed connection makes it refresh its metadata rather than lose records.
  if (acks === 0) return responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== ErrorCode.NONE)) ? CLOSE_CONNECTION : NO_RESPONSE;
  const response = { responses, throttleTimeMs: 0 };
  if (pending.size === 0) return response;
  return new Promise((resolve) => {
    broker.replicaManager.producePurgatory.watch(
      {
        tryComplete: () => {
          for (const [result, ack] of pending) {
            const state = ackState(ack);
            if (state === null) return false;
            settle(result, state);
            pending.delete(result);
          }
          resolve(response);
          return true;
        },
        forceComplete: () => {
          for (const [result, ack] of pending) settle(result, ackState(ack) ?? { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: 'The ISR did not replicate the records within the request timeout' });
          resolve(response);
        },
      },
      [...pending.values()].map((a) => partitionKey(a.partition.topic, a.partition.index)),
      request.timeoutMs,
      onConnectionClose,
    );
  });
}

/**
 * Produce, acks 0, 1 and -1 (acks=0 gets no response; one that failed closes the connection). With acks=-1 the response waits in the
 * produce purgatory until every ISR member has the records (the high watermark passed them),
 * woken by the followers' fetches, or fails with REQUEST_TIMED_OUT after the request's timeout. Only magic-2 record batches are
 * stored; v0-2 stay advertised because librdkafka 2.0 enables gzip and snappy only when the
 * broker's range includes v2, and their magic 0/1 message sets are answered with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT. Idempotent and transactional batches go through the
 * partition's producer state (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH; a retry
 * of a batch already written gets its original offset and NONE, as modern Kafka answers).
 */
export function produceHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.Produce,
    minVersion: 0,
    maxVersion: 11,
    handle(request, { onConnectionClose }) {
      // KIP-890: a transaction's first write to a partition is verified with its coordinator first.
      const writes = request.transactionalId === null ? [] : transactionalWritesOf(request.topicData);
      return broker.transactionCoordinator.verification.verifyThen(request.transactionalId, writes, 'produce', () => produce(broker, request, onConnectionClose));
    },
  });
}
