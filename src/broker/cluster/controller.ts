import { ErrorCode } from '../../protocol/error-codes.js';
import { KafkaProtocolError } from '../../protocol/error-codes.js';
import { InvalidConfigError, ReadOnlyConfigError, validateBrokerConfigs, validateTopicConfigs, type ConfigValue } from '../config/broker-config.js';
import { ZERO_UUID } from '../../protocol/schema/uuid.js';
import type { ScramCredential } from '../security/sasl/scram-credential.js';
import type { ClientQuotaEntry } from '../quota/client-quota-entity.js';
import type { AclBinding } from '../security/authorizer/acl-binding.js';
import type { BrokerContext } from '../broker-context.js';
import type { ClusterMetadata, TopicMetadata } from './cluster-metadata.js';
import type { ClusterMembership } from './cluster-membership.js';
import type { ElectionResult, LeaderElector } from './leader-elector.js';
import type { MetadataPublisher } from './metadata-publisher.js';
import { checkPartitionLimits } from './partition-limits.js';
import { INTERNAL_TOPICS, invalidTopicNameReason } from './topic-names.js';

export interface CreateTopicSpec {
  name: string;
  /** -1: the broker's num.partitions. Ignored when `assignments` is given. */
  numPartitions: number;
  /** -1: the broker's default.replication.factor. Ignored when `assignments` is given. */
  replicationFactor: number;
  /** Explicit replica lists, partition by partition. */
  assignments?: ReadonlyArray<readonly number[]>;
  configs?: Readonly<Record<string, ConfigValue>>;
}

/** What CreateTopics reports back; the topic id is the zero uuid for validateOnly. */
export interface CreatedTopic {
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/** A topic created (or grown) whose partitions may still be being created: `ready` settles when they are. */
export interface PartitionsPending {
  ready: Promise<void> | null;
}

/** What the Controller works with. */
export interface ControllerDeps {
  readonly context: BrokerContext;
  /** The metadata it records its decisions in. */
  readonly metadata: ClusterMetadata;
  /** The brokers replicas may be placed on. */
  readonly membership: Pick<ClusterMembership, 'liveBrokers'>;
  /** Has every broker apply a recorded change. */
  readonly publisher: MetadataPublisher;
  /** The cluster's leader elections (a single broker's too: it is a cluster of one). */
  readonly elector: LeaderElector;
}

/**
 * Decides and records topic changes: names, partition counts, replica placement and config
 * overrides, then has the cluster's controller publish them to every broker (a single broker
 * is a cluster of one).
 */
export class Controller {
  private readonly metadata: ClusterMetadata;
  private readonly context: BrokerContext;

  constructor(private readonly deps: ControllerDeps) {
    this.metadata = deps.metadata;
    this.context = deps.context;
  }

  /** Validates and (unless validateOnly) creates a topic and all its partitions; throws KafkaProtocolError with Kafka's code. */
  createTopic(spec: CreateTopicSpec, validateOnly = false): CreatedTopic {
    const { ready: _, ...created } = this.createTopicInSlices(spec, validateOnly, false);
    return created;
  }

  /**
   * The same for a client's CreateTopics: the topic is in the metadata on return, its
   * partitions are created a slice at a time (a single broker) until `ready` settles.
   */
  createTopicInSlices(spec: CreateTopicSpec, validateOnly: boolean, inSlices = true): CreatedTopic & PartitionsPending {
    const reason = invalidTopicNameReason(spec.name);
    if (reason) throw new KafkaProtocolError(ErrorCode.INVALID_TOPIC_EXCEPTION, reason);
    if (this.metadata.topic(spec.name)) throw new KafkaProtocolError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    let configs: Record<string, string>;
    try {
      configs = validateTopicConfigs(spec.configs ?? {});
    } catch (error) {
      if (error instanceof InvalidConfigError) throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, error.message);
      throw error;
    }
    // The broker's own internal topics are bounded by their configs, and must not be refused
    // because clients used up the partition cap.
    const limited = !INTERNAL_TOPICS.has(spec.name);
    const assignments = spec.assignments && spec.assignments.length > 0
      ? this.checkAssignments(spec.assignments, limited)
      : this.place(spec.numPartitions, spec.replicationFactor, 0, limited);
    const summary = { numPartitions: assignments.length, replicationFactor: assignments[0]!.length, configs };
    if (validateOnly) return { topicId: ZERO_UUID, ...summary, ready: null };
    const topic = this.metadata.createTopic(spec.name, assignments, configs);
    const ready = this.deps.publisher.topicPartitionsChanged(topic, inSlices);
    this.context.logger.info(`created topic ${spec.name} with ${assignments.length} partitions`);
    return { topicId: topic.topicId, ...summary, ready };
  }

  /** Metadata and Produce auto-creation: broker defaults, no configs. */
  autoCreateTopic(name: string): TopicMetadata {
    this.createTopic({ name, numPartitions: -1, replicationFactor: -1 });
    return this.metadata.topic(name)!;
  }

  deleteTopic(name: string): TopicMetadata {
    if (!this.context.config.boolean('delete.topic.enable')) throw new KafkaProtocolError(ErrorCode.TOPIC_DELETION_DISABLED);
    if (!this.metadata.topic(name)) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const topic = this.metadata.deleteTopic(name);
    this.deps.publisher.topicDeleted(topic);
    this.context.logger.info(`deleted topic ${name}`);
    return topic;
  }

  /** Grows a topic; its new partitions are created a slice at a time (a single broker) until `ready` settles. */
  createPartitions(name: string, totalCount: number, assignments: ReadonlyArray<readonly number[]> | null, validateOnly: boolean): PartitionsPending {
    const topic = this.metadata.topic(name);
    if (!topic) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const current = topic.partitions.length;
    if (totalCount < current) throw new KafkaProtocolError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${totalCount}.`);
    if (totalCount === current) throw new KafkaProtocolError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    const added = totalCount - current;
    let newAssignments: number[][];
    if (assignments && assignments.length > 0) {
      if (assignments.length !== added) throw new KafkaProtocolError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.`);
      newAssignments = this.checkAssignments(assignments, true);
    } else {
      newAssignments = this.place(added, topic.partitions[0]?.replicas.length ?? 1, current, true);
    }
    if (validateOnly) return { ready: null };
    this.metadata.addPartitions(name, newAssignments);
    return { ready: this.deps.publisher.topicPartitionsChanged(topic, true) };
  }

  alterTopicConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): void {
    if (!this.metadata.topic(name)) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    let validated: Record<string, string>;
    try {
      validated = validateTopicConfigs(configs);
    } catch (error) {
      if (error instanceof InvalidConfigError) throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, error.message);
      throw error;
    }
    if (validateOnly) return;
    this.metadata.setTopicConfigs(name, validated);
    this.deps.publisher.topicConfigChanged(name);
  }

  /**
   * Sets the dynamic configs of a broker ("" = cluster default), replacing the previous set, and
   * has every broker apply them. As in Kafka since 3.2 (ConfigAdminManager), a broker's own
   * configs are changed through that broker, which validates them.
   */
  alterBrokerConfigs(resourceName: string, configs: Record<string, string>, validateOnly: boolean): void {
    if (resourceName !== '') {
      if (!/^-?\d+$/.test(resourceName)) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resourceName}`);
      if (Number(resourceName) !== this.context.nodeId) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.context.nodeId}, but received ${resourceName}`);
    }
    let validated: Record<string, string>;
    try {
      validated = validateBrokerConfigs(configs);
    } catch (error) {
      if (error instanceof InvalidConfigError) throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, error.message);
      if (error instanceof ReadOnlyConfigError) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, error.message);
      throw error;
    }
    if (validateOnly) return;
    this.metadata.setDynamicBrokerConfigs(resourceName, validated);
    this.deps.publisher.brokerConfigsChanged();
  }

  /** ElectLeaders: the cluster's controller elects them. */
  electLeaders(electionType: number, partitions: ReadonlyArray<{ topic: string; partition: number }> | null): ElectionResult[] {
    return this.deps.elector.electLeaders(electionType, partitions);
  }

  /** AlterUserScramCredentials: sets (or, with null, removes) a user's credential for one mechanism. */
  alterScramCredential(user: string, mechanism: string, credential: ScramCredential | null): void {
    this.metadata.setScramCredential(user, mechanism, credential);
  }

  /** AlterClientQuotas: an entity's new quota values (validated by the handler). */
  alterClientQuota(quota: ClientQuotaEntry): void {
    this.metadata.setClientQuota(quota);
  }

  /** CreateAcls: adds the (validated) ACLs to the cluster metadata. */
  createAcls(acls: readonly AclBinding[]): void {
    this.metadata.addAcls(acls);
  }

  /** DeleteAcls: removes ACLs from the cluster metadata. */
  deleteAcls(acls: readonly AclBinding[]): void {
    this.metadata.removeAcls(acls);
  }

  /**
   * Kafka's placement: leaders round-robin over the brokers, followers on the next ones. The
   * counts are checked (and, when `limited`, the partition caps) before anything is allocated.
   */
  private place(numPartitions: number, replicationFactor: number, firstPartition: number, limited: boolean): number[][] {
    const partitions = numPartitions === -1 ? this.context.config.int('num.partitions') : numPartitions;
    const factor = replicationFactor === -1 ? this.context.config.int('default.replication.factor') : replicationFactor;
    if (partitions <= 0) throw new KafkaProtocolError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    if (factor <= 0) throw new KafkaProtocolError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    const brokers = this.deps.membership.liveBrokers().map((b) => b.nodeId).sort((a, b) => a - b);
    if (factor > brokers.length) {
      throw new KafkaProtocolError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${factor} time(s): The target replication factor of ${factor} cannot be reached because only ${brokers.length} broker(s) are registered.`);
    }
    if (limited) checkPartitionLimits(this.context.config, this.metadata, partitions, factor);
    const out: number[][] = [];
    for (let p = 0; p < partitions; p++) {
      const first = (firstPartition + p) % brokers.length;
      out.push(Array.from({ length: factor }, (_, r) => brokers[(first + r) % brokers.length]!));
    }
    return out;
  }

  private checkAssignments(assignments: ReadonlyArray<readonly number[]>, limited: boolean): number[][] {
    if (limited) checkPartitionLimits(this.context.config, this.metadata, assignments.length, assignments[0]!.length);
    const live = new Set(this.deps.membership.liveBrokers().map((b) => b.nodeId));
    const factor = assignments[0]!.length;
    for (const replicas of assignments) {
      if (replicas.length === 0 || replicas.length !== factor) throw new KafkaProtocolError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'All partitions should have the same number of replicas.');
      if (new Set(replicas).size !== replicas.length) throw new KafkaProtocolError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Duplicate brokers in a replica assignment.');
      for (const id of replicas) if (!live.has(id)) throw new KafkaProtocolError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker ${id} in the replica assignment.`);
    }
    return assignments.map((r) => [...r]);
  }
}
