import type { KafkaBroker } from '../../../../src/broker/kafka-broker.js';
import { absoluteRecords, decodeRecordBatchesSync } from '../../../../src/protocol/records/index.js';

export interface OffsetCommitRecord {
  group: string;
  topic: string;
  partition: number;
  /** null for a tombstone. */
  offset: number | null;
  valueVersion: number | null;
}

export interface GroupMetadataRecord {
  group: string;
  /** null for a tombstone. */
  protocolType: string | null;
  generation: number | null;
}

function readString(buf: Buffer, at: number): [string, number] {
  const length = buf.readInt16BE(at);
  return [buf.toString('utf8', at + 2, at + 2 + length), at + 2 + length];
}

/**
 * Every record of __consumer_offsets in log order, decoded by hand from Kafka's documented
 * layout (int16 key version: 0/1 offset commit, 2 group metadata), independently of the
 * broker's own encoder.
 */
export function readOffsetsTopic(broker: KafkaBroker): { commits: OffsetCommitRecord[]; groups: GroupMetadataRecord[] } {
  const commits: OffsetCommitRecord[] = [];
  const groups: GroupMetadataRecord[] = [];
  for (const partition of broker.replicaManager.partitionsOf('__consumer_offsets')) {
    let offset = partition.logStartOffset;
    while (offset < partition.highWatermark) {
      const read = partition.read(offset, 10 * 1024 * 1024, 0, true);
      const batches = decodeRecordBatchesSync(read.records);
      if (batches.length === 0) break;
      for (const batch of batches) {
        for (const record of absoluteRecords(batch)) {
          const key = record.key!;
          const keyVersion = key.readInt16BE(0);
          const [group, afterGroup] = readString(key, 2);
          if (keyVersion <= 1) {
            const [topic, afterTopic] = readString(key, afterGroup);
            const value = record.value;
            commits.push({
              group, topic, partition: key.readInt32BE(afterTopic),
              offset: value === null ? null : Number(value.readBigInt64BE(2)),
              valueVersion: value === null ? null : value.readInt16BE(0),
            });
          } else if (keyVersion === 2) {
            const value = record.value;
            if (value === null) groups.push({ group, protocolType: null, generation: null });
            else {
              const [protocolType, after] = readString(value, 2);
              groups.push({ group, protocolType, generation: value.readInt32BE(after) });
            }
          }
        }
        offset = Number(batch.baseOffset) + batch.lastOffsetDelta + 1;
      }
    }
  }
  return { commits, groups };
}
