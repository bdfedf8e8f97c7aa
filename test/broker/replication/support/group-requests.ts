import { KafkaConnection } from '../../../../src/client/kafka-connection.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../../src/protocol/generated/messages.js';
import type { EmbeddedKafka } from '../../../../src/broker/embedded-kafka.js';
import type { Cleanup } from '../../../support/broker-harness.js';
import { assignment, subscription } from '../../groups/support/group-protocol.js';

// Group coordinator requests sent with the project's wire client (src/client), one connection
// per broker, for tests that look at what each broker answers.

export { assignment, subscription };

/** A connection to broker `nodeId`, closed by `cleanup`. */
export async function connectTo(kafka: EmbeddedKafka, nodeId: number, cleanup: Cleanup, clientId = 'group-requests'): Promise<KafkaConnection> {
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: kafka.broker(nodeId).port, clientId, requestTimeoutMs: 20_000 });
  cleanup.add(() => connection.close());
  return connection;
}

/** FindCoordinator v4 (batched) for one group: the error and the node named. */
export async function findGroupCoordinator(connection: KafkaConnection, groupId: string): Promise<{ errorCode: number; nodeId: number }> {
  const response = await connection.request(ApiKeys.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: [groupId] });
  const found = response.coordinators[0]!;
  return { errorCode: found.errorCode, nodeId: found.nodeId };
}

export interface JoinedMember {
  memberId: string;
  generationId: number;
  leader: string;
  errorCode: number;
}

/** JoinGroup v5 as a consumer of `topics`, answering MEMBER_ID_REQUIRED with the id given, as clients do. */
export async function joinGroup(connection: KafkaConnection, groupId: string, topics: string[], memberId = '', sessionTimeoutMs = 10_000): Promise<JoinedMember> {
  const body = { groupId, sessionTimeoutMs, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(topics) }] };
  let response = await connection.request(ApiKeys.JoinGroup, 5, body);
  if (response.errorCode === ErrorCode.MEMBER_ID_REQUIRED) response = await connection.request(ApiKeys.JoinGroup, 5, { ...body, memberId: response.memberId });
  return { memberId: response.memberId, generationId: response.generationId, leader: response.leader, errorCode: response.errorCode };
}

export async function syncGroup(connection: KafkaConnection, groupId: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }> = []) {
  return connection.request(ApiKeys.SyncGroup, 3, { groupId, memberId, generationId, groupInstanceId: null, protocolType: null, protocolName: null, assignments });
}

export async function heartbeat(connection: KafkaConnection, groupId: string, memberId: string, generationId: number): Promise<number> {
  return (await connection.request(ApiKeys.Heartbeat, 3, { groupId, memberId, generationId, groupInstanceId: null })).errorCode;
}

/** OffsetCommit v7; one error code per partition. */
export async function commitOffsets(connection: KafkaConnection, groupId: string, memberId: string, generationId: number, topic: string, offsets: Record<number, number>): Promise<number[]> {
  const partitions = Object.entries(offsets).map(([partition, offset]) => ({ partitionIndex: Number(partition), committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: null }));
  const response = await connection.request(ApiKeys.OffsetCommit, 7, { groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, topics: [{ name: topic, partitions }] });
  return response.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

/** OffsetFetch v7 of one topic: the group error and the committed offset per partition. */
export async function fetchOffsets(connection: KafkaConnection, groupId: string, topic: string, partitions: number[]): Promise<{ errorCode: number; offsets: Record<number, number> }> {
  const response = await connection.request(ApiKeys.OffsetFetch, 7, { groupId, topics: [{ name: topic, partitionIndexes: partitions }], requireStable: false });
  const offsets: Record<number, number> = {};
  for (const t of response.topics) for (const p of t.partitions) offsets[p.partitionIndex] = Number(p.committedOffset);
  return { errorCode: response.errorCode, offsets };
}
