import { AsyncLocalStorage } from 'node:async_hooks';
import type { Message, RecordMetadata as KafkaJsRecordMetadata, TopicMessages, Transaction } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import type { ProducerFactory, TransactionalProducerLease } from '../core/producer-factory.js';
import { RecordAccumulator, type RecordCompletion, type RecordSender } from '../core/record-accumulator.js';
import { BytesSend } from '../core/template-send.js';
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
 * Its sends are batched as the template's others are (the ones started in the same event-loop
 * turn share a request per partition leader; a partition's records keep their call order), but
 * only with each other: a request never holds records of two transactions. The transaction
 * commits only when all of them succeeded; after a failed one, the later ones are refused.
 */
export class KafkaResourceHolder implements RecordSender {
  /** Offsets sent to the transaction, one after another. */
  private chain: Promise<unknown> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private ended = false;
  private accumulator: RecordAccumulator | undefined;

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

  /** Sends one message in the transaction; resolves with the broker's answer for its partition, at the record's offset. */
  send(topic: string, message: Message): Promise<KafkaJsRecordMetadata[]> {
    const completion = new BytesSend();
    this.append(topic, message, completion);
    return completion.promise;
  }

  /** Queues one record of the transaction; `completion` learns how it ended. */
  append(topic: string, message: Message, completion: RecordCompletion): void {
    if (this.ended) {
      completion.failed(new KafkaException(`Transaction ${this.transactionalId} has already ended`));
      return;
    }
    this.accumulator ??= new RecordAccumulator(this, { onRejected: (error) => (this.failure ??= { error }) });
    this.accumulator.append(topic, message, completion);
  }

  /** Resolves once every record queued so far was answered. */
  async flush(): Promise<void> {
    await this.accumulator?.flush();
  }

  /** @internal RecordSender: partitions as the factory's producers do. */
  partitionFor(topic: string, message: Message): number | undefined {
    return this.producerFactory.partitionFor(topic, message);
  }

  /** @internal RecordSender. */
  leaderOf(topic: string, partition: number): number | undefined {
    return this.producerFactory.leaderOf(topic, partition);
  }

  /** @internal RecordSender: one request of the transaction's records. */
  sendRecords(topicMessages: TopicMessages[]): Promise<KafkaJsRecordMetadata[]> {
    if (this.ended) return Promise.reject(new KafkaException(`Transaction ${this.transactionalId} has already ended`));
    if (this.failure) return Promise.reject(new KafkaException(`Transaction ${this.transactionalId} failed earlier; it will be aborted`, { cause: this.failure.error }));
    // A failed request fails the transaction through onRejected (one stopped unsent because a
    // leader moved is grouped again instead).
    return this.producerFactory.sendInTransaction(this.transaction, topicMessages);
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
    do {
      seen = this.chain;
      await this.accumulator?.flush();
      await seen;
    } while (seen !== this.chain || this.accumulator?.hasWork());
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
