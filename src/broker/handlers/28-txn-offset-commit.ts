import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';
import { commitResponse, commitsOfKnownPartitions } from './offset-commit-results.js';

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
      const wanted = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: Number(p.committedOffset),
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
        })),
      );
      const known = commitsOfKnownPartitions(broker, wanted);
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
      return commitResponse(request.topics, wanted, known, results);
    },
  });
}
