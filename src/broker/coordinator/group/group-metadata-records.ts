import { ProtocolDecodeError } from '../../../protocol/errors.js';
import type { GroupMetadataValue as GroupMetadataValueData, OffsetCommitValue as OffsetCommitValueData } from '../../../protocol/generated/messages.js';
import { GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue } from '../../../protocol/generated/specs.js';
import { decodeMessage } from '../../../protocol/schema/compile.js';
import type { ClassicGroup } from './classic-group.js';
import type { OffsetAndMetadata } from './offset-and-metadata.js';
import { versionedRecord } from '../internal-record.js';

// The records of __consumer_offsets, byte for byte as Kafka writes them: an int16 schema
// version, then the struct. Key versions 0-1 are offset commits, 2 is group metadata (3+ are
// the new consumer protocol's records, which a classic coordinator skips).

const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
/** Kafka writes value v3 (with the leader epoch), or v1 when the commit carries an expire timestamp. */
const OFFSET_COMMIT_VALUE_VERSION = 3;
const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
/** v3 adds group.instance.id; v4 only makes the struct flexible. */
const GROUP_METADATA_VALUE_VERSION = 3;

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return versionedRecord(OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION, { group, topic, partition });
}

export function offsetCommitValue(offset: OffsetAndMetadata): Buffer {
  const value = {
    offset: BigInt(offset.offset),
    leaderEpoch: offset.leaderEpoch,
    metadata: offset.metadata,
    commitTimestamp: BigInt(offset.commitTimestamp),
    expireTimestamp: BigInt(offset.expireTimestamp ?? -1),
  };
  const version = offset.expireTimestamp !== null ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
  return versionedRecord(OffsetCommitValue, version, value);
}

export function groupMetadataKey(group: string): Buffer {
  return versionedRecord(GroupMetadataKey, GROUP_METADATA_KEY_VERSION, { group });
}

/** The group's current generation with each member's assignment (from `assignment`, else its own). */
export function groupMetadataValue(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Buffer {
  const protocol = group.protocolName;
  const value: GroupMetadataValueData = {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol,
    leader: group.leaderId,
    currentStateTimestamp: BigInt(group.currentStateTimestamp ?? -1),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: protocol === null ? Buffer.alloc(0) : m.metadata(protocol),
      assignment: assignment.get(m.memberId) ?? m.assignment,
    })),
  };
  return versionedRecord(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, value);
}

export type OffsetsTopicRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetAndMetadata | null }
  | { kind: 'group'; group: string; value: GroupMetadataValueData | null }
  | { kind: 'other' };

function splitVersion(bytes: Buffer, what: string): { version: number; body: Buffer } {
  if (bytes.length < 2) throw new ProtocolDecodeError(`${what} of ${bytes.length} bytes has no version`, 0);
  return { version: bytes.readInt16BE(0), body: bytes.subarray(2) };
}

/** Parses one record of __consumer_offsets; a null value is a tombstone. */
export function readOffsetsTopicRecord(key: Buffer, value: Buffer | null): OffsetsTopicRecord {
  const k = splitVersion(key, 'key');
  if (k.version === 0 || k.version === 1) {
    const { group, topic, partition } = decodeMessage<{ group: string; topic: string; partition: number }>(OffsetCommitKey, k.version, k.body);
    if (value === null) return { kind: 'offset', group, topic, partition, value: null };
    const v = splitVersion(value, 'offset commit value');
    const data = decodeMessage<OffsetCommitValueData>(OffsetCommitValue, Math.min(v.version, 4), v.body, true);
    const expire = v.version === 1 ? Number(data.expireTimestamp) : -1;
    return {
      kind: 'offset', group, topic, partition,
      value: {
        offset: Number(data.offset),
        leaderEpoch: data.leaderEpoch,
        metadata: data.metadata,
        commitTimestamp: Number(data.commitTimestamp),
        expireTimestamp: expire === -1 ? null : expire,
      },
    };
  }
  if (k.version === 2) {
    const { group } = decodeMessage<{ group: string }>(GroupMetadataKey, 2, k.body);
    if (value === null) return { kind: 'group', group, value: null };
    const v = splitVersion(value, 'group metadata value');
    return { kind: 'group', group, value: decodeMessage<GroupMetadataValueData>(GroupMetadataValue, Math.min(v.version, 4), v.body, true) };
  }
  return { kind: 'other' };
}
