import { ErrorCode, KafkaProtocolError } from '../../../protocol/error-codes.js';
import { absoluteRecords, decodeRecordBatchesSync, encodeRecordBatchSync } from '../../../protocol/records/index.js';
import { IsolationLevel, type Partition } from '../../cluster/partition.js';
import type { KafkaBroker } from '../../kafka-broker.js';
import { ClassicGroup } from './classic-group.js';
import { groupMetadataKey, groupMetadataValue, offsetCommitKey, offsetCommitValue, readOffsetsTopicRecord, type OffsetsTopicRecord } from './group-metadata-records.js';
import { partitionForKey } from './java-string-hash.js';
import { MemberMetadata } from './member-metadata.js';
import type { OffsetAndMetadata, TopicPartitionOffset } from './offset-and-metadata.js';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';
/** Kafka's offsets.topic.segment.bytes default: small segments so compaction can keep up. */
const OFFSETS_TOPIC_SEGMENT_BYTES = 104_857_600;
/** Kafka's offsets.load.buffer.size default. */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

type GroupValue = Extract<OffsetsTopicRecord, { kind: 'group' }>['value'];

/**
 * Keeps the groups and writes them to `__consumer_offsets` (Kafka's GroupMetadataManager):
 * creates the compacted topic on first use, places each group on a partition by the Java
 * hash of its id, appends group metadata and offset records in Kafka's formats, writes
 * tombstones for what is deleted, and rebuilds every group from the topic on startup.
 */
export class GroupMetadataManager {
  private readonly groups = new Map<string, ClassicGroup>();

  constructor(private readonly broker: KafkaBroker) {}

  get allGroups(): ClassicGroup[] {
    return [...this.groups.values()];
  }
  getGroup(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }
  /** Adds the group unless one with its id exists; returns the one kept. */
  addGroup(group: ClassicGroup): ClassicGroup {
    const existing = this.groups.get(group.groupId);
    if (existing) return existing;
    this.groups.set(group.groupId, group);
    return group;
  }
  removeGroup(groupId: string): void {
    this.groups.delete(groupId);
  }

  /** The topic's own partition count once it exists (it may differ from the config), else the config. */
  partitionCount(): number {
    return this.broker.metadata.topic(GROUP_METADATA_TOPIC)?.partitions.length ?? this.broker.config.int('offsets.topic.num.partitions');
  }

  partitionFor(groupId: string): number {
    return partitionForKey(groupId, this.partitionCount());
  }

  /**
   * Creates `__consumer_offsets` the first time a group needs it, as Kafka auto-creates its
   * internal topics. False when it cannot exist yet (e.g. its replication factor exceeds the
   * live brokers): callers answer COORDINATOR_NOT_AVAILABLE, and clients retry.
   */
  ensureOffsetsTopic(): boolean {
    if (this.broker.metadata.topic(GROUP_METADATA_TOPIC)) return true;
    try {
      this.broker.controller.createTopic({
        name: GROUP_METADATA_TOPIC,
        numPartitions: this.broker.config.int('offsets.topic.num.partitions'),
        replicationFactor: this.broker.config.int('offsets.topic.replication.factor'),
        configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(OFFSETS_TOPIC_SEGMENT_BYTES) },
      });
      return true;
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      this.broker.logger.warn(`cannot create ${GROUP_METADATA_TOPIC} yet: ${error.message}`);
      return false;
    }
  }

  /** This broker leads the group's partition of `__consumer_offsets`. */
  isCoordinatorFor(groupId: string): boolean {
    const index = this.partitionFor(groupId);
    const assignment = this.broker.metadata.topic(GROUP_METADATA_TOPIC)?.partitions[index];
    return assignment?.leaderId === this.broker.nodeId && this.broker.replicaManager.partition(GROUP_METADATA_TOPIC, index) !== undefined;
  }

  /** Persists the group's generation with the given assignments; returns an error code. */
  storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): number {
    return this.append(group.groupId, [{ key: groupMetadataKey(group.groupId), value: groupMetadataValue(group, assignment) }], false);
  }

  /** Persists the offsets in one batch, so a commit is all or nothing; returns an error code. */
  storeOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): number {
    return this.append(groupId, offsets.map((o) => ({ key: offsetCommitKey(groupId, o.topic, o.partition), value: offsetCommitValue(o) })), true);
  }

  /** Tombstones for removed offsets, and for the group itself when it is gone. */
  writeTombstones(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number }>, groupRemoved: boolean): void {
    const records = offsets.map((o) => ({ key: offsetCommitKey(groupId, o.topic, o.partition), value: null }));
    if (groupRemoved) records.push({ key: groupMetadataKey(groupId), value: null });
    if (records.length === 0) return;
    const error = this.append(groupId, records, false);
    if (error !== ErrorCode.NONE) this.broker.logger.warn(`cannot write tombstones for group ${groupId}: error ${error}`);
  }

  private append(groupId: string, records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>, forOffsets: boolean): number {
    if (records.length === 0) return ErrorCode.NONE;
    const partition = this.broker.replicaManager.partition(GROUP_METADATA_TOPIC, this.partitionFor(groupId));
    if (!partition) return ErrorCode.NOT_COORDINATOR;
    const now = this.broker.now();
    try {
      const blob = encodeRecordBatchSync({ records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
      const logAppendTime = partition.settings.log.messageTimestampType === 'LogAppendTime' ? now : null;
      partition.appendRecordsAsLeader(blob, logAppendTime);
      return ErrorCode.NONE;
    } catch (error) {
      return this.storageError(error, forOffsets);
    }
  }

  /** Kafka's mapping of a failed internal append to what group clients understand. */
  private storageError(error: unknown, forOffsets: boolean): number {
    this.broker.logger.warn(`append to ${GROUP_METADATA_TOPIC} failed: ${(error as Error)?.stack ?? error}`);
    if (!(error instanceof KafkaProtocolError)) return ErrorCode.UNKNOWN_SERVER_ERROR;
    switch (error.code) {
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      case ErrorCode.NOT_ENOUGH_REPLICAS:
      case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      case ErrorCode.KAFKA_STORAGE_ERROR:
        return ErrorCode.NOT_COORDINATOR;
      case ErrorCode.MESSAGE_TOO_LARGE:
      case ErrorCode.RECORD_LIST_TOO_LARGE:
      case ErrorCode.INVALID_FETCH_SIZE:
        return forOffsets ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR;
      default:
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /**
   * Rebuilds the groups from `__consumer_offsets` (latest record per key wins, tombstones
   * delete). Groups with members come back Stable so that running consumers carry on with
   * their generation; groups known only by offsets come back Empty.
   */
  load(): ClassicGroup[] {
    const topic = this.broker.metadata.topic(GROUP_METADATA_TOPIC);
    if (!topic) return [];
    const values = new Map<string, GroupValue>();
    const offsets = new Map<string, Map<string, TopicPartitionOffset>>();
    for (const partition of this.broker.replicaManager.partitionsOf(GROUP_METADATA_TOPIC)) {
      this.readPartition(partition, (record) => {
        if (record.kind === 'group') {
          values.set(record.group, record.value);
        } else if (record.kind === 'offset') {
          let byPartition = offsets.get(record.group);
          if (!byPartition) offsets.set(record.group, (byPartition = new Map()));
          const key = `${record.topic}\u0000${record.partition}`;
          if (record.value === null) byPartition.delete(key);
          else byPartition.set(key, { topic: record.topic, partition: record.partition, ...record.value });
        }
      });
    }
    const loaded: ClassicGroup[] = [];
    const ids = new Set([...values.keys(), ...offsets.keys()]);
    for (const groupId of ids) {
      const value = values.get(groupId) ?? null;
      const groupOffsets = [...(offsets.get(groupId)?.values() ?? [])];
      if (value === null && groupOffsets.length === 0) continue;
      const group = value ? this.groupFromValue(groupId, value) : new ClassicGroup(groupId, 'Empty', this.broker.now());
      for (const o of groupOffsets) group.putOffset(o.topic, o.partition, o as OffsetAndMetadata);
      this.groups.set(groupId, group);
      loaded.push(group);
    }
    return loaded;
  }

  private readPartition(partition: Partition, apply: (record: OffsetsTopicRecord) => void): void {
    let offset = partition.logStartOffset;
    while (offset < partition.highWatermark) {
      const read = partition.read(offset, LOAD_BUFFER_BYTES, IsolationLevel.READ_UNCOMMITTED, true);
      const batches = decodeRecordBatchesSync(read.records);
      const start = offset;
      for (const batch of batches) {
        if (!batch.isControl) {
          for (const record of absoluteRecords(batch)) {
            if (record.offset < BigInt(offset) || record.key === null) continue;
            try {
              apply(readOffsetsTopicRecord(record.key, record.value));
            } catch (error) {
              this.broker.logger.warn(`skipping unreadable record at ${partition.topic}-${partition.index}@${record.offset}: ${(error as Error).message}`);
            }
          }
        }
        offset = Math.max(offset, Number(batch.baseOffset) + batch.lastOffsetDelta + 1);
      }
      // Nothing readable past this point (an empty read or a batch we already passed).
      if (offset === start) break;
    }
  }

  private groupFromValue(groupId: string, value: NonNullable<GroupValue>): ClassicGroup {
    const now = this.broker.now();
    const group = new ClassicGroup(groupId, value.members.length === 0 ? 'Empty' : 'Stable', now);
    group.generationId = value.generation;
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.protocolName = value.protocol;
    group.leaderId = value.leader;
    const stateTimestamp = Number(value.currentStateTimestamp);
    group.currentStateTimestamp = stateTimestamp === -1 ? null : stateTimestamp;
    for (const m of value.members) {
      const protocols = value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }];
      const rebalanceTimeout = m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout;
      const member = new MemberMetadata(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, rebalanceTimeout, m.sessionTimeout, value.protocolType, protocols);
      member.assignment = m.assignment;
      group.members.set(member.memberId, member);
      if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    // A leader that is not among the members (an Empty group) is no leader.
    if (group.leaderId !== null && !group.members.has(group.leaderId)) group.leaderId = null;
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }
}
