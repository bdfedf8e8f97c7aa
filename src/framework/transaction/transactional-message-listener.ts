import type { ConsumerRecord } from '../support/consumer-record.js';
import { ConsumerRecords } from '../support/consumer-records.js';
import type { Acknowledgment } from '../support/acknowledgment.js';
import type { TopicPartition } from '../support/topic-partition.js';
import type { ContainerConsumer } from '../listener/container-consumer.js';
import { isBatchListener, type GenericMessageListener } from '../listener/message-listener.js';
import type { KafkaResourceHolder, TransactionOffset } from './kafka-resource-holder.js';
import { KafkaTransactionCommitException, type KafkaTransactionManager } from './kafka-transaction-manager.js';
import { PartitionFence } from './partition-fence.js';

/**
 * The transactional id suffix of a container's producer for one partition:
 * `group.topic.partition`. kafkajs' TxnOffsetCommit carries no group generation, so fencing
 * relies on the transactional id (Kafka's EOS "alpha" fencing): whoever consumes a partition
 * next (after a rebalance, a restart, a crash) begins its first transaction with
 * InitProducerId on the same id, which aborts the previous owner's open transaction and fences
 * its producer.
 */
export function containerTransactionSuffix(groupId: string, partition: TopicPartition): string {
  return `${groupId}.${partition.topic}.${partition.partition}`;
}

/**
 * Runs a container's listener in a transaction per record (or per batch), Spring's EOS V2
 * flow: begin, call the listener (its `KafkaTemplate` sends join through the async context),
 * send the consumed offsets to the transaction, commit. A throwing listener aborts the
 * transaction and the error goes on to the after-rollback processor.
 */
export class TransactionalMessageListener {
  static wrap(listener: GenericMessageListener, transactionManager: KafkaTransactionManager, fence: PartitionFence = new PartitionFence()): GenericMessageListener {
    const fenced = new Set<string>();
    /**
     * The records not yet committed. The first records of a partition after its assignment (or
     * after a fencing error, or a commit left in doubt) wait for the partition's transactional
     * id to be initialized afresh, which finishes the previous owner's transaction and fences
     * it; the group's committed offset read after that is the partition's floor, and records
     * below it (committed by the previous owner after this consumer fetched its offsets) are
     * skipped, the consumer sought past them.
     */
    const uncommitted = async (consumer: ContainerConsumer, partition: TopicPartition, records: ConsumerRecord[]): Promise<ConsumerRecord[]> => {
      const suffix = containerTransactionSuffix(consumer.groupId, partition);
      if (fenced.has(suffix)) {
        // A zombie (a consumer the group has moved on from) learns of it here, instead of
        // initializing the id again and fencing the partition's new owner in turn.
        await consumer.heartbeat();
        fenced.delete(suffix);
      }
      if (!fence.isVerified(partition) || transactionManager.isInDoubt(suffix)) {
        await (transactionManager.isInDoubt(suffix) ? transactionManager.resolveInDoubt(suffix) : transactionManager.initializeAfresh(suffix));
        fence.verified(partition, await consumer.committed(partition));
        transactionManager.clearInDoubt(suffix);
      }
      const floor = fence.floor(partition) ?? -1;
      const first = records[0];
      if (first && first.offset < floor) consumer.seek(partition, floor);
      return records.filter((record) => record.topic !== partition.topic || record.partition !== partition.partition || record.offset >= floor);
    };
    /**
     * One transaction for the records of a partition, up to `nextOffset`. A fencing error makes
     * the partition's next attempt heartbeat first, then fence and verify it again.
     */
    const inTransaction = async (consumer: ContainerConsumer, partition: TopicPartition, nextOffset: number, work: (holder: KafkaResourceHolder) => Promise<unknown>) => {
      const suffix = containerTransactionSuffix(consumer.groupId, partition);
      try {
        const result = await executeSettled(transactionManager, consumer, partition, nextOffset, work);
        fence.committed(partition, nextOffset);
        return result;
      } catch (error) {
        if (isFencingError(error)) {
          fenced.add(suffix);
          fence.invalidate(partition);
        }
        throw error;
      }
    };
    if (isBatchListener(listener)) {
      return {
        batch: true,
        onMessage: async (records: ConsumerRecords, ack: Acknowledgment, consumer: ContainerConsumer) => {
          const first = records[0];
          if (!first) return listener.onMessage(records, ack, consumer);
          const all = [...records] as ConsumerRecord[];
          const list = await uncommitted(consumer, first, all);
          if (list.length === 0) return undefined;
          const batch = list.length === all.length ? records : ConsumerRecords.fromList(list);
          const last = list.filter((record) => record.topic === first.topic && record.partition === first.partition).at(-1)!;
          return inTransaction(consumer, first, last.offset + 1, async (holder) => {
            const result = await listener.onMessage(batch, ack, consumer);
            await holder.sendOffsets(consumer.groupId, nextOffsets(list));
            return result;
          });
        },
      };
    }
    return {
      onMessage: async (record: ConsumerRecord, ack: Acknowledgment, consumer: ContainerConsumer) => {
        if ((await uncommitted(consumer, record, [record])).length === 0) return undefined;
        return inTransaction(consumer, record, record.offset + 1, async (holder) => {
          const result = await listener.onMessage(record, ack, consumer);
          await holder.sendOffsets(consumer.groupId, [{ topic: record.topic, partition: record.partition, offset: record.offset + 1 }]);
          return result;
        });
      },
    };
  }
}

/**
 * Runs a container transaction whose consumed offset for `partition` is `nextOffset`. A failed
 * commit may have taken effect (its reply lost): it is settled at once (a new producer on the
 * id waits for the broker to complete or abort it) and the group's committed offset decides.
 * Committed after all: resolves (undefined), so the records are not processed again. Not
 * committed: rethrows. If it cannot be settled now, the id stays in doubt and rethrows.
 *
 * @internal Used by the transactional listener and the after-rollback processor's recovery.
 */
export async function executeSettled<T>(
  manager: KafkaTransactionManager,
  consumer: ContainerConsumer,
  partition: TopicPartition,
  nextOffset: number,
  work: (holder: KafkaResourceHolder) => T | Promise<T>,
): Promise<T | undefined> {
  const suffix = containerTransactionSuffix(consumer.groupId, partition);
  try {
    return await manager.executeInContainerTransaction(suffix, work);
  } catch (error) {
    if (!(error instanceof KafkaTransactionCommitException)) throw error;
    let committed: number | undefined;
    try {
      await manager.resolveInDoubt(suffix);
      committed = await consumer.committed(partition);
      manager.clearInDoubt(suffix);
    } catch {
      // Still in doubt: settled before the partition's next transaction.
      throw error;
    }
    if (committed !== undefined && committed >= nextOffset) return undefined;
    throw error;
  }
}

/** PRODUCER_FENCED / INVALID_PRODUCER_EPOCH anywhere in the cause chain. */
export function isFencingError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    const { type, message, cause } = current as { type?: unknown; message?: unknown; cause?: unknown };
    if (type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH' || /fenced|producer epoch/i.test(String(message ?? ''))) return true;
    current = cause;
  }
  return false;
}

function nextOffsets(records: readonly ConsumerRecord[]): TransactionOffset[] {
  const next = new Map<string, TransactionOffset>();
  for (const { topic, partition, offset } of records) {
    const key = `${topic}-${partition}`;
    const known = next.get(key);
    if (!known || offset + 1 > known.offset) next.set(key, { topic, partition, offset: offset + 1 });
  }
  return [...next.values()];
}
