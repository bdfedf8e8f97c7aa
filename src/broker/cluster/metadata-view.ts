import type { ClusterMetadata } from './cluster-metadata.js';

/**
 * The cluster metadata as request handlers read it: topics, partitions and their assignments,
 * dynamic configs and SCRAM users. Changes go through the Controller, never through this view.
 */
export type MetadataView = Pick<ClusterMetadata, 'clusterId' | 'topics' | 'topic' | 'topicById' | 'dynamicBrokerConfigs' | 'scramUsers' | 'scramCredential' | 'clientQuotas' | 'acls'>;

/** Numbers that change with what they describe, so that what is derived from them can be kept (cluster/metadata-image.ts). */
export interface MetadataRevisions {
  /** Changes whenever the topic's partitions, leaders, epochs, ISRs or configs change, or it is replaced or removed. */
  topicRevision(name: string): number;
  /** Changes whenever the set of live brokers changes. */
  readonly brokersRevision: number;
}
