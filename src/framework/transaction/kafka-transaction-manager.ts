import type { Transaction } from 'kafkajs';
import { messageOf, type ProducerFactory, type TransactionalProducerLease } from '../core/producer-factory.js';
import { KafkaException } from '../kafka-exception.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { KafkaResourceHolder, TransactionSynchronizationManager, type TransactionOrigin } from './kafka-resource-holder.js';

/** Raised when a transaction could not begin or commit. */
export class KafkaTransactionException extends KafkaException {}

/**
 * Raised when the commit (EndTxn) failed. Whether it took effect is unknown: a commit whose
 * reply was lost has committed at the broker. The producer is discarded; the next
 * InitProducerId on the id waits for the broker to finish (or abort) the transaction.
 */
export class KafkaTransactionCommitException extends KafkaTransactionException {}

export interface TransactionOptions {
  /**
   * Suffix of the transactional id (`prefix + suffix`). Default: a free producer of the
   * factory's pool. Containers use `group.topic.partition`, so a restarted or rebalanced
   * consumer fences the producer that worked on the partition before it.
   */
  transactionIdSuffix?: string;
}

/**
 * Runs `work` in a new Kafka transaction on a leased transactional producer: commits when it
 * resolves (after all its sends succeeded), aborts when it throws or a send failed, and
 * rethrows. A producer whose commit or abort failed (fenced, timed out) is discarded, so the
 * next transaction on its id starts with a fresh InitProducerId.
 *
 * @internal Shared by KafkaTemplate, KafkaTransactionManager and the listener containers.
 */
export async function runInTransaction<T>(
  producerFactory: ProducerFactory,
  origin: TransactionOrigin,
  owner: object | undefined,
  options: TransactionOptions,
  work: (holder: KafkaResourceHolder) => T | Promise<T>,
  logger: Logger = defaultLogger(),
): Promise<T> {
  const lease = await producerFactory.acquireTransactionalProducer(options.transactionIdSuffix);
  let transaction: Transaction;
  try {
    transaction = await lease.producer.transaction();
  } catch (error) {
    await lease.release(true);
    throw new KafkaTransactionException(`Could not begin a transaction on ${lease.transactionalId}: ${messageOf(error)}`, { cause: error });
  }
  const holder = new KafkaResourceHolder(producerFactory, transaction, lease, origin, owner);
  let result: T;
  try {
    result = await TransactionSynchronizationManager.run(holder, () => work(holder));
    await holder.settle();
  } catch (error) {
    await settleQuietly(holder);
    holder.end();
    await abort(transaction, lease, logger, holder.failed);
    throw error;
  }
  holder.end();
  try {
    await transaction.commit();
  } catch (error) {
    await lease.release(true);
    throw new KafkaTransactionCommitException(`Commit of transaction ${lease.transactionalId} failed: ${messageOf(error)}`, { cause: error });
  }
  await lease.release();
  return result;
}

async function settleQuietly(holder: KafkaResourceHolder): Promise<void> {
  try {
    await holder.settle();
  } catch {
    // The transaction is aborted anyway.
  }
}

/**
 * Aborts the transaction. After a failed send the producer is discarded too: kafkajs 2.2.4
 * advances sequence numbers only on success, so a send that failed on the client but reached
 * the log would have its sequence number reused by the next transaction's first send to that
 * partition, which the broker answers as a duplicate of the aborted batch (acknowledged, never
 * stored). A new producer on the id starts with a new epoch and sequences.
 */
async function abort(transaction: Transaction, lease: TransactionalProducerLease, logger: Logger, sendFailed: boolean): Promise<void> {
  try {
    await transaction.abort();
    await lease.release(sendFailed);
  } catch (error) {
    // The broker aborts it (at the next InitProducerId of the id, or at its timeout).
    logger.warn(`Abort of transaction ${lease.transactionalId} failed; discarding its producer: ${messageOf(error)}`);
    await lease.release(true);
  }
}

export interface KafkaTransactionManagerOptions {
  logger?: Logger;
}

/**
 * Begins, commits and aborts Kafka transactions on a transactional producer factory, as
 * Spring's `KafkaTransactionManager`. Give it to a container
 * (`containerProperties.transactionManager`) to run each record (or batch) in a transaction
 * together with its consumed offsets, or call {@link executeInTransaction} yourself;
 * `KafkaTemplate.send` calls inside join the transaction.
 */
export class KafkaTransactionManager {
  private readonly logger: Logger;
  /** Container transactional id suffixes whose last commit failed: it may have committed. */
  private readonly inDoubt = new Set<string>();

  constructor(
    readonly producerFactory: ProducerFactory,
    options: KafkaTransactionManagerOptions = {},
  ) {
    this.logger = options.logger ?? defaultLogger();
  }

  /** The factory's transactional id prefix (Spring's `getTransactionIdPrefix`). */
  get transactionIdPrefix(): string | undefined {
    return this.producerFactory.transactionIdPrefix;
  }

  /**
   * Runs `work` in a new transaction: commit on success, abort on throw. Unlike
   * `KafkaTemplate.executeInTransaction`, it may run inside another transaction (the two are
   * independent, like Spring's REQUIRES_NEW).
   */
  executeInTransaction<T>(work: (holder: KafkaResourceHolder) => T | Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (!this.producerFactory.isTransactional()) {
      return Promise.reject(new KafkaException('KafkaTransactionManager needs a transactional producer factory (transactionIdPrefix)'));
    }
    return runInTransaction(this.producerFactory, 'manager', this, options, work, this.logger);
  }

  /**
   * @internal The same, for a listener container's transactions (its listener's and its
   * after-rollback processor's); a failed commit leaves the id in doubt.
   */
  async executeInContainerTransaction<T>(suffix: string, work: (holder: KafkaResourceHolder) => T | Promise<T>): Promise<T> {
    try {
      return await runInTransaction(this.producerFactory, 'container', this, { transactionIdSuffix: suffix }, work, this.logger);
    } catch (error) {
      if (error instanceof KafkaTransactionCommitException) this.inDoubt.add(suffix);
      throw error;
    }
  }

  /** @internal Whether the last commit of a container transaction on this id failed (it may have taken effect). */
  isInDoubt(suffix: string): boolean {
    return this.inDoubt.has(suffix);
  }

  /**
   * @internal Settles an in-doubt transaction: a new producer on the id (its InitProducerId
   * waits while the broker completes the transaction, and aborts one still open), so the
   * group's committed offsets then say whether it committed.
   */
  async resolveInDoubt(suffix: string): Promise<void> {
    await this.initializeAfresh(suffix);
    this.logger.info(`Transaction ${this.transactionIdPrefix ?? ''}${suffix} had failed to commit; it is now settled at the broker`);
  }

  /**
   * @internal A new producer on the id, whatever producer the factory holds for it: its
   * InitProducerId aborts a transaction another producer of the id left open, waits for one
   * being committed, and fences that producer. The container's partition fence.
   */
  async initializeAfresh(suffix: string): Promise<void> {
    const cached = await this.producerFactory.acquireTransactionalProducer(suffix);
    await cached.release(true);
    await runInTransaction(this.producerFactory, 'container', this, { transactionIdSuffix: suffix }, () => undefined, this.logger);
  }

  /** @internal The committed offsets were read after {@link resolveInDoubt}: the id is no longer in doubt. */
  clearInDoubt(suffix: string): void {
    this.inDoubt.delete(suffix);
  }
}
