import { Kafka, logLevel } from 'kafkajs';
import type { EmbeddedKafka } from '../../../../src/broker/embedded-kafka.js';
import type { PartitionAssignment } from '../../../../src/broker/cluster/cluster-metadata.js';
import { startKafka, tempDir } from '../../../support/broker-harness.js';

/** A 3-broker embedded cluster on ephemeral ports in a temp dir. */
export function startCluster(config: Record<string, string | number | boolean> = {}, brokers = 3): Promise<EmbeddedKafka> {
  return startKafka({ brokers, dataDir: tempDir('streamwright-replication-'), config });
}

/** A kafkajs client that knows every broker and retries long enough to ride out a failover. */
export function clusterClient(kafka: EmbeddedKafka, clientId: string, retries = 30): Kafka {
  return new Kafka({
    clientId,
    brokers: kafka.bootstrapServers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** The controller's view of a partition (leader, epoch, ISR). */
export function assignment(kafka: EmbeddedKafka, topic: string, partition = 0): PartitionAssignment {
  const found = kafka.controller!.metadata.topic(topic)?.partitions[partition];
  if (!found) throw new Error(`no ${topic}-${partition}`);
  return found;
}

/** The log end offset of a replica, or -1 when its broker is down or does not host it. */
export function logEndOf(kafka: EmbeddedKafka, nodeId: number, topic: string, partition = 0): number {
  const node = kafka.broker(nodeId);
  if (!node.isRunning) return -1;
  return node.instance.replicaManager.partition(topic, partition)?.logEndOffset ?? -1;
}
