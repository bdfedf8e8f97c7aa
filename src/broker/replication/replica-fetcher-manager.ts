import type { Partition } from '../cluster/partition.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { ReplicaFetcher } from './replica-fetcher.js';

/**
 * The follower side of replication (Kafka's ReplicaFetcherManager): one fetcher per leader
 * broker, each with its own connection, fetching every partition this broker follows from that
 * leader. Partitions move between fetchers as leadership changes; an idle fetcher stops.
 */
export class ReplicaFetcherManager {
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private closed = false;

  constructor(private readonly broker: KafkaBroker) {}

  addPartition(partition: Partition, leaderId: number): void {
    if (this.closed) return;
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(this.broker, leaderId);
      this.fetchers.set(leaderId, fetcher);
    }
    fetcher.addPartition(partition);
  }

  removePartition(partition: Partition): void {
    for (const [leaderId, fetcher] of this.fetchers) {
      fetcher.removePartition(partition);
      if (fetcher.isIdle) {
        fetcher.stop();
        this.fetchers.delete(leaderId);
      }
    }
  }

  /** The fetcher of a leader, for tests and diagnostics. */
  fetcherFor(leaderId: number): ReplicaFetcher | undefined {
    return this.fetchers.get(leaderId);
  }

  shutdown(): void {
    this.closed = true;
    for (const fetcher of this.fetchers.values()) fetcher.stop();
    this.fetchers.clear();
  }
}
