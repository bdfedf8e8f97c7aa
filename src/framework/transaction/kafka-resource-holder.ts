import { AsyncLocalStorage } from 'node:async_hooks';
import type { Message, RecordMetadata as KafkaJsRecordMetadata, Transaction } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import type { ProducerFactory, TransactionalProducerLease } from '../core/producer-factory.js';
import type { TopicPartition } from '../support/topic-partition.js';

/** Who began a transaction: `KafkaTemplate.executeInTransaction`, a `KafkaTransactionManager`, or a listener container. */
export type TransactionOrigin = 'template' | 'manager' | 'container';

/** An offset to send to a transaction: the next record of the partition to consume. */
export interface TransactionOffset extends TopicPartition {
  readonly offset: number;
}

/**
 * One running Kafka transaction, bound to the async context it runs in (Spring's
 * `KafkaResourceHolder` in the `TransactionSynchronizationManager`): `KafkaTemplate.send`
 * calls made anywhere inside it, with a template of the same producer factory, join it.
 * Sends are written one after another, in call order; the transaction commits only when all
 * of them succeeded.
 */
export class KafkaResourceHolder {
  private chain: Promise<unknown> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private ended = false;

  constructor(
    readonly producerFactory: ProducerFactory,
    readonly transaction: Transaction,
    private readonly lease: TransactionalProducerLease,
    readonly origin: TransactionOrigin,
    /** The template that began it (nesting check). */
    readonly owner: object | undefined,
  ) {}

  get transactionalId(): string {
    return this.lease.transactionalId;
  }

  isActive(): boolean {
    return !this.ended;
  }

  /** A send (or offsets) of the transaction failed. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Sends one message in the transaction, after the sends made before it. */
  send(topic: string, message: Message): Promise<KafkaJsRecordMetadata[]> {
    if (this.ended) return Promise.reject(new KafkaException(`Transaction ${this.transactionalId} has already ended`));
    const sending = this.chain.then(() => {
      if (this.failure) throw new KafkaException(`Transaction ${this.transactionalId} failed earlier; it will be aborted`, { cause: this.failure.error });
      return this.transaction.send({ topic, messages: [message] });
    });
    this.chain = sending.catch((error: unknown) => {
      this.failure ??= { error };
    });
    return sending;
  }

  /** Adds consumed offsets to the transaction (Kafka's `sendOffsetsToTransaction`). */
  sendOffsets(groupId: string, offsets: readonly TransactionOffset[]): Promise<void> {
    if (this.ended) return Promise.reject(new KafkaException(`Transaction ${this.transactionalId} has already ended`));
    const topics = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets) {
      const list = topics.get(topic) ?? [];
      list.push({ partition, offset: String(offset) });
      topics.set(topic, list);
    }
    const sending = this.chain.then(() => {
      if (this.failure) throw new KafkaException(`Transaction ${this.transactionalId} failed earlier; it will be aborted`, { cause: this.failure.error });
      return this.transaction.sendOffsets({ consumerGroupId: groupId, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) });
    });
    this.chain = sending.catch((error: unknown) => {
      this.failure ??= { error };
    });
    return sending;
  }

  /** Waits for every send; rejects with the first failure. */
  async settle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    // Sends started while waiting are waited for too.
    while (seen !== this.chain) {
      seen = this.chain;
      await seen;
    }
    if (this.failure) throw this.failure.error;
  }

  /** @internal */
  end(): void {
    this.ended = true;
  }
}

const storage = new AsyncLocalStorage<KafkaResourceHolder>();

/**
 * Where the running transaction is kept, as Spring's `TransactionSynchronizationManager`:
 * an AsyncLocalStorage, so the transaction follows the listener's awaits and callbacks.
 */
export const TransactionSynchronizationManager = {
  /** The transaction of the current async context (of that producer factory, when given). */
  currentTransaction(producerFactory?: ProducerFactory): KafkaResourceHolder | undefined {
    const holder = storage.getStore();
    if (!holder || !holder.isActive()) return undefined;
    return producerFactory === undefined || holder.producerFactory === producerFactory ? holder : undefined;
  },

  isActualTransactionActive(): boolean {
    return storage.getStore()?.isActive() ?? false;
  },

  /** @internal Runs `fn` with `holder` as the current transaction. */
  run<T>(holder: KafkaResourceHolder, fn: () => T): T {
    return storage.run(holder, fn);
  },
};
