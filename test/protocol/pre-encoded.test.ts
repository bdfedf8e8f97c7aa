import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeResponse, preEncodeResponseArray } from '../../src/protocol/codec.js';
import { ProtocolEncodeError } from '../../src/protocol/errors.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { randomUuid } from '../../src/protocol/schema/uuid.js';

// An array encoded once and copied into many responses: the bytes are what encoding the array
// in place gives, at every version, and bytes of another version or field are refused.

const partitions = [
  { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] },
  { errorCode: 5, partitionIndex: 1, leaderId: -1, leaderEpoch: 4, replicaNodes: [2], isrNodes: [], offlineReplicas: [2] },
];
const topicId = randomUuid();
const response = (parts: unknown) => ({ throttleTimeMs: 0, brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }], clusterId: 'c', controllerId: 1, topics: [{ errorCode: 0, name: 't', topicId, isInternal: false, partitions: parts as typeof partitions, topicAuthorizedOperations: 8 }], clusterAuthorizedOperations: -2147483648 });

describe('pre-encoded arrays', () => {
  it('encode a Metadata response to the same bytes as the array in place, at every version', () => {
    for (let version = 0; version <= 12; version++) {
      const inPlace = encodeResponse(ApiKeys.Metadata, version, 1, response(partitions));
      const copied = encodeResponse(ApiKeys.Metadata, version, 1, response(preEncodeResponseArray(ApiKeys.Metadata, version, ['topics', 'partitions'], partitions)));
      expect(copied.equals(inPlace), `v${version}`).toBe(true);
      expect(decodeResponse(ApiKeys.Metadata, version, copied.subarray(4)).body.topics[0]!.partitions.map((p) => p.leaderId)).toEqual([1, -1]);
    }
  });

  it('refuse bytes encoded for another version, and a path that is not an array', () => {
    const v9 = preEncodeResponseArray(ApiKeys.Metadata, 9, ['topics', 'partitions'], partitions);
    expect(() => encodeResponse(ApiKeys.Metadata, 12, 1, response(v9))).toThrow(ProtocolEncodeError);
    expect(() => preEncodeResponseArray(ApiKeys.Metadata, 12, ['topics', 'name'], [])).toThrow(/has no array topics.name/);
    expect(() => preEncodeResponseArray(ApiKeys.Metadata, 12, ['topics', 'nothing'], [])).toThrow(/has no array topics.nothing/);
  });
});
