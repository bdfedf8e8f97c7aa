// The group requests behind `streamwright consumer-groups`, as Kafka's AdminClient sends
// them: FindCoordinator, then ListGroups / DescribeGroups / OffsetFetch / OffsetCommit /
// DeleteGroups to the coordinator, and ListOffsets to partition leaders.
import { ErrorCode, KafkaProtocolError, isRetriable } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { ConsumerProtocolAssignment } from '../../protocol/generated/specs.js';
import { decodeMessage } from '../../protocol/schema/compile.js';
import { sleep, type ClusterClient } from '../../client/cluster-client.js';
import type { KafkaConnection } from '../../client/kafka-connection.js';

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  /** topic → partitions; empty unless the group is Stable. */
  assignment: Map<string, number[]>;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  members: GroupMember[];
}

/** `topic\0partition` → committed offset. */
export type CommittedOffsets = Map<string, { topic: string; partition: number; offset: number }>;

export const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The ConsumerProtocol Assignment of a member (int16 version + struct); empty when unreadable. */
function decodeAssignment(bytes: Buffer): Map<string, number[]> {
  if (bytes.length < 2) return new Map();
  try {
    const version = Math.max(0, Math.min(bytes.readInt16BE(0), 3));
    const decoded = decodeMessage<{ assignedPartitions: Array<{ topic: string; partitions: number[] }> }>(ConsumerProtocolAssignment, version, bytes.subarray(2), true);
    return new Map(decoded.assignedPartitions.map((a) => [a.topic, a.partitions]));
  } catch {
    return new Map();
  }
}

export class GroupAdminClient {
  constructor(private readonly cluster: ClusterClient) {}

  /** The group's coordinator, retrying while it is being created or loaded. */
  async coordinator(groupId: string): Promise<KafkaConnection> {
    for (let attempt = 0; ; attempt++) {
      const connection = await this.cluster.anyConnection();
      const version = connection.versionFor(ApiKeys.FindCoordinator);
      const response = await connection.request(ApiKeys.FindCoordinator, version, { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
      const found = version >= 4 ? response.coordinators[0]! : response;
      if (found.errorCode === ErrorCode.NONE) return this.cluster.connectionToNode(found.nodeId);
      if (!isRetriable(found.errorCode) || attempt >= 30) throw new KafkaProtocolError(found.errorCode, `FindCoordinator for group ${groupId}`);
      await sleep(Math.min(100 * 2 ** attempt, 1000));
    }
  }

  /** Every group of every broker (ListGroups goes to each broker: each lists its own groups). */
  async listGroups(): Promise<string[]> {
    const metadata = await this.cluster.metadata([]);
    const groups = new Set<string>();
    for (const nodeId of metadata.brokers.keys()) {
      const connection = await this.cluster.connectionToNode(nodeId);
      const response = await connection.request(ApiKeys.ListGroups, connection.versionFor(ApiKeys.ListGroups), { statesFilter: [], typesFilter: [] });
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `ListGroups on broker ${nodeId}`);
      for (const g of response.groups) groups.add(g.groupId);
    }
    return [...groups].sort();
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const connection = await this.coordinator(groupId);
    const response = await connection.request(ApiKeys.DescribeGroups, connection.versionFor(ApiKeys.DescribeGroups), { groups: [groupId], includeAuthorizedOperations: false });
    const group = response.groups[0]!;
    if (group.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(group.errorCode, `DescribeGroups for ${groupId}`);
    if (group.protocolType !== '' && group.protocolType !== 'consumer') throw new Error(`Group ${groupId} is not a consumer group.`);
    return {
      groupId,
      state: group.groupState,
      protocolType: group.protocolType,
      members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment: decodeAssignment(m.memberAssignment) })),
    };
  }

  async committedOffsets(groupId: string): Promise<CommittedOffsets> {
    const connection = await this.coordinator(groupId);
    const version = connection.versionFor(ApiKeys.OffsetFetch, { min: 2 });
    const response = await connection.request(ApiKeys.OffsetFetch, version, { groupId, topics: null, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: true });
    const errorCode = version >= 8 ? response.groups[0]!.errorCode : response.errorCode;
    if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, `OffsetFetch for ${groupId}`);
    const topics = version >= 8 ? response.groups[0]!.topics : response.topics;
    const out: CommittedOffsets = new Map();
    for (const t of topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(p.errorCode, `OffsetFetch for ${groupId} ${t.name}-${p.partitionIndex}`);
        if (p.committedOffset >= 0n) out.set(tpKey(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) });
      }
    }
    return out;
  }

  /** Commits offsets from outside the group (generation -1, no member), as a reset does. */
  async commitOffsets(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const connection = await this.coordinator(groupId);
    const topics = [...new Set(offsets.map((o) => o.topic))].map((name) => ({
      name,
      partitions: offsets.filter((o) => o.topic === name).map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: '' })),
    }));
    const response = await connection.request(ApiKeys.OffsetCommit, connection.versionFor(ApiKeys.OffsetCommit, { min: 2 }), {
      groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics,
    });
    for (const t of response.topics) {
      for (const p of t.partitions) if (p.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(p.errorCode, `OffsetCommit for ${t.name}-${p.partitionIndex}`);
    }
  }

  async deleteGroup(groupId: string): Promise<number> {
    const connection = await this.coordinator(groupId);
    const response = await connection.request(ApiKeys.DeleteGroups, connection.versionFor(ApiKeys.DeleteGroups), { groupsNames: [groupId] });
    return response.results.find((r) => r.groupId === groupId)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  /**
   * ListOffsets for partitions of one topic at a timestamp (-1 latest, -2 earliest), sent to
   * each partition's leader. An offset of -1 means no record at or after the timestamp.
   */
  async listOffsets(topic: string, partitions: readonly number[], timestamp: number): Promise<Map<number, number>> {
    const info = (await this.cluster.readyTopics([topic])).get(topic)!;
    const byLeader = new Map<number, number[]>();
    for (const p of partitions) {
      const leader = info.partitions.find((x) => x.partition === p)?.leaderId;
      if (leader === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${p}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const out = new Map<number, number>();
    for (const [leader, list] of byLeader) {
      const connection = await this.cluster.connectionToNode(leader);
      const version = connection.versionFor(ApiKeys.ListOffsets, { min: 1 });
      const response = await connection.request(ApiKeys.ListOffsets, version, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: list.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: BigInt(timestamp), maxNumOffsets: 1 })) }],
        timeoutMs: 30_000,
      });
      for (const p of response.topics[0]?.partitions ?? []) {
        if (p.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(p.errorCode, `ListOffsets for ${topic}-${p.partitionIndex}`);
        out.set(p.partitionIndex, Number(p.offset));
      }
    }
    return out;
  }

  /** Which of the topics exist (offsets may outlive their topic for a while). */
  async existingTopics(topics: readonly string[]): Promise<Set<string>> {
    if (topics.length === 0) return new Set();
    const metadata = await this.cluster.metadata(topics, { allowAutoTopicCreation: false });
    return new Set(metadata.topics.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => t.name));
  }

  /** The partition numbers of a topic (throws if it does not exist). */
  async partitionsOf(topic: string): Promise<number[]> {
    const info = (await this.cluster.readyTopics([topic], { timeoutMs: 5000 })).get(topic)!;
    return info.partitions.map((p) => p.partition);
  }
}
