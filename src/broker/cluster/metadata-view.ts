import type { ClusterMetadata } from './cluster-metadata.js';

/**
 * The cluster metadata as request handlers read it: topics, partitions and their assignments,
 * dynamic configs and SCRAM users. Changes go through the Controller, never through this view.
 */
export type MetadataView = Pick<ClusterMetadata, 'clusterId' | 'topics' | 'topic' | 'topicById' | 'dynamicBrokerConfigs' | 'scramUsers' | 'scramCredential' | 'clientQuotas' | 'acls'>;
