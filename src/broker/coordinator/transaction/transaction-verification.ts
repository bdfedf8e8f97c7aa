import { ErrorCode } from '../../../protocol/error-codes.js';
import { ApiKeys } from '../../../protocol/generated/messages.js';
import { nextBatch } from '../../../protocol/records/index.js';
import type { CoordinatorContext, CoordinatorMetadataView, CoordinatorPartitions } from '../runtime/coordinator-context.js';
import type { BrokerRequestChannel } from './inter-broker-connections.js';
import { TransactionState } from './transaction-metadata.js';
import type { TransactionStateManager } from './transaction-state-manager.js';

/** The request whose writes are verified: each translates the coordinator's errors for its clients. */
export type VerifiedRequest = 'produce' | 'txnOffsetCommit';

/** One transactional write about to be appended to a partition led here. */
export interface TransactionalWrite {
  producerId: number;
  producerEpoch: number;
  topic: string;
  partition: number;
}

/**
 * KIP-890's verification guard, handed to the append of a request's transactional writes:
 * the verdict on each write (NONE: it belongs to the producer's open transaction and may be
 * appended; otherwise the error to answer, already in the request's terms).
 */
export interface VerificationGuard {
  verdict(write: TransactionalWrite): number;
}

/** The guard when verification is off (transaction.partition.verification.enable=false): every write may be appended. */
export const UNVERIFIED: VerificationGuard = { verdict: () => ErrorCode.NONE };

/** Who the verification asks and what it reads. */
export interface TransactionVerificationDeps {
  readonly context: CoordinatorContext;
  readonly metadata: CoordinatorMetadataView;
  readonly partitions: Pick<CoordinatorPartitions, 'partition'>;
}

const writeKey = (transactionalId: string, w: TransactionalWrite) => `${transactionalId}\u0000${w.producerId}\u0000${w.producerEpoch}\u0000${w.topic}\u0000${w.partition}`;

/** Verification errors that only mean "not now": translated to errors the clients retry. */
const TRANSIENT = new Set<number>([
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.CONCURRENT_TRANSACTIONS,
]);

/**
 * Kafka's translations: producers expect INVALID_PRODUCER_EPOCH for a fenced producer, and
 * retry NOT_ENOUGH_REPLICAS (which triggers no metadata refresh) for a transient failure;
 * TxnOffsetCommit turns a network failure into COORDINATOR_LOAD_IN_PROGRESS.
 */
function forClient(errorCode: number, request: VerifiedRequest): number {
  if (errorCode === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (request === 'produce' && TRANSIENT.has(errorCode)) return ErrorCode.NOT_ENOUGH_REPLICAS;
  if (request === 'txnOffsetCommit' && errorCode === ErrorCode.NETWORK_EXCEPTION) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  return errorCode;
}

/**
 * KIP-890 part 1 (Kafka's AddPartitionsToTxnManager): a transactional write to a partition
 * must belong to the producer's open transaction, as its coordinator knows it, so a late or
 * stray write cannot open a transaction nobody will end. When this broker coordinates the id
 * the check is local; otherwise, the first write of a transaction to a partition (the
 * partition has no open transaction of that producer yet) is verified with the coordinator by
 * an AddPartitionsToTxn v4+ `verify_only` request before it is appended. Later writes of the
 * same transaction need no verification: the coordinator's markers (with their epochs) end it.
 *
 * {@link verifyThen} computes the verdicts of a request's writes first (asking remote
 * coordinators over the wire) and hands them to the write as a {@link VerificationGuard},
 * which the append consults.
 */
export class TransactionVerification {
  constructor(
    private readonly deps: TransactionVerificationDeps,
    private readonly stateManager: TransactionStateManager,
    private readonly connections: BrokerRequestChannel,
  ) {}

  /**
   * Runs `write` with the guard of `writes` once the coordinators of `transactionalId` have
   * judged them: at once when no remote coordinator needs asking, else after its answer.
   * Without a transactional id (or with verification off) the guard lets everything through.
   */
  verifyThen<T>(transactionalId: string | null, writes: readonly TransactionalWrite[], request: VerifiedRequest, write: (guard: VerificationGuard) => T): T | Promise<Awaited<T>> {
    if (transactionalId === null || !this.enabled) return write(UNVERIFIED);
    const remote = this.isLocal(transactionalId) ? [] : writes.filter((w) => !this.hasOpenTransaction(w));
    if (remote.length === 0) return write(this.guard(transactionalId, writes, new Map(), request));
    return this.askCoordinator(transactionalId, remote).then((answers) => write(this.guard(transactionalId, writes, answers, request)) as Awaited<T>);
  }

  private get enabled(): boolean {
    return this.deps.context.config.boolean('transaction.partition.verification.enable');
  }

  /** The check when this broker is the id's coordinator. */
  private localVerdict(transactionalId: string, w: TransactionalWrite): number {
    const status = this.stateManager.status(transactionalId);
    if (status !== null) return status;
    const txn = this.stateManager.get(transactionalId);
    if (!txn || txn.producerId !== w.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (w.producerEpoch < txn.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (w.producerEpoch !== txn.producerEpoch || txn.state !== TransactionState.Ongoing || !txn.hasPartition(w.topic, w.partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  /** Whether this broker coordinates the id. */
  private isLocal(transactionalId: string): boolean {
    return this.stateManager.leaderOf(transactionalId) === this.deps.context.nodeId;
  }

  /** The verdicts of the request's writes; a write it did not name (another producer) gets the local check. */
  private guard(transactionalId: string, writes: readonly TransactionalWrite[], remote: Map<string, number>, request: VerifiedRequest): VerificationGuard {
    const local = this.isLocal(transactionalId);
    const verdicts = new Map<string, number>();
    for (const w of writes) {
      const key = writeKey(transactionalId, w);
      // Coordinator elsewhere and not asked: the producer's transaction is already open here.
      const verdict = local ? this.localVerdict(transactionalId, w) : (remote.get(key) ?? ErrorCode.NONE);
      verdicts.set(key, forClient(verdict, request));
    }
    return { verdict: (w) => verdicts.get(writeKey(transactionalId, w)) ?? this.localVerdict(transactionalId, w) };
  }

  /** Kafka's hasOngoingTransaction: the partition already holds an open transaction of the producer. */
  private hasOpenTransaction(w: TransactionalWrite): boolean {
    const partition = this.deps.partitions.partition(w.topic, w.partition);
    // Not led here: the write fails on its own, nothing to verify.
    if (!partition?.isLeader) return true;
    const entry = partition.log.producerState.lastEntry(w.producerId);
    return entry !== undefined && entry.currentTxnFirstOffset !== null && entry.producerEpoch === w.producerEpoch;
  }

  /** AddPartitionsToTxn `verify_only` to the id's coordinator; every write gets an error code. */
  private async askCoordinator(transactionalId: string, writes: readonly TransactionalWrite[]): Promise<Map<string, number>> {
    const answers = new Map<string, number>();
    const answerAll = (errorCode: number) => {
      for (const w of writes) answers.set(writeKey(transactionalId, w), errorCode);
      return answers;
    };
    const coordinator = this.stateManager.leaderOf(transactionalId);
    if (coordinator < 0 || !this.deps.metadata.isLive(coordinator)) return answerAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // One producer per request in practice; several (pid, epoch) pairs are asked one by one.
    const byProducer = new Map<string, TransactionalWrite[]>();
    for (const w of writes) byProducer.set(`${w.producerId}/${w.producerEpoch}`, [...(byProducer.get(`${w.producerId}/${w.producerEpoch}`) ?? []), w]);
    for (const group of byProducer.values()) {
      const topics = new Map<string, number[]>();
      for (const w of group) topics.set(w.topic, [...(topics.get(w.topic) ?? []), w.partition]);
      try {
        const response = await this.connections.request(coordinator, ApiKeys.AddPartitionsToTxn, {
          transactions: [{
            transactionalId,
            producerId: BigInt(group[0]!.producerId),
            producerEpoch: group[0]!.producerEpoch,
            verifyOnly: true,
            topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
          }],
        }, { min: 4 });
        const codes = new Map<string, number>();
        for (const txn of response.resultsByTransaction) {
          for (const topic of txn.topicResults) for (const p of topic.resultsByPartition) codes.set(`${topic.name}-${p.partitionIndex}`, p.partitionErrorCode);
        }
        for (const w of group) {
          const code = response.errorCode !== ErrorCode.NONE ? response.errorCode : (codes.get(`${w.topic}-${w.partition}`) ?? ErrorCode.INVALID_TXN_STATE);
          answers.set(writeKey(transactionalId, w), code);
        }
      } catch (error) {
        this.deps.context.logger.debug(`verifying ${transactionalId} with broker ${coordinator} failed: ${(error as Error).message}`);
        for (const w of group) answers.set(writeKey(transactionalId, w), ErrorCode.NETWORK_EXCEPTION);
      }
    }
    return answers;
  }
}

/**
 * The transactional writes of a Produce request: the producer of the first transactional
 * batch of each partition's records. Malformed records yield nothing here (validation
 * refuses them later); a header is read only when complete.
 */
export function transactionalWritesOf(topics: ReadonlyArray<{ name: string; partitionData: ReadonlyArray<{ index: number; records: Buffer | null }> }>): TransactionalWrite[] {
  const writes: TransactionalWrite[] = [];
  for (const topic of topics) {
    for (const p of topic.partitionData) {
      if (!p.records) continue;
      try {
        for (let position = 0; ; ) {
          const entry = nextBatch(p.records, position);
          if (entry === null || entry.kind !== 'batch') break;
          if (entry.header.isTransactional && !entry.header.isControl) {
            writes.push({ producerId: Number(entry.header.producerId), producerEpoch: entry.header.producerEpoch, topic: topic.name, partition: p.index });
            break;
          }
          position += entry.size;
        }
      } catch {
        // Corrupt framing: the produce path answers for it.
      }
    }
  }
  return writes;
}
