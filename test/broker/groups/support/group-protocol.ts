import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../../src/protocol/generated/messages.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../../../src/protocol/generated/specs.js';
import { decodeMessage, encodeMessage } from '../../../../src/protocol/schema/compile.js';
import type { KafkaConnection } from '../../../../src/client/kafka-connection.js';

/** ConsumerProtocol Subscription v0 bytes (int16 version + struct), as every client writes them. */
export function subscription(topics: string[]): Buffer {
  return Buffer.concat([Buffer.from([0, 0]), encodeMessage(ConsumerProtocolSubscription, 0, { topics, userData: null })]);
}

/** ConsumerProtocol Assignment v0 bytes. */
export function assignment(partitions: Record<string, number[]>): Buffer {
  const assignedPartitions = Object.entries(partitions).map(([topic, ps]) => ({ topic, partitions: ps }));
  return Buffer.concat([Buffer.from([0, 0]), encodeMessage(ConsumerProtocolAssignment, 0, { assignedPartitions, userData: null })]);
}

export function decodeAssignment(bytes: Buffer): Record<string, number[]> {
  const decoded = decodeMessage<{ assignedPartitions: Array<{ topic: string; partitions: number[] }> }>(ConsumerProtocolAssignment, 0, bytes.subarray(2), true);
  return Object.fromEntries(decoded.assignedPartitions.map((a) => [a.topic, a.partitions]));
}

export interface JoinOptions {
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  version?: number;
}

/** JoinGroup (v5 by default), answering MEMBER_ID_REQUIRED with the given id as clients do. */
export async function join(client: KafkaConnection, options: JoinOptions) {
  const version = options.version ?? 5;
  const body = {
    groupId: options.groupId,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 10_000,
    memberId: options.memberId ?? '',
    groupInstanceId: options.groupInstanceId ?? null,
    protocolType: options.protocolType ?? 'consumer',
    protocols: options.protocols ?? [{ name: 'range', metadata: subscription(['t']) }],
  };
  let response = await client.request(ApiKeys.JoinGroup, version, body);
  if (response.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
    response = await client.request(ApiKeys.JoinGroup, version, { ...body, memberId: response.memberId });
  }
  return response;
}

export function heartbeat(client: KafkaConnection, groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null, version = 3) {
  return client.request(ApiKeys.Heartbeat, version, { groupId, memberId, generationId, groupInstanceId });
}

export function sync(client: KafkaConnection, groupId: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }> = [], extra: { version?: number; groupInstanceId?: string | null; protocolType?: string | null; protocolName?: string | null } = {}) {
  return client.request(ApiKeys.SyncGroup, extra.version ?? 3, {
    groupId, memberId, generationId, groupInstanceId: extra.groupInstanceId ?? null, protocolType: extra.protocolType ?? null, protocolName: extra.protocolName ?? null, assignments,
  });
}

export function commit(client: KafkaConnection, groupId: string, memberId: string, generationId: number, offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }>, version = 7) {
  const topics = [...new Set(offsets.map((o) => o.topic))].map((name) => ({
    name,
    partitions: offsets.filter((o) => o.topic === name).map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: o.metadata ?? null })),
  }));
  return client.request(ApiKeys.OffsetCommit, version, { groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, topics });
}

export function commitErrors(response: { topics: Array<{ partitions: Array<{ errorCode: number }> }> }): number[] {
  return response.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

