import { ErrorCode, KafkaProtocolError } from '../../../protocol/error-codes.js';
import { absoluteRecords, ControlRecordType, decodeRecordBatchesSync, encodeRecordBatchSync, transactionMarkerOf } from '../../../protocol/records/index.js';
import type { Partition } from '../../cluster/partition.js';
import type { CoordinatorDeps } from '../runtime/coordinator-context.js';
import type { CoordinatorTopic, InternalTopicSpec } from '../runtime/coordinator-topic.js';
import { ClassicGroup } from './classic-group.js';
import { groupMetadataKey, groupMetadataValue, offsetCommitKey, offsetCommitValue, readOffsetsTopicRecord, type OffsetsTopicRecord } from './group-metadata-records.js';
import { MemberMetadata } from './member-metadata.js';
import { topicPartitionKey, type OffsetAndMetadata, type TopicPartitionOffset } from './offset-and-metadata.js';
import { PendingTxnOffsets, type PendingTxnOffset } from './pending-txn-offsets.js';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';
/** Kafka's offsets.topic.segment.bytes default: small segments so compaction can keep up. */
const OFFSETS_TOPIC_SEGMENT_BYTES = 104_857_600;
/** Kafka's offsets.load.buffer.size default. */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;
/** Kafka's offsets.commit.timeout.ms default: how long an offset commit waits for the ISR. */
const OFFSET_COMMIT_TIMEOUT_MS = 5_000;

/** `__consumer_offsets` as the coordinator runtime creates and places it. */
export const OFFSETS_TOPIC: InternalTopicSpec = {
  name: GROUP_METADATA_TOPIC,
  kind: 'group',
  partitionsConfig: 'offsets.topic.num.partitions',
  replicationFactorConfig: 'offsets.topic.replication.factor',
  configs: () => ({ 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(OFFSETS_TOPIC_SEGMENT_BYTES) }),
};

type GroupValue = Extract<OffsetsTopicRecord, { kind: 'group' }>['value'];

/** Who writes a batch of offset records: a transactional producer gives its id and epoch. */
interface TxnProducer {
  producerId: number;
  producerEpoch: number;
}

/**
 * Keeps the groups and writes them to `__consumer_offsets` (Kafka's GroupMetadataManager):
 * appends group metadata and offset records in Kafka's formats to the group's partition (the
 * coordinator runtime's CoordinatorTopic creates the topic and places groups by the Java hash
 * of their id), writes tombstones for what is deleted, and rebuilds a partition's groups from
 * its log when this broker comes to lead it.
 *
 * Transactional offset commits are written as transactional batches of their producer and
 * kept pending until the transaction coordinator's marker reaches the partition: a COMMIT
 * makes them the group's offsets (unless a later plain commit superseded them), an ABORT
 * drops them. The load replays the same rule from the markers in the log.
 */
export class GroupMetadataManager {
  private readonly groups = new Map<string, ClassicGroup>();
  readonly pendingTxnOffsets = new PendingTxnOffsets();
  /** group id → topic-partition key → offset of the record the committed offset comes from. */
  private readonly committedRecordOffsets = new Map<string, Map<string, number>>();

  constructor(
    private readonly deps: CoordinatorDeps,
    /** `__consumer_offsets`, as the coordinator runtime runs it. */
    readonly topic: CoordinatorTopic,
  ) {}

  get allGroups(): ClassicGroup[] {
    return [...this.groups.values()];
  }
  getGroup(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }
  /**
   * Whether a request may create another group: streamwright.max.groups bounds what clients can
   * make the coordinator keep (groups that committed offsets live for offsets.retention.minutes).
   */
  canCreateGroup(): boolean {
    return this.groups.size < this.deps.context.config.int('streamwright.max.groups');
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
    this.committedRecordOffsets.delete(groupId);
  }

  /** The partition of `__consumer_offsets` that holds the group. */
  partitionFor(groupId: string): number {
    return this.topic.partitionFor(groupId);
  }

  /** This broker leads the group's partition of `__consumer_offsets`. */
  isCoordinatorFor(groupId: string): boolean {
    return this.topic.isLedHere(groupId);
  }

  /** Persists the group's generation with the given assignments; returns an error code. */
  storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): number {
    return this.append(group.groupId, [{ key: groupMetadataKey(group.groupId), value: groupMetadataValue(group, assignment) }], false);
  }

  /**
   * Persists the offsets in one batch, so a commit is all or nothing, and answers once the ISR
   * has it: Kafka's coordinator appends offsets with acks=-1, so a commit it acknowledged
   * survives the loss of its broker. `done` gets the error code (synchronously when the ISR
   * already has the batch, as on a single broker).
   */
  storeOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], done: (error: number) => void): void {
    if (offsets.length === 0) return done(ErrorCode.NONE);
    const partition = this.deps.partitions.partition(GROUP_METADATA_TOPIC, this.partitionFor(groupId));
    if (!partition) return done(ErrorCode.NOT_COORDINATOR);
    let batch: Buffer;
    try {
      batch = this.encodeBatch(offsets.map((o) => ({ key: offsetCommitKey(groupId, o.topic, o.partition), value: offsetCommitValue(o) })), null);
    } catch (error) {
      return done(this.storageError(error, true));
    }
    // The coordinator's batch gets the next offsets of the log.
    const baseOffset = partition.logEndOffset;
    this.deps.partitions.appendCoordinatorRecords(partition, batch, OFFSET_COMMIT_TIMEOUT_MS, (error) => {
      if (error === ErrorCode.NONE) offsets.forEach((o, i) => this.setRecordOffset(groupId, o.topic, o.partition, baseOffset + i));
      else this.deps.context.logger.warn(`offset commit of group ${groupId} to ${GROUP_METADATA_TOPIC}-${partition.index} failed: error ${error}`);
      done(clientError(error, true));
    });
  }

  /**
   * Persists offsets committed in a transaction, as a transactional batch of its producer;
   * they stay pending (invisible) until the transaction ends. Returns an error code.
   */
  storeTxnOffsets(groupId: string, producer: TxnProducer, offsets: readonly TopicPartitionOffset[]): number {
    const records = offsets.map((o) => ({ key: offsetCommitKey(groupId, o.topic, o.partition), value: offsetCommitValue(o) }));
    const { error, baseOffset } = this.appendRecords(groupId, records, true, producer);
    if (error === ErrorCode.NONE && offsets.length > 0) this.pendingTxnOffsets.add(producer.producerId, groupId, offsets.map((o, i) => ({ ...o, recordOffset: baseOffset + i })));
    return error;
  }

  /**
   * A transaction marker was written to partition `offsetsPartition` of `__consumer_offsets`:
   * the producer's pending offsets of the groups there become committed, or are dropped.
   */
  completeTxnOffsets(producerId: number, offsetsPartition: number, commit: boolean): void {
    const taken = this.pendingTxnOffsets.take(producerId, (groupId) => this.partitionFor(groupId) === offsetsPartition);
    if (!commit) return;
    for (const [groupId, offsets] of taken) {
      const group = this.getGroup(groupId) ?? this.addGroup(new ClassicGroup(groupId, 'Empty', this.deps.context.clock.now()));
      for (const o of offsets) this.applyCommitted(group, o);
    }
  }

  /** Makes a transactional offset the group's, unless a commit appended after it is already there (Kafka's olderThan). */
  private applyCommitted(group: ClassicGroup, o: PendingTxnOffset): void {
    const current = this.committedRecordOffsets.get(group.groupId)?.get(topicPartitionKey(o.topic, o.partition));
    if (group.offset(o.topic, o.partition) !== undefined && current !== undefined && current > o.recordOffset) return;
    const { recordOffset: _recordOffset, topic, partition, ...offset } = o;
    group.putOffset(topic, partition, offset);
    this.setRecordOffset(group.groupId, topic, partition, o.recordOffset);
  }

  private setRecordOffset(groupId: string, topic: string, partition: number, recordOffset: number): void {
    let byPartition = this.committedRecordOffsets.get(groupId);
    if (!byPartition) this.committedRecordOffsets.set(groupId, (byPartition = new Map()));
    byPartition.set(topicPartitionKey(topic, partition), recordOffset);
  }

  /** Tombstones for removed offsets, and for the group itself when it is gone. */
  writeTombstones(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number }>, groupRemoved: boolean): void {
    const records = offsets.map((o) => ({ key: offsetCommitKey(groupId, o.topic, o.partition), value: null }));
    if (groupRemoved) records.push({ key: groupMetadataKey(groupId), value: null });
    if (records.length === 0) return;
    const error = this.append(groupId, records, false);
    if (error !== ErrorCode.NONE) this.deps.context.logger.warn(`cannot write tombstones for group ${groupId}: error ${error}`);
  }

  private append(groupId: string, records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>, forOffsets: boolean): number {
    return this.appendRecords(groupId, records, forOffsets, null).error;
  }

  private appendRecords(groupId: string, records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>, forOffsets: boolean, producer: TxnProducer | null): { error: number; baseOffset: number } {
    if (records.length === 0) return { error: ErrorCode.NONE, baseOffset: -1 };
    const partition = this.deps.partitions.partition(GROUP_METADATA_TOPIC, this.partitionFor(groupId));
    if (!partition) return { error: ErrorCode.NOT_COORDINATOR, baseOffset: -1 };
    try {
      const blob = this.encodeBatch(records, producer);
      const logAppendTime = partition.settings.log.messageTimestampType === 'LogAppendTime' ? this.deps.context.clock.now() : null;
      const info = partition.appendRecordsAsLeader(blob, logAppendTime, 'coordinator');
      return { error: ErrorCode.NONE, baseOffset: info.baseOffset };
    } catch (error) {
      return { error: this.storageError(error, forOffsets), baseOffset: -1 };
    }
  }

  private encodeBatch(records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>, producer: TxnProducer | null): Buffer {
    const now = this.deps.context.clock.now();
    const txn = producer === null ? {} : { producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: 0, transactional: true };
    return encodeRecordBatchSync({ ...txn, records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
  }

  private storageError(error: unknown, forOffsets: boolean): number {
    this.deps.context.logger.warn(`append to ${GROUP_METADATA_TOPIC} failed: ${(error as Error)?.stack ?? error}`);
    return error instanceof KafkaProtocolError ? clientError(error.code, forOffsets) : ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  /**
   * Rebuilds the groups of partition `index` of `__consumer_offsets` from its log when this
   * broker leads it (latest record per key wins, tombstones delete). Groups with members come
   * back Stable so that running consumers carry on with their generation; groups known only by
   * offsets come back Empty.
   */
  load(index: number): ClassicGroup[] {
    const topic = this.deps.metadata.topic(GROUP_METADATA_TOPIC);
    if (!topic) return [];
    const values = new Map<string, GroupValue>();
    const offsets = new Map<string, Map<string, PendingTxnOffset>>();
    const putOffset = (group: string, o: PendingTxnOffset) => {
      let byPartition = offsets.get(group);
      if (!byPartition) offsets.set(group, (byPartition = new Map()));
      const key = topicPartitionKey(o.topic, o.partition);
      const current = byPartition.get(key);
      // A transaction committed late does not override a plain commit appended after it.
      if (current === undefined || current.recordOffset < o.recordOffset) byPartition.set(key, o);
    };
    // Only a partition led here: its groups are coordinated by this broker.
    for (const partition of this.deps.partitions.partitionsOf(GROUP_METADATA_TOPIC).filter((p) => p.isLeader && p.index === index)) {
      // Transactional commits of this partition by producer, until their marker.
      const open = new Map<number, Map<string, PendingTxnOffset[]>>();
      this.readPartition(partition, (record, offset, producerId) => {
        if (record.kind === 'group') {
          values.set(record.group, record.value);
        } else if (record.kind === 'offset') {
          if (record.value === null) {
            offsets.get(record.group)?.delete(topicPartitionKey(record.topic, record.partition));
            return;
          }
          const o = { topic: record.topic, partition: record.partition, ...record.value, recordOffset: offset };
          if (producerId === null) return putOffset(record.group, o);
          let groups = open.get(producerId);
          if (!groups) open.set(producerId, (groups = new Map()));
          groups.set(record.group, [...(groups.get(record.group) ?? []), o]);
        }
      }, (producerId, commit) => {
        const groups = open.get(producerId);
        open.delete(producerId);
        if (commit) for (const [group, list] of groups ?? []) for (const o of list) putOffset(group, o);
      });
      // Transactions still open: their marker comes later (the transaction coordinator completes them).
      for (const [producerId, groups] of open) for (const [group, list] of groups) this.pendingTxnOffsets.add(producerId, group, list);
    }
    const loaded: ClassicGroup[] = [];
    const ids = new Set([...values.keys(), ...offsets.keys()]);
    for (const groupId of ids) {
      const value = values.get(groupId) ?? null;
      const groupOffsets = [...(offsets.get(groupId)?.values() ?? [])];
      if (value === null && groupOffsets.length === 0) continue;
      const group = value ? this.groupFromValue(groupId, value) : new ClassicGroup(groupId, 'Empty', this.deps.context.clock.now());
      for (const { recordOffset, ...o } of groupOffsets) {
        group.putOffset(o.topic, o.partition, o as OffsetAndMetadata);
        this.setRecordOffset(groupId, o.topic, o.partition, recordOffset);
      }
      this.groups.set(groupId, group);
      loaded.push(group);
    }
    return loaded;
  }

  /**
   * Reads the partition's records in order: `apply` gets each record with its offset and, for
   * transactional batches, the producer id; `onMarker` each transaction marker.
   */
  private readPartition(
    partition: Partition,
    apply: (record: OffsetsTopicRecord, offset: number, producerId: number | null) => void,
    onMarker: (producerId: number, commit: boolean) => void,
  ): void {
    let offset = partition.logStartOffset;
    // A broker that just became leader may have a high watermark behind what its ISR already
    // holds (it learns the old leader's with its next fetch): load to the log end.
    const end = partition.logEndOffset;
    while (offset < end) {
      const read = partition.readForFollower(offset, LOAD_BUFFER_BYTES, true);
      const batches = decodeRecordBatchesSync(read.records);
      const start = offset;
      for (const batch of batches) {
        if (batch.isControl) {
          const marker = Number(batch.baseOffset) >= offset ? transactionMarkerOf(batch) : null;
          if (marker !== null) onMarker(Number(marker.producerId), marker.type === ControlRecordType.Commit);
        } else {
          const producerId = batch.isTransactional ? Number(batch.producerId) : null;
          for (const record of absoluteRecords(batch)) {
            if (record.offset < BigInt(offset) || record.key === null) continue;
            try {
              apply(readOffsetsTopicRecord(record.key, record.value), Number(record.offset), producerId);
            } catch (error) {
              this.deps.context.logger.warn(`skipping unreadable record at ${partition.topic}-${partition.index}@${record.offset}: ${(error as Error).message}`);
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
    const now = this.deps.context.clock.now();
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

/** Kafka's mapping of the outcome of an internal append to what group clients understand. */
function clientError(code: number, forOffsets: boolean): number {
  switch (code) {
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
    case ErrorCode.NONE:
    case ErrorCode.REQUEST_TIMED_OUT:
    // falls through: a transactional commit of a fenced producer (the partition's producer state refused it).
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.INVALID_TXN_STATE:
      return code;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
