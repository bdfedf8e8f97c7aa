import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUuid } from '../../protocol/schema/uuid.js';
import { fsyncDirectory, writeFileAtomically } from '../storage/atomic-file.js';
import { withDescriptors } from '../storage/file-handle-cache.js';
import type { ScramCredential } from '../security/sasl/scram-credential.js';
import { entityKey, type ClientQuotaEntry } from '../quota/client-quota-entity.js';
import { sameAcl, type AclBinding } from '../security/authorizer/acl-binding.js';

export interface PartitionAssignment {
  readonly partition: number;
  readonly replicas: readonly number[];
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: PartitionAssignment[];
  /** Topic-level config overrides (DescribeConfigs source DYNAMIC_TOPIC_CONFIG). */
  configs: Record<string, string>;
}

interface PersistedState {
  version: 1;
  clusterId: string;
  topics: TopicMetadata[];
  /** Dynamic broker configs by resource name: a node id, or "" for the cluster default. */
  brokerConfigs?: Record<string, Record<string, string>>;
  /** The first producer id not handed out yet (Kafka's ProducerIdsRecord.nextProducerId). */
  nextProducerId?: number;
  /** SCRAM credentials by user and mechanism. */
  scramCredentials?: Record<string, Record<string, StoredScramCredential>>;
  /** Client quotas (Kafka's ClientQuotaRecord), one entry per entity. */
  clientQuotas?: ClientQuotaEntry[];
  /** The ACLs (CreateAcls / DeleteAcls). */
  acls?: AclBinding[];
}

/** A SCRAM credential as JSON (Kafka's UserScramCredentialRecord): base64 bytes, never a password. */
export interface StoredScramCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

const FILE = 'streamwright-metadata.json';
/** The cluster's metadata log (replication): one JSON record per line, appended, replayed on start. */
const LOG_FILE = 'metadata.log';
/** Past this many records the log is rewritten as the records of the current state. */
const LOG_COMPACT_RECORDS = 10_000;

/**
 * A record of the metadata log. Each one carries the new state of what changed (a whole
 * topic, one partition's leader/epoch/ISR, a config resource, the producer id counter), so
 * replaying the log in order rebuilds the state.
 */
export type MetadataRecord =
  | { type: 'Cluster'; clusterId: string }
  | { type: 'Topic'; topic: TopicMetadata }
  | { type: 'RemoveTopic'; name: string }
  | { type: 'PartitionChange'; topic: string; partition: number; leaderId: number; leaderEpoch: number; isr: number[] }
  | { type: 'BrokerConfigs'; resource: string; configs: Record<string, string> }
  | { type: 'ProducerIds'; nextProducerId: number }
  | { type: 'UserScramCredential'; user: string; mechanism: string; credential: StoredScramCredential | null }
  | { type: 'ClientQuota'; quota: ClientQuotaEntry }
  | { type: 'AccessControlEntry'; acl: AclBinding }
  | { type: 'RemoveAccessControlEntry'; acl: AclBinding };

/**
 * What the cluster's controller knows about topics: names, ids, partition assignments, leaders
 * and config overrides. Persisted as one JSON file in a single broker's data dir, replaced
 * atomically on every change (or as the metadata log of an embedded cluster), so a restarted
 * broker comes back with the same topics and ids. Every change is also told, as records, to
 * the listeners (the controller, which sends them to the brokers' images); a broker's image is
 * an in-memory instance rebuilt from those records.
 */
export class ClusterMetadata {
  private readonly topicsByName = new Map<string, TopicMetadata>();
  private readonly topicsById = new Map<string, TopicMetadata>();
  private brokerConfigs: Record<string, Record<string, string>> = {};
  private nextProducerId = 0;
  private scramCredentials: Record<string, Record<string, StoredScramCredential>> = {};
  private readonly quotasByEntity = new Map<string, ClientQuotaEntry>();
  private aclList: AclBinding[] = [];
  /** Log mode (a cluster's controller): changes are appended to `metadata.log` instead of replacing the snapshot file. */
  private logRecords = -1;
  /** Log mode: each append is fsynced before the change is used (a broker's own data dir). */
  private syncAppends = false;
  /** Told every change as records, after it is persisted (the controller sends them to the brokers' images). */
  private readonly recordListeners: Array<(records: readonly MetadataRecord[]) => void> = [];

  private constructor(
    /** Null: kept in memory only (a broker's metadata image). */
    private readonly dataDir: string | null,
    readonly clusterId: string,
  ) {}

  /** Metadata kept in memory only, rebuilt from records (a broker's image of the controller's metadata). */
  static inMemory(records: readonly MetadataRecord[]): ClusterMetadata {
    const first = records[0];
    if (first?.type !== 'Cluster') throw new Error('metadata records must start with a Cluster record');
    const metadata = new ClusterMetadata(null, first.clusterId);
    for (const record of records.slice(1)) metadata.replay(record);
    return metadata;
  }

  /** Calls `listener` with the records of every later change. */
  onRecords(listener: (records: readonly MetadataRecord[]) => void): void {
    this.recordListeners.push(listener);
  }

  /**
   * The metadata of a replicated cluster, kept as an append-only log of JSON records
   * (`<dir>/metadata.log`, one per line) and rebuilt by replaying it. A torn last line (a
   * crash while appending) is ignored. A directory holding only the snapshot file of an older
   * version is converted (the snapshot file is removed once the log holds its state). With
   * `fsync`, every append is on disk before the change is used, as the snapshot file was.
   */
  static loadLog(dir: string, options: { fsync?: boolean } = {}): ClusterMetadata {
    const path = join(dir, LOG_FILE);
    if (!existsSync(path)) {
      const snapshot = join(dir, FILE);
      const converted = existsSync(snapshot);
      const metadata = converted ? ClusterMetadata.load(dir) : new ClusterMetadata(dir, randomUuid());
      metadata.logRecords = 0;
      metadata.syncAppends = options.fsync ?? false;
      metadata.rewriteLog();
      if (converted) {
        rmSync(snapshot, { force: true });
        fsyncDirectory(dir);
      }
      return metadata;
    }
    const records: MetadataRecord[] = [];
    let torn = false;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as MetadataRecord);
      } catch {
        torn = true; // a torn tail
        break;
      }
    }
    const first = records[0];
    if (first?.type !== 'Cluster') throw new Error(`${path} does not start with a Cluster record`);
    const metadata = new ClusterMetadata(dir, first.clusterId);
    for (const record of records.slice(1)) metadata.replay(record);
    metadata.logRecords = records.length;
    metadata.syncAppends = options.fsync ?? false;
    // Records appended after a torn line would be lost at the next start: the log starts afresh.
    if (torn) metadata.rewriteLog();
    return metadata;
  }

  /** Applies one record (a broker replaying what its controller sent); nothing is persisted. */
  replay(record: MetadataRecord): void {
    switch (record.type) {
      case 'Cluster':
        return;
      case 'Topic': {
        const old = this.topicsByName.get(record.topic.name);
        if (old) this.topicsById.delete(old.topicId);
        this.index(record.topic);
        return;
      }
      case 'RemoveTopic': {
        const topic = this.topicsByName.get(record.name);
        if (!topic) return;
        this.topicsByName.delete(record.name);
        this.topicsById.delete(topic.topicId);
        return;
      }
      case 'PartitionChange': {
        const assignment = this.topicsByName.get(record.topic)?.partitions[record.partition];
        if (!assignment) return;
        assignment.leaderId = record.leaderId;
        assignment.leaderEpoch = record.leaderEpoch;
        assignment.isr = [...record.isr];
        return;
      }
      case 'BrokerConfigs':
        this.brokerConfigs[record.resource] = record.configs;
        return;
      case 'ProducerIds':
        this.nextProducerId = record.nextProducerId;
        return;
      case 'UserScramCredential':
        this.applyScram(record.user, record.mechanism, record.credential);
        return;
      case 'ClientQuota':
        this.applyClientQuota(record.quota);
        return;
      case 'AccessControlEntry':
        if (!this.aclList.some((acl) => sameAcl(acl, record.acl))) this.aclList.push(record.acl);
        return;
      case 'RemoveAccessControlEntry':
        this.aclList = this.aclList.filter((acl) => !sameAcl(acl, record.acl));
        return;
    }
  }

  /** The current state as records (what a compacted log holds, and a snapshot for a broker's image). */
  stateRecords(): MetadataRecord[] {
    return [
      { type: 'Cluster', clusterId: this.clusterId },
      ...[...this.topicsByName.values()].map((topic): MetadataRecord => ({ type: 'Topic', topic })),
      ...Object.entries(this.brokerConfigs).map(([resource, configs]): MetadataRecord => ({ type: 'BrokerConfigs', resource, configs })),
      { type: 'ProducerIds', nextProducerId: this.nextProducerId },
      ...Object.entries(this.scramCredentials).flatMap(([user, byMechanism]) =>
        Object.entries(byMechanism).map(([mechanism, credential]): MetadataRecord => ({ type: 'UserScramCredential', user, mechanism, credential })),
      ),
      ...[...this.quotasByEntity.values()].map((quota): MetadataRecord => ({ type: 'ClientQuota', quota })),
      ...this.aclList.map((acl): MetadataRecord => ({ type: 'AccessControlEntry', acl })),
    ];
  }

  private rewriteLog(): void {
    const records = this.stateRecords();
    const path = join(this.dataDir!, LOG_FILE);
    writeFileAtomically(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    this.logRecords = records.length;
  }

  /** Persists a change: appended as records in log mode, else the snapshot file is replaced. */
  private persist(records: () => MetadataRecord[]): void {
    const list = this.logRecords >= 0 || this.recordListeners.length > 0 ? records() : [];
    if (this.dataDir === null) {
      // In memory only.
    } else if (this.logRecords < 0) {
      this.save(this.dataDir);
    } else {
      this.append(list.map((r) => JSON.stringify(r)).join('\n') + '\n');
      this.logRecords += list.length;
      if (this.logRecords > LOG_COMPACT_RECORDS) this.rewriteLog();
    }
    for (const listener of this.recordListeners) listener(list);
  }

  /** Appends to the log: the cost of a change is its own records, not the whole state. */
  private append(text: string): void {
    const path = join(this.dataDir!, LOG_FILE);
    withDescriptors(() => {
      const fd = openSync(path, 'a');
      try {
        writeFileSync(fd, text);
        if (this.syncAppends) fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  static load(dataDir: string): ClusterMetadata {
    const path = join(dataDir, FILE);
    if (!existsSync(path)) {
      const metadata = new ClusterMetadata(dataDir, randomUuid());
      metadata.save(dataDir);
      return metadata;
    }
    const state = JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
    const metadata = new ClusterMetadata(dataDir, state.clusterId);
    for (const topic of state.topics) metadata.index(topic);
    metadata.brokerConfigs = state.brokerConfigs ?? {};
    metadata.nextProducerId = state.nextProducerId ?? 0;
    metadata.scramCredentials = state.scramCredentials ?? {};
    for (const quota of state.clientQuotas ?? []) metadata.applyClientQuota(quota);
    metadata.aclList = state.acls ?? [];
    return metadata;
  }

  get topics(): IterableIterator<TopicMetadata> {
    return this.topicsByName.values();
  }
  topic(name: string): TopicMetadata | undefined {
    return this.topicsByName.get(name);
  }
  topicById(id: string): TopicMetadata | undefined {
    return this.topicsById.get(id);
  }

  createTopic(name: string, assignments: ReadonlyArray<readonly number[]>, configs: Record<string, string>): TopicMetadata {
    const topic: TopicMetadata = {
      name,
      topicId: randomUuid(),
      configs,
      partitions: assignments.map((replicas, partition) => ({ partition, replicas, leaderId: replicas[0]!, leaderEpoch: 0, isr: [...replicas] })),
    };
    this.index(topic);
    this.persist(() => [{ type: 'Topic', topic }]);
    return topic;
  }

  addPartitions(name: string, assignments: ReadonlyArray<readonly number[]>): TopicMetadata {
    const topic = this.require(name);
    for (const replicas of assignments) {
      topic.partitions.push({ partition: topic.partitions.length, replicas, leaderId: replicas[0]!, leaderEpoch: 0, isr: [...replicas] });
    }
    this.persist(() => [{ type: 'Topic', topic }]);
    return topic;
  }

  setTopicConfigs(name: string, configs: Record<string, string>): void {
    const topic = this.require(name);
    topic.configs = configs;
    this.persist(() => [{ type: 'Topic', topic }]);
  }

  deleteTopic(name: string): TopicMetadata {
    const topic = this.require(name);
    this.topicsByName.delete(name);
    this.topicsById.delete(topic.topicId);
    this.persist(() => [{ type: 'RemoveTopic', name }]);
    return topic;
  }

  /** Dynamic configs of a broker ("" = the cluster-wide default). */
  dynamicBrokerConfigs(resourceName: string): Record<string, string> {
    return (this.brokerConfigs[resourceName] ??= {});
  }

  setDynamicBrokerConfigs(resourceName: string, configs: Record<string, string>): void {
    this.brokerConfigs[resourceName] = configs;
    this.persist(() => [{ type: 'BrokerConfigs', resource: resourceName, configs }]);
  }

  /**
   * Hands out the next block of `size` producer ids (Kafka's AllocateProducerIds): the block
   * is persisted before it is used, so no id is ever given out twice, even across restarts.
   * Returns the block's first id.
   */
  allocateProducerIdBlock(size: number): number {
    const first = this.nextProducerId;
    this.nextProducerId = first + size;
    this.persist(() => [{ type: 'ProducerIds', nextProducerId: this.nextProducerId }]);
    return first;
  }

  /** Persists a change made to partitions' leaders, epochs or ISRs (all of them when none are named). */
  partitionChanged(changed?: ReadonlyArray<{ topic: string; partition: number }>): void {
    this.persist(() => {
      const list = changed ?? [...this.topicsByName.values()].flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
      return list.flatMap(({ topic, partition }): MetadataRecord[] => {
        const a = this.topicsByName.get(topic)?.partitions[partition];
        return a ? [{ type: 'PartitionChange', topic, partition, leaderId: a.leaderId, leaderEpoch: a.leaderEpoch, isr: [...a.isr] }] : [];
      });
    });
  }

  /** A user's SCRAM credential for one mechanism. */
  scramCredential(user: string, mechanism: string): ScramCredential | undefined {
    const stored = Object.hasOwn(this.scramCredentials, user) && Object.hasOwn(this.scramCredentials[user]!, mechanism) ? this.scramCredentials[user]![mechanism] : undefined;
    if (!stored) return undefined;
    return { salt: Buffer.from(stored.salt, 'base64'), storedKey: Buffer.from(stored.storedKey, 'base64'), serverKey: Buffer.from(stored.serverKey, 'base64'), iterations: stored.iterations };
  }

  /** Users with SCRAM credentials and the iterations of each mechanism. */
  scramUsers(): Map<string, Array<{ mechanism: string; iterations: number }>> {
    return new Map(Object.entries(this.scramCredentials).map(([user, byMechanism]) => [user, Object.entries(byMechanism).map(([mechanism, c]) => ({ mechanism, iterations: c.iterations }))]));
  }

  /** Adds, replaces (credential) or removes (null) a user's SCRAM credential, persisted before it is used. */
  setScramCredential(user: string, mechanism: string, credential: ScramCredential | null): void {
    const stored = credential && { salt: credential.salt.toString('base64'), storedKey: credential.storedKey.toString('base64'), serverKey: credential.serverKey.toString('base64'), iterations: credential.iterations };
    this.applyScram(user, mechanism, stored);
    this.persist(() => [{ type: 'UserScramCredential', user, mechanism, credential: stored }]);
  }

  private applyScram(user: string, mechanism: string, credential: StoredScramCredential | null): void {
    if (credential) {
      (this.scramCredentials[user] ??= {})[mechanism] = credential;
      return;
    }
    const byMechanism = this.scramCredentials[user];
    if (!byMechanism) return;
    delete byMechanism[mechanism];
    if (Object.keys(byMechanism).length === 0) delete this.scramCredentials[user];
  }

  /** Every client quota, by entity key (quota/client-quota-entity.ts). */
  clientQuotas(): ReadonlyMap<string, ClientQuotaEntry> {
    return this.quotasByEntity;
  }

  /** Replaces an entity's quota values (none: the entity has no quota any more), persisted before they apply. */
  setClientQuota(quota: ClientQuotaEntry): void {
    this.applyClientQuota(quota);
    this.persist(() => [{ type: 'ClientQuota', quota }]);
  }

  private applyClientQuota(quota: ClientQuotaEntry): void {
    const key = entityKey(quota.entity);
    if (Object.keys(quota.values).length === 0) this.quotasByEntity.delete(key);
    else this.quotasByEntity.set(key, quota);
  }

  /** Every ACL of the cluster. */
  acls(): readonly AclBinding[] {
    return this.aclList;
  }

  /** Adds ACLs (an existing one is left as it is), persisted before any check uses them. */
  addAcls(acls: readonly AclBinding[]): void {
    const added = acls.filter((acl, i) => !this.aclList.some((known) => sameAcl(known, acl)) && acls.findIndex((other) => sameAcl(other, acl)) === i);
    if (added.length === 0) return;
    this.aclList = [...this.aclList, ...added];
    this.persist(() => added.map((acl): MetadataRecord => ({ type: 'AccessControlEntry', acl })));
  }

  /** Removes ACLs, persisted. */
  removeAcls(acls: readonly AclBinding[]): void {
    const removed = this.aclList.filter((known) => acls.some((acl) => sameAcl(known, acl)));
    if (removed.length === 0) return;
    this.aclList = this.aclList.filter((known) => !removed.includes(known));
    this.persist(() => removed.map((acl): MetadataRecord => ({ type: 'RemoveAccessControlEntry', acl })));
  }

  private require(name: string): TopicMetadata {
    const topic = this.topicsByName.get(name);
    if (!topic) throw new Error(`unknown topic ${name}`);
    return topic;
  }

  private index(topic: TopicMetadata): void {
    this.topicsByName.set(topic.name, topic);
    this.topicsById.set(topic.topicId, topic);
  }

  private save(dataDir: string): void {
    const state: PersistedState = { version: 1, clusterId: this.clusterId, topics: [...this.topicsByName.values()], brokerConfigs: this.brokerConfigs, nextProducerId: this.nextProducerId, scramCredentials: this.scramCredentials, clientQuotas: [...this.quotasByEntity.values()], acls: this.aclList };
    const path = join(dataDir, FILE);
    writeFileAtomically(path, JSON.stringify(state, null, 1));
  }
}
