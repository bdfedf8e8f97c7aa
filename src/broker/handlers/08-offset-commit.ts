import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';
import { commitResponse, commitsOfKnownPartitions } from './offset-commit-results.js';

/**
 * OffsetCommit v0-v9. Partitions of unknown topics fail on their own; the rest go to the
 * group coordinator, which checks generation and member and writes one batch; the response
 * waits until the ISR has it.
 */
export function offsetCommitHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    handle(request, { header }) {
      const version = header.apiVersion;
      const now = broker.clock.now();
      // v2-v4 carry a retention for the whole commit; -1 means the broker's offsets.retention.minutes.
      const retention = version >= 2 && version <= 4 ? Number(request.retentionTimeMs) : -1;
      const wanted = request.topics.flatMap((t) =>
        t.partitions.map((p) => {
          const commitTimestamp = version === 1 && p.commitTimestamp !== -1n ? Number(p.commitTimestamp) : now;
          return {
            topic: t.name,
            partition: p.partitionIndex,
            offset: Number(p.committedOffset),
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
            commitTimestamp,
            expireTimestamp: retention >= 0 ? commitTimestamp + retention : null,
          };
        }),
      );
      const known = commitsOfKnownPartitions(broker, wanted);
      return broker.groupCoordinator.offsets
        .commitOffsets({
          groupId: request.groupId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          generationId: version === 0 ? -1 : request.generationIdOrMemberEpoch,
          apiVersion: version,
          offsets: known,
        })
        .then((results) => commitResponse(request.topics, wanted, known, results));
    },
  });
}
