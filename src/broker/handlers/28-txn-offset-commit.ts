import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

/**
 * TxnOffsetCommit v0-v4, sent to the group coordinator: offsets committed in the producer's
 * transaction, visible to OffsetFetch once the transaction commits. v3+ carries the
 * consumer's member id and generation, checked like OffsetCommit.
 */
export function txnOffsetCommitHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.TxnOffsetCommit,
    minVersion: 0,
    maxVersion: 4,
    handle(request, { header }) {
      const version = header.apiVersion;
      const exists = (topic: string, partition: number) => partition >= 0 && partition < (broker.metadata.topic(topic)?.partitions.length ?? 0);
      const wanted = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: Number(p.committedOffset),
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
        })),
      );
      const known = wanted.filter((o) => exists(o.topic, o.partition));
      const results = broker.groupCoordinator.offsets.commitTransactionalOffsets({
        transactionalId: request.transactionalId,
        groupId: request.groupId,
        producerId: Number(request.producerId),
        producerEpoch: request.producerEpoch,
        generationId: version >= 3 ? request.generationId : -1,
        memberId: version >= 3 ? request.memberId : '',
        groupInstanceId: version >= 3 ? request.groupInstanceId : null,
        offsets: known,
      });
      const errors = new Map(known.map((o, i) => [o, results[i]!]));
      let i = 0;
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors.get(wanted[i++]!) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })),
        })),
      };
    },
  });
}
