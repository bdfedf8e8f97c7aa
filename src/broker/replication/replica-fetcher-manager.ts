import type { Partition } from '../cluster/partition.js';
import type { BrokerContext } from '../broker-context.js';
import type { ReplicaAccess } from '../replica-access.js';
import type { InterBrokerChannel } from './inter-broker-channel.js';
import { ReplicaFetcher, type ReplicaFetcherDeps } from './replica-fetcher.js';

/** What the fetchers need from the broker they run in. */
export interface ReplicaFetcherHost {
  readonly context: BrokerContext;
  readonly interBrokerChannel: InterBrokerChannel;
  /** Told after each follower append, so that waiting requests see the new log end. */
  readonly replicaManager: Pick<ReplicaAccess, 'partitionStateChanged'>;
}

/**
 * The follower side of replication (Kafka's ReplicaFetcherManager): one fetcher per leader
 * broker, each with its own connection, fetching every partition this broker follows from that
 * leader. Partitions move between fetchers as leadership changes; an idle fetcher stops.
 */
export class ReplicaFetcherManager {
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private closed = false;

  private readonly deps: ReplicaFetcherDeps;

  constructor(host: ReplicaFetcherHost) {
    this.deps = { context: host.context, channel: host.interBrokerChannel, partitionStateChanged: (partition) => host.replicaManager.partitionStateChanged(partition) };
  }

  addPartition(partition: Partition, leaderId: number): void {
    if (this.closed) return;
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(this.deps, leaderId);
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
