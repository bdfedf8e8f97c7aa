import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUuid } from '../../protocol/schema/uuid.js';

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
}

const FILE = 'streamwright-metadata.json';

/**
 * What the cluster knows about topics: names, ids, partition assignments, leaders and config
 * overrides. Persisted as one JSON file in the data dir, replaced atomically on every change,
 * so a restarted broker comes back with the same topics and ids.
 */
export class ClusterMetadata {
  private readonly topicsByName = new Map<string, TopicMetadata>();
  private readonly topicsById = new Map<string, TopicMetadata>();
  private brokerConfigs: Record<string, Record<string, string>> = {};
  private nextProducerId = 0;

  private constructor(
    private readonly dataDir: string,
    readonly clusterId: string,
  ) {}

  static load(dataDir: string): ClusterMetadata {
    const path = join(dataDir, FILE);
    if (!existsSync(path)) {
      const metadata = new ClusterMetadata(dataDir, randomUuid());
      metadata.save();
      return metadata;
    }
    const state = JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
    const metadata = new ClusterMetadata(dataDir, state.clusterId);
    for (const topic of state.topics) metadata.index(topic);
    metadata.brokerConfigs = state.brokerConfigs ?? {};
    metadata.nextProducerId = state.nextProducerId ?? 0;
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
    this.save();
    return topic;
  }

  addPartitions(name: string, assignments: ReadonlyArray<readonly number[]>): TopicMetadata {
    const topic = this.require(name);
    for (const replicas of assignments) {
      topic.partitions.push({ partition: topic.partitions.length, replicas, leaderId: replicas[0]!, leaderEpoch: 0, isr: [...replicas] });
    }
    this.save();
    return topic;
  }

  setTopicConfigs(name: string, configs: Record<string, string>): void {
    this.require(name).configs = configs;
    this.save();
  }

  deleteTopic(name: string): TopicMetadata {
    const topic = this.require(name);
    this.topicsByName.delete(name);
    this.topicsById.delete(topic.topicId);
    this.save();
    return topic;
  }

  /** Dynamic configs of a broker ("" = the cluster-wide default). */
  dynamicBrokerConfigs(resourceName: string): Record<string, string> {
    return (this.brokerConfigs[resourceName] ??= {});
  }

  setDynamicBrokerConfigs(resourceName: string, configs: Record<string, string>): void {
    this.brokerConfigs[resourceName] = configs;
    this.save();
  }

  /**
   * Hands out the next block of `size` producer ids (Kafka's AllocateProducerIds): the block
   * is persisted before it is used, so no id is ever given out twice, even across restarts.
   * Returns the block's first id.
   */
  allocateProducerIdBlock(size: number): number {
    const first = this.nextProducerId;
    this.nextProducerId = first + size;
    this.save();
    return first;
  }

  /** Persists a change made to a partition's leader, epoch or ISR. */
  partitionChanged(): void {
    this.save();
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

  private save(): void {
    const state: PersistedState = { version: 1, clusterId: this.clusterId, topics: [...this.topicsByName.values()], brokerConfigs: this.brokerConfigs, nextProducerId: this.nextProducerId };
    const path = join(this.dataDir, FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 1));
    renameSync(`${path}.tmp`, path);
  }
}
