import type { ConsumerFactory } from '../core/consumer-factory.js';
import { createKafka } from '../core/kafka-clients.js';
import { KafkaException } from '../kafka-exception.js';
import type { Logger } from '../support/logger.js';
import { ALL_PARTITIONS, expandAllPartitions, type TopicPartitionOffset } from './topic-partition-offset.js';

/** Whether a manual assignment has `'*'` entries to resolve before the container can start. */
export function hasAllPartitionsEntries(entries: readonly TopicPartitionOffset[] | undefined): boolean {
  return entries?.some((entry) => entry.partition === ALL_PARTITIONS) ?? false;
}

/**
 * A container's manual assignment with every `'*'` entry replaced by the topic's partitions as
 * the cluster reports them now (an admin client is opened only when there is such an entry).
 */
export async function resolveAllPartitions(entries: readonly TopicPartitionOffset[] | undefined, consumerFactory: ConsumerFactory, logger: Logger): Promise<readonly TopicPartitionOffset[] | undefined> {
  if (!entries) return undefined;
  return expandAllPartitions(entries, async (topics) => {
    if (!consumerFactory.kafka) throw new KafkaException('The consumer factory has no Kafka client config (kafka.brokers)');
    const admin = createKafka(consumerFactory.kafka, logger).admin();
    await admin.connect();
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      return new Map(metadata.map((t) => [t.name, t.partitions.length]));
    } finally {
      await admin.disconnect();
    }
  });
}
