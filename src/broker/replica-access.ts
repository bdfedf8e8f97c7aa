import type { Partition } from './cluster/partition.js';
import type { FetchPurgatory } from './delayed-fetch.js';
import type { ReplicaManager } from './replica-manager.js';

/**
 * The replica manager as the request handlers use it: the partitions this broker hosts, leader
 * appends and the wait for the ISR (acks=-1), and the purgatory where fetches wait for data.
 */
export interface ReplicaAccess extends Pick<ReplicaManager, 'appendAsLeader' | 'awaitReplication'> {
  /** The local replica of a partition; undefined when this broker hosts none. */
  partition(topic: string, index: number): Partition | undefined;
  /** A partition's log end, high watermark or ISR moved: completes the requests waiting on it. */
  partitionStateChanged(partition: Partition): void;
  readonly fetchPurgatory: FetchPurgatory;
}
