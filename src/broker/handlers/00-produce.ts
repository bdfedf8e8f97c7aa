import type { RequestOf } from '../../protocol/codec.js';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { ValidatedBatch } from '../../protocol/records/index.js';
import type { Partition } from '../cluster/partition.js';
import { transactionalWritesOf, type VerificationGuard } from '../coordinator/transaction/transaction-verification.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import type { ReplicatedAppend } from '../produce-purgatory.js';
import { CLOSE_CONNECTION, NO_RESPONSE, apiHandler, type HandlerResult, type RequestContext } from './api-handler.js';
import { RecordValidationError, validateProducedRecords, type RecordError, type ValidatedRecords } from './produce-validation.js';

type Deps = Pick<HandlerDeps, 'context' | 'metadata' | 'replicas' | 'transactions' | 'auth'>;

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
 * The producers of the transactional batches, which KIP-890's guard checks at the append.
 * They must come with the request's transactional id.
 */
function transactionalProducers(transactionalId: string | null, batches: readonly ValidatedBatch[]): Array<{ producerId: number; producerEpoch: number }> {
  const producers: Array<{ producerId: number; producerEpoch: number }> = [];
  for (const { header } of batches) {
    if (!header.isTransactional) continue;
    if (transactionalId === null) throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, 'transactional records need the producer\'s transactional id');
    producers.push({ producerId: Number(header.producerId), producerEpoch: header.producerEpoch });
  }
  return producers;
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
function failed(deps: Deps, partition: Partition, error: unknown): PartitionResult {
  if (!(error instanceof KafkaProtocolError)) throw error;
  deps.context.logger.debug(`produce to ${partition.topic}-${partition.index} failed: ${error.message}`);
  return failure(partition.index, error.code, error.message, error instanceof RecordValidationError ? error.recordErrors : []);
}

function validate(deps: Deps, partition: Partition, records: Buffer | null): PartitionResult | Validation {
  if (records === null) return failure(partition.index, ErrorCode.CORRUPT_MESSAGE, 'null records');
  if (!partition.isLeader) return failure(partition.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${partition.topic}-${partition.index}`);
  const now = deps.context.clock.now();
  let validated: ValidatedRecords | Promise<ValidatedRecords>;
  try {
    validated = validateProducedRecords(records, partition.settings, now, `${partition.topic}-${partition.index}`);
  } catch (error) {
    return failed(deps, partition, error);
  }
  if (!(validated instanceof Promise)) return { partition, now, outcome: validated, settling: null };
  const validation: Validation = { partition, now, outcome: null, settling: null };
  validation.settling = validated.then(
    (records) => void (validation.outcome = records),
    (error: unknown) => void (validation.outcome = failed(deps, partition, error)),
  );
  return validation;
}

function isValidation(p: PartitionResult | Validation): p is Validation {
  return 'outcome' in p;
}

/** Appends one partition's validated records (or gives the validation's failure). */
function appendOne(deps: Deps, topic: string, validation: Validation, acks: number, verification: RequestVerification, pending: Map<PartitionResult, ReplicatedAppend>): PartitionResult {
  const { partition, outcome } = validation;
  if (outcome === null) throw new Error(`produce to ${topic}-${partition.index}: appended before its validation settled`);
  if (!('records' in outcome)) return outcome;
  // A streamed validation took a while: the partition may have lost its leadership, or gone, meanwhile.
  if (validation.settling !== null && (!partition.isLeader || deps.replicas.partition(topic, partition.index) !== partition)) {
    return failure(partition.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${topic}-${partition.index}`);
  }
  return appendToPartition(deps, validation, outcome, acks, verification, pending);
}

/** The request's transactional id and the guard its transactional writes were verified with. */
interface RequestVerification {
  transactionalId: string | null;
  guard: VerificationGuard;
}

function appendToPartition(deps: Deps, { partition, now }: Validation, validated: ValidatedRecords, acks: number, verification: RequestVerification, pending: Map<PartitionResult, ReplicatedAppend>): PartitionResult {
  try {
    const producers = transactionalProducers(verification.transactionalId, validated.batches);
    // Producer ids, epochs and sequence numbers are checked by the log; a retried batch gets its original offset.
    const info = deps.replicas.appendAsLeader(partition, validated.records, {
      requiredAcks: acks,
      origin: 'client',
      appendTimeMs: now,
      ...(producers.length > 0 ? { verification: { guard: verification.guard, producers } } : {}),
    });
    const result: PartitionResult = {
      index: partition.index,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: BigInt(info.baseOffset),
      logAppendTimeMs: BigInt(info.logAppendTime),
      logStartOffset: BigInt(info.logStartOffset),
      recordErrors: [],
    };
    if (acks === -1 && partition.highWatermark < info.requiredOffset) pending.set(result, info.replicated);
    return result;
  } catch (error) {
    return failed(deps, partition, error);
  }
}

/** The Produce request proper, once its transactional writes are verified. */
function produce(deps: Deps, request: RequestOf<typeof ApiKeys.Produce>, guard: VerificationGuard, context: RequestContext): HandlerResult<typeof ApiKeys.Produce> | Promise<HandlerResult<typeof ApiKeys.Produce>> {
  const onConnectionClose = context.onConnectionClose;
  const acks = request.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const validations = request.topicData.map((topic) => ({
    name: topic.name,
    partitions: topic.partitionData.map((p): PartitionResult | Validation => {
      if (!validAcks) return failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
      if (!deps.auth.allows(context, AclOperation.WRITE, ResourceType.TOPIC, topic.name)) return failure(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      if (INTERNAL_TOPICS.has(topic.name)) return failure(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`);
      const partition = deps.replicas.partition(topic.name, p.index);
      if (!partition) {
        // A replica of a topic this broker does not host: the client's metadata is stale.
        const known = deps.metadata.topic(topic.name)?.partitions[p.index] !== undefined;
        return known
          ? failure(p.index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${topic.name}-${p.index}`)
          : failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
      }
      return validate(deps, partition, p.records);
    }),
  }));
  const touched = validations.flatMap((t) => t.partitions).filter(isValidation);
  // Appends to a partition keep the order the requests came in, as Kafka's one-request-at-a-time
  // channels do: behind a streamed validation, later requests to its partitions wait for it.
  const waits = touched.flatMap((v) => [v.settling, appendsInFlight.get(v.partition)]).filter((w) => w !== null && w !== undefined);
  if (waits.length === 0) return appendAll(deps, request, { transactionalId: request.transactionalId, guard }, validations, onConnectionClose);
  const appended = Promise.all(waits).then(() => appendAll(deps, request, { transactionalId: request.transactionalId, guard }, validations, onConnectionClose));
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
  deps: Deps,
  request: RequestOf<typeof ApiKeys.Produce>,
  verification: RequestVerification,
  validations: Array<{ name: string; partitions: Array<PartitionResult | Validation> }>,
  onConnectionClose: RequestContext['onConnectionClose'],
): HandlerResult<typeof ApiKeys.Produce> | Promise<HandlerResult<typeof ApiKeys.Produce>> {
  const acks = request.acks;
  const pending = new Map<PartitionResult, ReplicatedAppend>();
  const responses = validations.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitions.map((p) => (isValidation(p) ? appendOne(deps, topic.name, p, acks, verification, pending) : p)),
  }));
  // Kafka closes the connection of an acks=0 produce that failed anywhere: the producer gets no
  // response, so only a closed connection makes it refresh its metadata rather than lose records.
  if (acks === 0) return responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== ErrorCode.NONE)) ? CLOSE_CONNECTION : NO_RESPONSE;
  const response = { responses, throttleTimeMs: 0 };
  if (pending.size === 0) return response;
  const results = [...pending.keys()];
  return new Promise((resolve) => {
    deps.replicas.awaitReplication([...pending.values()], request.timeoutMs, (outcomes) => {
      outcomes.forEach((outcome, i) => {
        if (outcome.errorCode !== ErrorCode.NONE) Object.assign(results[i]!, failure(results[i]!.index, outcome.errorCode, outcome.message));
      });
      resolve(response);
    }, onConnectionClose);
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
export function produceHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.Produce,
    minVersion: 0,
    maxVersion: 11,
    handle(request, context) {
      if (request.transactionalId !== null && !deps.auth.allows(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        if (request.acks === 0) return CLOSE_CONNECTION;
        const responses = request.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => failure(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)) }));
        return { responses, throttleTimeMs: 0 };
      }
      // KIP-890: a transaction's first write to a partition is verified with its coordinator first.
      const writes = request.transactionalId === null ? [] : transactionalWritesOf(request.topicData);
      return deps.transactions.verification.verifyThen(request.transactionalId, writes, 'produce', (guard) => produce(deps, request, guard, context));
    },
  });
}
