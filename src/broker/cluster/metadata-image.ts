import type { BrokerEndpoint } from './broker-endpoint.js';
import { ClusterMetadata, type MetadataRecord, type TopicMetadata } from './cluster-metadata.js';
import type { ClusterMembership } from './cluster-membership.js';
import type { MetadataRevisions, MetadataView } from './metadata-view.js';
import type { ClientQuotaEntry } from '../quota/client-quota-entity.js';
import type { AclBinding } from '../security/authorizer/acl-binding.js';
import type { ScramCredential } from '../security/sasl/scram-credential.js';

/** The registered brokers, as the controller last announced them (KRaft's RegisterBroker/fencing records). */
export interface BrokersRecord {
  type: 'Brokers';
  live: BrokerEndpoint[];
}

/** What the controller sends a broker's image: the metadata log's records, and the live brokers. */
export type ImageRecord = MetadataRecord | BrokersRecord;

/**
 * One broker's own copy of the cluster metadata (KRaft's MetadataImage): topics, partitions with
 * their leaders, epochs and ISRs, configs, SCRAM users and the live brokers. Only the records
 * the controller sends change it, so a broker cut off from the controller keeps answering from
 * what it last received. Records are copied on the way in: nothing is shared with the
 * controller's state or with another broker's image.
 */
export class MetadataImage implements MetadataView, MetadataRevisions, Omit<ClusterMembership, 'liveBrokers'> {
  private state: ClusterMetadata;
  private brokers: BrokerEndpoint[] = [];
  /** Counts every change; what changed remembers the count (see topicRevision). */
  private revision = 0;
  /** The revision of the last snapshot load: every topic's revision until a record changes it. */
  private loadRevision = 0;
  private readonly topicRevisions = new Map<string, number>();
  private brokersRevisionValue = 0;

  /** An image built from a snapshot: the controller's records of its whole state. */
  constructor(snapshot: readonly ImageRecord[]) {
    this.state = ClusterMetadata.inMemory(metadataRecords(snapshot));
    this.brokers = brokersOf(snapshot) ?? [];
  }

  /** Replaces the whole image with a snapshot (a broker that may have missed records). */
  load(snapshot: readonly ImageRecord[]): void {
    this.state = ClusterMetadata.inMemory(metadataRecords(snapshot));
    this.brokers = brokersOf(snapshot) ?? this.brokers;
    this.loadRevision = this.brokersRevisionValue = ++this.revision;
    this.topicRevisions.clear();
  }

  /** Applies a delta: records in the order the controller wrote them. */
  replay(records: readonly ImageRecord[]): void {
    for (const record of records) {
      this.revision++;
      if (record.type === 'Brokers') {
        this.brokers = copy(record).live;
        this.brokersRevisionValue = this.revision;
        continue;
      }
      this.state.replay(copy(record));
      const topic = record.type === 'Topic' ? record.topic.name : record.type === 'PartitionChange' ? record.topic : record.type === 'RemoveTopic' ? record.name : undefined;
      if (topic !== undefined) this.topicRevisions.set(topic, this.revision);
    }
  }

  topicRevision(name: string): number {
    return this.topicRevisions.get(name) ?? this.loadRevision;
  }

  get brokersRevision(): number {
    return this.brokersRevisionValue;
  }

  get clusterId(): string {
    return this.state.clusterId;
  }
  get topics(): IterableIterator<TopicMetadata> {
    return this.state.topics;
  }
  topic(name: string): TopicMetadata | undefined {
    return this.state.topic(name);
  }
  topicById(id: string): TopicMetadata | undefined {
    return this.state.topicById(id);
  }
  dynamicBrokerConfigs(resourceName: string): Record<string, string> {
    return this.state.dynamicBrokerConfigs(resourceName);
  }
  scramUsers(): Map<string, Array<{ mechanism: string; iterations: number }>> {
    return this.state.scramUsers();
  }
  scramCredential(user: string, mechanism: string): ScramCredential | undefined {
    return this.state.scramCredential(user, mechanism);
  }
  clientQuotas(): ReadonlyMap<string, ClientQuotaEntry> {
    return this.state.clientQuotas();
  }
  acls(): readonly AclBinding[] {
    return this.state.acls();
  }

  /** The live brokers, by node id. */
  liveBrokers(): BrokerEndpoint[] {
    return this.brokers;
  }
  isLive(nodeId: number): boolean {
    return this.brokers.some((b) => b.nodeId === nodeId);
  }
  /** The address broker `nodeId` registered with (undefined: not live as far as this image knows). */
  endpoint(nodeId: number): BrokerEndpoint | undefined {
    return this.brokers.find((b) => b.nodeId === nodeId);
  }
  /** The active controller: the lowest live node id (-1 when none is known). */
  controllerId(): number {
    return this.brokers.length === 0 ? -1 : Math.min(...this.brokers.map((b) => b.nodeId));
  }
}

/**
 * The record with its own copies of what a later record mutates in place (a topic's partitions,
 * a config map). A hand-written copy: structuredClone cost more than the rest of a start-up.
 */
function copy<T extends ImageRecord>(record: T): T {
  switch (record.type) {
    case 'Topic': {
      const { topic } = record;
      const partitions = topic.partitions.map((p) => ({ partition: p.partition, replicas: [...p.replicas], leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isr] }));
      return { ...record, topic: { name: topic.name, topicId: topic.topicId, configs: { ...topic.configs }, partitions } };
    }
    case 'PartitionChange':
      return { ...record, isr: [...record.isr] };
    case 'BrokerConfigs':
      return { ...record, configs: { ...record.configs } };
    case 'Brokers':
      // Endpoints are replaced, never changed.
      return { ...record, live: [...record.live] };
    default:
      // Cluster, RemoveTopic, ProducerIds, UserScramCredential, ClientQuota and the ACL records:
      // nothing in them is changed later.
      return { ...record };
  }
}

function metadataRecords(snapshot: readonly ImageRecord[]): MetadataRecord[] {
  return snapshot.filter((r): r is MetadataRecord => r.type !== 'Brokers').map(copy);
}

function brokersOf(snapshot: readonly ImageRecord[]): BrokerEndpoint[] | undefined {
  const record = [...snapshot].reverse().find((r): r is BrokersRecord => r.type === 'Brokers');
  return record && copy(record).live;
}
