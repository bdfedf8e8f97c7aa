import type { Partition } from './cluster/partition.js';
import type { FetchPurgatory } from './delayed-fetch.js';

/**
 * The replica manager as the request handlers use it: the partitions this broker hosts, and the
 * purgatories where fetches and acks=-1 produces wait for data or for the ISR.
 */
export interface ReplicaAccess {
  /** The local replica of a partition; undefined when this broker hosts none. */
  partition(topic: string, index: number): Partition | undefined;
  /** A partition's log end, high watermark or ISR moved: completes the requests waiting on it. */
  partitionStateChanged(partition: Partition): void;
  readonly fetchPurgatory: FetchPurgatory;
  readonly producePurgatory: FetchPurgatory;
}
